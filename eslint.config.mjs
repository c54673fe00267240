import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import grafanaConfig from '@grafana/eslint-config';
import reactPlugin from 'eslint-plugin-react';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'coverage/**', 'bench/results/**', '.config/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  // The plugin follows the @grafana/create-plugin ESLint setup (templates/common/.config/eslint.config.mjs):
  // @grafana/eslint-config, which brings the React and React hooks rules, with prop-types off.
  ...grafanaConfig.map((c) => ({ ...c, files: ['src/**/*.{ts,tsx}', 'e2e/host/src/**/*.{ts,tsx}'] })),
  { ...reactPlugin.configs.flat['jsx-runtime'], files: ['src/**/*.{ts,tsx}', 'e2e/host/src/**/*.{ts,tsx}'] },
  {
    files: ['src/**/*.{ts,tsx}', 'e2e/host/src/**/*.{ts,tsx}'],
    rules: { 'react/prop-types': 'off' },
  },
  {
    files: ['**/*.js', '**/*.cjs', '**/*.mjs'],
    languageOptions: { sourceType: 'commonjs', globals: { ...globals.node } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  }
);

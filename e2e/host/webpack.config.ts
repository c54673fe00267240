import path from 'path';
import webpack, { type Configuration } from 'webpack';
import { GRAFANA_LINES, LINE_PACKAGES, lineDist, packageDir, versionOf, type GrafanaLine } from './lines';

// The test host's browser bundles, one per Grafana line, from the same source (src/): the line's
// React, @grafana/* and the other modules Grafana shares, handed to plugins through SystemJS
// (src/systemjsLoader.ts). `webpack -c e2e/host/webpack.config.ts --env line=13` builds one line;
// without `--env line` both are built.

export const HOST_DIST = path.join(__dirname, 'dist');

/**
 * Exact-name aliases to the line's copy of each package the host needs one of: React (and its
 * entry points) and React Router as @grafana/ui has them, v5 (`react-router-dom`) and the v6
 * compat package. The root node_modules also holds the plugin's own react-router-dom 6, which the
 * host must not use; a package that the 13.x tree lacks and that is found in the root one still
 * gets the line's React.
 */
export function lineAliases(line: GrafanaLine): Record<string, string> {
  const base = LINE_PACKAGES[line];
  const ui = packageDir('@grafana/ui', base);
  const react = packageDir('react', base);
  const reactDom = packageDir('react-dom', base);
  const router5 = packageDir('react-router-dom', ui);
  const compat = packageDir('react-router-dom-v5-compat', ui);
  const runtime = packageDir('@grafana/runtime', base);
  const expect: Array<[string, string, RegExp]> = [
    ['react', react, line === '13' ? /^19\./ : /^18\./],
    ['react-dom', reactDom, line === '13' ? /^19\./ : /^18\./],
    ['@grafana/ui', ui, line === '13' ? /^13\./ : /^12\.4\./],
    ['@grafana/runtime', runtime, line === '13' ? /^13\./ : /^12\.4\./],
    ['react-router-dom', router5, /^5\./],
    ['react-router-dom-v5-compat', compat, /^6\./],
  ];
  for (const [name, dir, re] of expect) {
    if (!re.test(versionOf(dir))) {
      throw new Error(`Grafana ${line} host: ${name} ${versionOf(dir)} in ${dir} does not match ${re}`);
    }
  }
  return {
    react$: react,
    'react/jsx-runtime$': path.join(react, 'jsx-runtime.js'),
    'react/jsx-dev-runtime$': path.join(react, 'jsx-dev-runtime.js'),
    'react-dom$': reactDom,
    'react-dom/client$': path.join(reactDom, 'client.js'),
    'react-dom/server$': path.join(reactDom, 'server.browser.js'),
    'react-router-dom$': router5,
    'react-router-dom-v5-compat$': compat,
    'host-react-router-v5': router5,
    'grafana-runtime-plugin-page': path.join(runtime, 'dist/esm/components/PluginPage.mjs'),
  };
}

function configFor(line: GrafanaLine): Configuration {
  return {
    name: line,
    context: __dirname,
    mode: 'production',
    entry: { host: path.join(__dirname, 'src', 'main.tsx') },
    output: {
      path: lineDist(line),
      filename: '[name].js',
      chunkFilename: 'chunk-[name].js',
      publicPath: '/host/',
      clean: true,
    },
    // Production React and no minification: fast to build, same behaviour as Grafana's production build.
    optimization: { minimize: false },
    devtool: false,
    performance: { hints: false },
    resolve: {
      extensions: ['.ts', '.tsx', '.js', '.mjs', '.jsx'],
      alias: lineAliases(line),
      fallback: { fs: false, path: false, os: false, crypto: false },
    },
    module: {
      rules: [
        {
          // The host's own imports resolve in the line's node_modules first (then up from src/,
          // which reaches the root node_modules); inside a package the usual lookup keeps nested
          // copies (react-router-dom-v5-compat's own react-router 6, for one).
          test: /\.[tj]sx?$/,
          include: path.join(__dirname, 'src'),
          resolve: { modules: [path.join(LINE_PACKAGES[line], 'node_modules'), 'node_modules'] },
        },
        {
          test: /\.[tj]sx?$/,
          exclude: /node_modules/,
          use: {
            loader: 'swc-loader',
            options: {
              jsc: {
                target: 'es2020',
                parser: { syntax: 'typescript', tsx: true },
                transform: { react: { runtime: 'automatic' } },
              },
            },
          },
        },
        // SystemJS's browser scripts set up globals (System, define); webpack must not treat
        // their `define` as its own AMD.
        { test: /[\\/]systemjs[\\/]dist[\\/]/, parser: { amd: false, system: false } },
        { test: /\.m?js$/, resolve: { fullySpecified: false } },
        { test: /\.css$/, use: path.join(__dirname, 'cssLoader.js') },
        { test: /\.(svg|png|woff2?|ttf|eot)$/, type: 'asset/resource' },
      ],
    },
    plugins: [
      new webpack.DefinePlugin({
        'process.env.NODE_ENV': JSON.stringify('production'),
        __GRAFANA_LINE__: JSON.stringify(line),
      }),
    ],
    stats: 'errors-warnings',
  };
}

export default (env: { line?: string } = {}): Configuration[] => {
  const lines = env.line ? GRAFANA_LINES.filter((l) => l === env.line) : [...GRAFANA_LINES];
  if (lines.length === 0) {
    throw new Error(`unknown Grafana line ${env.line}; one of ${GRAFANA_LINES.join(', ')}`);
  }
  return lines.map(configFor);
};

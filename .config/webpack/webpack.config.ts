import CopyWebpackPlugin from 'copy-webpack-plugin';
import fs from 'fs';
import path from 'path';
import type { Configuration, ExternalItemFunctionData } from 'webpack';
import { DIST_DIR, EXTERNALS, ROOT, SOURCE_DIR } from './constants';

// The @grafana/create-plugin layout: src/module.tsx → dist/module.js as an AMD module that
// Grafana's SystemJS loader evaluates with its own shared modules (see EXTERNALS).

type Env = { production?: boolean; development?: boolean };

const pluginJson = JSON.parse(fs.readFileSync(path.join(SOURCE_DIR, 'plugin.json'), 'utf8')) as { id: string };
const rootPackage = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };

/** Fills the %VERSION% and %TODAY% placeholders of plugin.json, as the scaffold does. */
function stampPluginJson(content: Buffer): string {
  const today = new Date().toISOString().slice(0, 10);
  return content
    .toString()
    .replace(/%VERSION%/g, rootPackage.version)
    .replace(/%TODAY%/g, today);
}

/**
 * One entry per `module.ts(x)` under src/: the app's, and those of nested plugins
 * (src/datasource/module.ts → dist/datasource/module.js), as the scaffold does.
 */
function entries(dir = SOURCE_DIR): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory() && !['test', 'img'].includes(e.name)) {
      Object.assign(out, entries(p));
    } else if (/^module\.tsx?$/.test(e.name)) {
      out[path.relative(SOURCE_DIR, path.join(dir, 'module'))] = p;
    }
  }
  return out;
}

const config = (env: Env = {}): Configuration => ({
  context: ROOT,
  mode: env.production ? 'production' : 'development',
  devtool: env.production ? 'source-map' : 'eval-source-map',
  entry: entries(),
  externals: [
    ...EXTERNALS,
    // Grafana's internal modules (`grafana/app/...`) also come from the host.
    ({ request }: ExternalItemFunctionData, callback: (err?: Error, result?: string) => void) => {
      const prefix = 'grafana/';
      if (request?.startsWith(prefix)) {
        return callback(undefined, request.slice(prefix.length));
      }
      callback();
    },
  ],
  output: {
    clean: { keep: /(\.zip)$/ },
    filename: '[name].js',
    chunkFilename: '[name].js?_cache=[contenthash]',
    library: { type: 'amd' },
    path: DIST_DIR,
    // Lazy chunks load from Grafana's static plugin path.
    publicPath: `public/plugins/${pluginJson.id}/`,
    uniqueName: pluginJson.id,
  },
  resolve: {
    extensions: ['.ts', '.tsx', '.js', '.jsx'],
    modules: [SOURCE_DIR, 'node_modules'],
    // Types only come from the protocol package; the alias lets `import type` resolve and keeps
    // any accidental value import visible in the bundle analysis.
    alias: {
      '@fleetlens/protocol/api/units': path.join(ROOT, 'protocol', 'src', 'api', 'units.ts'),
      '@fleetlens/protocol/api/metrics': path.join(ROOT, 'protocol', 'src', 'api', 'metrics.ts'),
      '@fleetlens/protocol/api/risks': path.join(ROOT, 'protocol', 'src', 'api', 'risks.ts'),
      '@fleetlens/protocol/api/alerts': path.join(ROOT, 'protocol', 'src', 'api', 'alerts.ts'),
      '@fleetlens/protocol/api/alert-metrics': path.join(ROOT, 'protocol', 'src', 'api', 'alert-metrics.ts'),
      '@fleetlens/protocol/api/access': path.join(ROOT, 'protocol', 'src', 'api', 'access.ts'),
      '@fleetlens/protocol/api': path.join(ROOT, 'protocol', 'src', 'api', 'v1.ts'),
    },
  },
  module: {
    rules: [
      {
        test: /\.[tj]sx?$/,
        exclude: /node_modules/,
        use: {
          loader: 'swc-loader',
          options: {
            jsc: {
              baseUrl: ROOT,
              target: 'es2019',
              loose: false,
              parser: { syntax: 'typescript', tsx: true, decorators: false, dynamicImport: true },
              transform: { react: { runtime: 'automatic' } },
            },
          },
        },
      },
      { test: /\.(png|jpe?g|gif|svg)$/, type: 'asset/resource', generator: { filename: 'img/[hash][ext]' } },
    ],
  },
  plugins: [
    new CopyWebpackPlugin({
      patterns: [
        // The app's plugin.json and those of nested plugins (src/datasource, src/panels/*).
        { from: '**/plugin.json', to: '.', context: SOURCE_DIR, transform: stampPluginJson },
        { from: 'README.md', to: '.', context: SOURCE_DIR },
        { from: 'img/**/*', to: '.', context: SOURCE_DIR },
        // Nested plugins' own logos (src/datasource/img, src/panels/*/img) and the dashboards the app includes.
        { from: '{datasource,panels/*}/img/**/*', to: '.', context: SOURCE_DIR, noErrorOnMissing: true },
        { from: 'dashboards/*.json', to: '.', context: SOURCE_DIR, noErrorOnMissing: true },
      ],
    }),
  ],
  performance: { hints: false },
  stats: env.production ? 'normal' : 'minimal',
});

export default config;

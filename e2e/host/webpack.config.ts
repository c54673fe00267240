import path from 'path';
import webpack, { type Configuration } from 'webpack';

// The test host's browser bundle: React, @grafana/* and the other shared modules, bundled once and
// handed to the plugin through the AMD loader (see src/sharedModules.ts).

const ROOT = path.resolve(__dirname, '..', '..');

export const HOST_DIST = path.join(__dirname, 'dist');

const config: Configuration = {
  context: __dirname,
  mode: 'production',
  entry: { host: path.join(__dirname, 'src', 'main.tsx') },
  output: { path: HOST_DIST, filename: '[name].js', publicPath: '/host/', clean: true },
  // Production React and no minification: fast to build, same behaviour as Grafana's production build.
  optimization: { minimize: false },
  devtool: false,
  performance: { hints: false },
  resolve: {
    extensions: ['.ts', '.tsx', '.js', '.mjs', '.jsx'],
    alias: {
      'grafana-runtime-plugin-page': path.join(
        ROOT,
        'node_modules/@grafana/runtime/dist/esm/components/PluginPage.mjs'
      ),
    },
    fallback: { fs: false, path: false, os: false, crypto: false },
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
              target: 'es2020',
              parser: { syntax: 'typescript', tsx: true },
              transform: { react: { runtime: 'automatic' } },
            },
          },
        },
      },
      { test: /\.m?js$/, resolve: { fullySpecified: false } },
      { test: /\.css$/, use: path.join(__dirname, 'cssLoader.js') },
      { test: /\.(svg|png|woff2?|ttf|eot)$/, type: 'asset/resource' },
    ],
  },
  plugins: [new webpack.DefinePlugin({ 'process.env.NODE_ENV': JSON.stringify('production') })],
  stats: 'errors-warnings',
};

export default config;

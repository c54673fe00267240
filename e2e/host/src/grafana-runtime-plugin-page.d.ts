// The webpack config aliases this name to @grafana/runtime's internal PluginPage module, which the
// package's exports map does not expose; this declares the one function the host uses from it.
declare module 'grafana-runtime-plugin-page' {
  import type { PluginPageType } from '@grafana/runtime';
  export function setPluginPage(component: PluginPageType): void;
}

// react-router-dom-v5-compat is a dependency of @grafana/ui (nested under it in the root
// node_modules), not of this project: the type checker gets its API from react-router-dom 6,
// which it re-exports, plus the CompatRouter the host uses.
declare module 'react-router-dom-v5-compat' {
  import type { ComponentType, ReactNode } from 'react';
  export * from 'react-router-dom';
  export const CompatRouter: ComponentType<{ children?: ReactNode }>;
}

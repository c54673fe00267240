// The webpack config aliases this name to the Grafana line's React Router v5 (react-router-dom 5,
// which the root node_modules only has nested under @grafana/ui); this declares what the host uses.
declare module 'host-react-router-v5' {
  import type { ComponentType, ReactNode } from 'react';
  export const Router: ComponentType<{ history: unknown; children?: ReactNode }>;
}

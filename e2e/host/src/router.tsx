import React, { type ReactNode } from 'react';
import { locationService, LocationServiceProvider } from '@grafana/runtime';
import { CompatRouter } from 'react-router-dom-v5-compat';
// React Router v5 (the line's copy, the one Grafana shares as `react-router-dom`); see
// ../webpack.config.ts and ./host-react-router-v5.d.ts.
import { Router } from 'host-react-router-v5';

/**
 * Grafana's router frame, as its React roots set it up (public/app/AppWrapper.tsx, and the
 * newer roots the index holds): a React Router v5 `Router` on locationService's history,
 * `LocationServiceProvider`, then react-router-dom-v5-compat's `CompatRouter`, which gives v6
 * routing (the `react-router` plugins get) on the same history.
 * So a plugin's `useNavigate()` and `locationService.push()` move the same location, as in Grafana.
 */
export function GrafanaRouter({ children }: { children: ReactNode }) {
  return (
    <Router history={locationService.getHistory()}>
      <LocationServiceProvider service={locationService}>
        <CompatRouter>{children}</CompatRouter>
      </LocationServiceProvider>
    </Router>
  );
}

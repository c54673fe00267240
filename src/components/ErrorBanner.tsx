import React from 'react';
import { Alert, LinkButton } from '@grafana/ui';
import type { ApiError } from '../api/errors';
import { CONFIG_PAGE_URL } from '../constants';

const TITLES: Record<ApiError['kind'], string> = {
  'not-configured': 'Fleetlens is not configured',
  unreachable: 'Cannot reach the Fleetlens backend',
  unauthorized: 'The service key was rejected',
  forbidden: 'Not allowed',
  'not-found': 'Not found',
  'bad-request': 'The request was refused',
  conflict: 'Not possible right now',
  unavailable: 'The Fleetlens backend cannot serve data right now',
  'version-mismatch': 'Plugin and backend versions do not match',
  'not-fleetlens': 'The backend URL does not point to Fleetlens',
  server: 'The Fleetlens backend failed',
};

/** A backend error in plain words, with a way to the configuration page when that can fix it. */
export function ErrorBanner({ error }: { error: ApiError }) {
  return (
    <Alert title={TITLES[error.kind]} severity={error.kind === 'unavailable' ? 'warning' : 'error'}>
      <div>{error.message}</div>
      {error.isConfigProblem && (
        <div style={{ marginTop: 8 }}>
          <LinkButton href={CONFIG_PAGE_URL} icon="cog" variant="secondary" size="sm">
            Open the Fleetlens configuration
          </LinkButton>
        </div>
      )}
    </Alert>
  );
}

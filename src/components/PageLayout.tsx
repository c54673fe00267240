import React from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2, NavModelItem } from '@grafana/data';
import { PluginPage } from '@grafana/runtime';
import { Stack, useStyles2 } from '@grafana/ui';
import type { ApiError } from '../api/errors';
import { ClusterPicker } from './ClusterPicker';
import { ErrorBanner } from './ErrorBanner';
import { TimeControls } from './TimeControls';

interface Props {
  /** Extra controls left of the shared ones (metric choice, filters). */
  controls?: React.ReactNode;
  /** The first error of the page's requests, if any. */
  error?: ApiError;
  loading?: boolean;
  pageNav?: NavModelItem;
  subTitle?: React.ReactNode;
  /** Hide the cluster filter on pages about one entity. */
  hideClusterPicker?: boolean;
  children: React.ReactNode;
}

/** Every page's frame: Grafana page chrome, shared pickers, backend errors, content. */
export function PageLayout({ controls, error, loading, pageNav, subTitle, hideClusterPicker, children }: Props) {
  const styles = useStyles2(getStyles);
  return (
    <PluginPage pageNav={pageNav} subTitle={subTitle}>
      <div className={styles.toolbar} data-testid="fleetlens-toolbar">
        <Stack gap={1} wrap="wrap" alignItems="center">
          {controls}
        </Stack>
        <Stack gap={1} wrap="wrap" alignItems="center">
          {!hideClusterPicker && <ClusterPicker />}
          <TimeControls loading={loading} />
        </Stack>
      </div>
      {error && <ErrorBanner error={error} />}
      {children}
    </PluginPage>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  toolbar: css({
    display: 'flex',
    justifyContent: 'space-between',
    flexWrap: 'wrap',
    gap: theme.spacing(1),
    marginBottom: theme.spacing(2),
  }),
});

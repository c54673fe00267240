import React, { useMemo } from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { useStyles2 } from '@grafana/ui';
import type { ResponseTimesReply, StatusClassesReply } from '@fleetlens/protocol/api';
import { useApiData } from '../../api/useApiData';
import { useFleetlens } from '../FleetlensContext';
import { TimeSeriesChart } from '../TimeSeriesChart';
import { rangeKey, toSeconds } from '../../utils/time';
import { responseTimes, statusClasses } from './api';
import { responseTimeFrames } from './frames';
import { StatusDonut } from './StatusDonut';

/** Services drawn in the response-time chart (the busiest first, as the backend picks them). */
export const RESPONSE_TIME_SERVICES = 10;

/**
 * The Monitoring page's service health: average response time per service over the range (to find
 * the slow one) and requests per HTTP status class as a donut (to spot failures), for the selected
 * clusters and time range.
 */
export function ServiceHealthCharts() {
  const styles = useStyles2(getStyles);
  const { clusters, range, rawRange } = useFleetlens();
  const key = `${clusters.join(',')}:${rangeKey(rawRange)}`;
  const times = useApiData<ResponseTimesReply>(`response-times:${key}`, (c, s) => {
    const { from, to, step } = toSeconds(range);
    return responseTimes(c, { cluster: clusters, from, to, step, limit: RESPONSE_TIME_SERVICES }, s);
  });
  const classes = useApiData<StatusClassesReply>(`status-classes:${key}`, (c, s) => {
    const { from, to } = toSeconds(range);
    return statusClasses(c, { cluster: clusters, from, to }, s);
  });
  const multiCluster = useMemo(() => new Set(times.data?.series.map((s) => s.cluster) ?? []).size > 1, [times.data]);
  const frames = useMemo(() => responseTimeFrames(times.data, multiCluster), [times.data, multiCluster]);
  const error = times.error ?? classes.error;

  return (
    <div className={styles.grid}>
      <div data-testid="response-times" data-series={frames.map((f) => f.name).join(',')}>
        <TimeSeriesChart
          testId="chart-response-times"
          title="Response time per service"
          frames={frames}
          timeRange={range}
          emptyText={
            error
              ? 'Response times could not be loaded'
              : 'No service reported response times in this range: add a probe or ship access logs (Services page)'
          }
        />
      </div>
      <section className={styles.section} aria-label="HTTP status" data-testid="chart-status-classes">
        <h3 className={styles.title}>HTTP status</h3>
        {classes.data && classes.data.total > 0 && (
          <StatusDonut title="HTTP status" counts={classes.data.counts} total={classes.data.total} />
        )}
        {classes.data && classes.data.total === 0 && (
          <div className={styles.empty}>No access-log requests in this time range.</div>
        )}
        {error && !classes.data && <div className={styles.empty}>{error.message}</div>}
      </section>
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  grid: css({
    display: 'grid',
    gridTemplateColumns: 'minmax(420px, 2fr) minmax(320px, 1fr)',
    gap: theme.spacing(1.5),
    marginBottom: theme.spacing(2),
    '@media (max-width: 900px)': { gridTemplateColumns: '1fr' },
  }),
  section: css({
    background: theme.colors.background.primary,
    border: `1px solid ${theme.colors.border.weak}`,
    borderRadius: theme.shape.radius.default,
    padding: theme.spacing(1, 1.5),
    minWidth: 0,
  }),
  title: css({ fontSize: theme.typography.h6.fontSize, margin: 0, marginBottom: theme.spacing(1) }),
  empty: css({ color: theme.colors.text.secondary, padding: theme.spacing(2) }),
});

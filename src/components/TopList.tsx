import React from 'react';
import { css, cx } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { useStyles2 } from '@grafana/ui';
import type { TopReply } from '@fleetlens/protocol/api';
import { Link } from 'react-router-dom';
import { formatCores, formatMetric } from '../utils/format';
import { ContainerStateBadge } from './StatusBadge';

export type TopItem = TopReply['items'][number];

interface Props {
  items: TopItem[];
  /** The ranking metric, e.g. 'cpuCores'; its value is shown first. */
  metric: string;
  metricLabel: string;
  hrefOf(item: TopItem): string;
  nodeHrefOf(item: TopItem): string;
}

/** The top-N containers by a metric with rank badges (gold, silver, bronze for the first three). */
export function TopList({ items, metric, metricLabel, hrefOf, nodeHrefOf }: Props) {
  const styles = useStyles2(getStyles);
  return (
    <ol className={styles.list} aria-label={`Top containers by ${metricLabel}`} data-testid="top-list">
      {items.map((it) => (
        <li key={it.id} className={styles.item} data-testid="top-item">
          <span
            className={cx(styles.rank, it.rank <= 3 && styles[`rank${it.rank}` as 'rank1'])}
            aria-label={`Rank ${it.rank}`}
          >
            {it.rank}
          </span>
          <div className={styles.main}>
            <div className={styles.nameLine}>
              <Link to={hrefOf(it)} className={styles.name}>
                {it.name}
              </Link>
              <ContainerStateBadge state={it.displayState} />
            </div>
            <div className={styles.sub}>
              <Link to={nodeHrefOf(it)}>{it.nodeName}</Link> · {it.clusterName}
              {it.namespace ? ` · ${it.namespace}` : ''}
            </div>
          </div>
          <div className={styles.value} title={metricLabel}>
            {metric === 'cpuCores' ? formatCores(it.value) : formatMetric(metric, it.value)}
          </div>
          <dl className={styles.stats}>
            <dt>CPU</dt>
            <dd>{formatCores(it.cpuCores)}</dd>
            <dt>Mem</dt>
            <dd>{formatMetric('memBytes', it.memBytes)}</dd>
            <dt>Net</dt>
            <dd>
              ↓ {formatMetric('netRxBps', it.netRxBps)} ↑ {formatMetric('netTxBps', it.netTxBps)}
            </dd>
            <dt>Disk</dt>
            <dd>
              R {formatMetric('diskReadBps', it.diskReadBps)} W {formatMetric('diskWriteBps', it.diskWriteBps)}
            </dd>
          </dl>
        </li>
      ))}
    </ol>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  list: css({ listStyle: 'none', margin: 0, padding: 0 }),
  item: css({
    display: 'grid',
    gridTemplateColumns: '32px minmax(160px, 1fr) 110px minmax(260px, 2fr)',
    alignItems: 'center',
    gap: theme.spacing(1.5),
    padding: theme.spacing(0.75, 1),
    borderBottom: `1px solid ${theme.colors.border.weak}`,
  }),
  rank: css({
    width: 26,
    height: 26,
    borderRadius: '50%',
    display: 'inline-flex',
    alignItems: 'center',
    justifyContent: 'center',
    fontWeight: theme.typography.fontWeightBold,
    background: theme.colors.background.secondary,
    border: `1px solid ${theme.colors.border.medium}`,
  }),
  rank1: css({ background: '#d4a72c', color: '#1e1e1e', borderColor: '#d4a72c' }),
  rank2: css({ background: '#a8b0b8', color: '#1e1e1e', borderColor: '#a8b0b8' }),
  rank3: css({ background: '#b0714a', color: '#ffffff', borderColor: '#b0714a' }),
  main: css({ minWidth: 0 }),
  nameLine: css({ display: 'flex', gap: theme.spacing(1), alignItems: 'center' }),
  name: css({
    fontWeight: theme.typography.fontWeightMedium,
    overflow: 'hidden',
    textOverflow: 'ellipsis',
    whiteSpace: 'nowrap',
  }),
  sub: css({ color: theme.colors.text.secondary, fontSize: theme.typography.bodySmall.fontSize }),
  value: css({ fontSize: theme.typography.h5.fontSize, fontVariantNumeric: 'tabular-nums', textAlign: 'right' }),
  stats: css({
    display: 'grid',
    gridTemplateColumns: 'auto 1fr auto 1fr',
    gap: theme.spacing(0.25, 1),
    margin: 0,
    fontSize: theme.typography.bodySmall.fontSize,
    dt: { color: theme.colors.text.secondary },
    dd: { margin: 0, whiteSpace: 'nowrap' },
  }),
});

import React, { useMemo, useState } from 'react';
import { css, cx } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Icon, useStyles2, useTheme2 } from '@grafana/ui';
import type { HeatmapReply } from '@fleetlens/protocol/api';
import { Link } from 'react-router-dom';
import type { Thresholds } from '../types';
import { formatPercent } from '../utils/format';
import { EnvironmentTag } from './EnvironmentTag';
import { nodeStatusLabel } from './StatusBadge';
import { levelColor, usageLevel } from './UsageBar';

export type HeatmapNode = HeatmapReply['nodes'][number];

interface Props {
  nodes: HeatmapNode[];
  /** What the value is, e.g. "CPU". */
  metricLabel: string;
  thresholds: Thresholds;
  /** The node page of a tile. */
  hrefOf(node: HeatmapNode): string;
}

/**
 * One tile per node, grouped by cluster, coloured by the value's usage band, with a status icon for
 * nodes that are not ready. Tiles shrink as the fleet grows so 500 nodes still fit a screen;
 * hovering or focusing a tile shows its name and value in one shared tooltip.
 */
export function HeatmapGrid({ nodes, metricLabel, thresholds, hrefOf }: Props) {
  const styles = useStyles2(getStyles);
  const [hover, setHover] = useState<HeatmapNode | undefined>();
  const size = nodes.length > 300 ? 22 : nodes.length > 100 ? 30 : 44;
  const showValue = size >= 44;
  const groups = useMemo(() => {
    const byCluster = new Map<string, HeatmapNode[]>();
    for (const n of nodes) {
      const list = byCluster.get(n.clusterName);
      if (list) {
        list.push(n);
      } else {
        byCluster.set(n.clusterName, [n]);
      }
    }
    return [...byCluster.entries()];
  }, [nodes]);

  return (
    <div className={styles.wrap} onMouseLeave={() => setHover(undefined)}>
      <div className={styles.info} aria-live="polite" data-testid="heatmap-hover">
        {hover ? (
          <>
            <strong>{hover.name}</strong> · {hover.clusterName} · {metricLabel} {formatPercent(hover.value)} ·{' '}
            {nodeStatusLabel(hover.status)}
          </>
        ) : (
          <span className={styles.hint}>Hover a tile for its node and value; click it to open the node.</span>
        )}
      </div>
      {groups.map(([cluster, list]) => (
        <section key={cluster} aria-label={`Cluster ${cluster}`} className={styles.group}>
          <h4 className={styles.groupTitle}>
            {cluster} <EnvironmentTag environment={list[0].environment} />{' '}
            <span className={styles.hint}>{list.length} nodes</span>
          </h4>
          <div
            className={styles.grid}
            style={{ gridTemplateColumns: `repeat(auto-fill, ${size}px)`, gridAutoRows: `${size}px` }}
          >
            {list.map((n) => (
              <Tile
                key={n.id}
                node={n}
                href={hrefOf(n)}
                thresholds={thresholds}
                metricLabel={metricLabel}
                showValue={showValue}
                onHover={setHover}
              />
            ))}
          </div>
        </section>
      ))}
      <Legend thresholds={thresholds} />
    </div>
  );
}

interface TileProps {
  node: HeatmapNode;
  href: string;
  thresholds: Thresholds;
  metricLabel: string;
  showValue: boolean;
  onHover(n: HeatmapNode): void;
}

const Tile = React.memo(function Tile({ node, href, thresholds, metricLabel, showValue, onHover }: TileProps) {
  const styles = useStyles2(getStyles);
  const theme = useTheme2();
  const level = usageLevel(node.value, thresholds);
  const status = nodeStatusLabel(node.status);
  const label = `${node.name}: ${metricLabel} ${formatPercent(node.value)}, ${status}`;
  return (
    <Link
      to={href}
      className={cx(styles.tile, status !== 'Ready' && styles.tileAlert)}
      style={{ background: levelColor(theme, level) }}
      aria-label={label}
      data-testid="heatmap-tile"
      data-level={level}
      onMouseEnter={() => onHover(node)}
      onFocus={() => onHover(node)}
    >
      {status === 'NotReady' && <Icon name="times-circle" size="sm" className={styles.icon} />}
      {status === 'Warning' && <Icon name="question-circle" size="sm" className={styles.icon} />}
      {showValue && status === 'Ready' && (
        <span className={styles.value}>{node.value === null ? '–' : Math.round(node.value)}</span>
      )}
    </Link>
  );
});

function Legend({ thresholds }: { thresholds: Thresholds }) {
  const styles = useStyles2(getStyles);
  const theme = useTheme2();
  const items: Array<[string, string]> = [
    [`below ${thresholds.warn} %`, levelColor(theme, 'ok')],
    [`${thresholds.warn}–${thresholds.crit} %`, levelColor(theme, 'warn')],
    [`from ${thresholds.crit} %`, levelColor(theme, 'crit')],
    ['no data', levelColor(theme, 'none')],
  ];
  return (
    <div className={styles.legend}>
      {items.map(([text, color]) => (
        <span key={text} className={styles.legendItem}>
          <span className={styles.swatch} style={{ background: color }} /> {text}
        </span>
      ))}
      <span className={styles.legendItem}>
        <Icon name="times-circle" size="sm" /> not ready
      </span>
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  wrap: css({ position: 'relative' }),
  info: css({
    minHeight: 24,
    marginBottom: theme.spacing(1),
    fontSize: theme.typography.bodySmall.fontSize,
  }),
  hint: css({
    color: theme.colors.text.secondary,
    fontWeight: 'normal',
    fontSize: theme.typography.bodySmall.fontSize,
  }),
  group: css({ marginBottom: theme.spacing(2) }),
  groupTitle: css({
    fontSize: theme.typography.h6.fontSize,
    margin: theme.spacing(0, 0, 1),
    display: 'flex',
    gap: theme.spacing(1),
    alignItems: 'center',
  }),
  grid: css({ display: 'grid', gap: 3 }),
  tile: css({
    position: 'relative',
    display: 'flex',
    alignItems: 'center',
    justifyContent: 'center',
    borderRadius: theme.shape.radius.default,
    color: theme.colors.getContrastText(theme.colors.success.main),
    textDecoration: 'none',
    outlineOffset: 1,
    '&:hover, &:focus-visible': { outline: `2px solid ${theme.colors.text.primary}` },
  }),
  tileAlert: css({ boxShadow: `inset 0 0 0 2px ${theme.colors.error.border}` }),
  icon: css({ color: theme.colors.background.primary }),
  value: css({ fontSize: 12, fontWeight: theme.typography.fontWeightMedium, fontVariantNumeric: 'tabular-nums' }),
  legend: css({
    display: 'flex',
    gap: theme.spacing(2),
    flexWrap: 'wrap',
    fontSize: theme.typography.bodySmall.fontSize,
    color: theme.colors.text.secondary,
  }),
  legendItem: css({ display: 'inline-flex', alignItems: 'center', gap: theme.spacing(0.5) }),
  swatch: css({ width: 12, height: 12, borderRadius: 2, display: 'inline-block' }),
});

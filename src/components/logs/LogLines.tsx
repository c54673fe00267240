import React from 'react';
import { css, cx } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { useStyles2 } from '@grafana/ui';
import type { LogRow } from '@fleetlens/protocol/api/alerts';
import { formatTime } from '../../utils/format';
import { Highlight } from './Highlight';

/**
 * Log lines: time, level, where from, and the message with the keyword marked. `showOrigin` adds
 * each line's node and cluster (views of many containers, where the container name alone is
 * ambiguous: the same name runs on many nodes).
 */
export const LogLines = React.memo(function LogLines({
  rows,
  search,
  showOrigin = false,
}: {
  rows: LogRow[];
  search: string;
  showOrigin?: boolean;
}) {
  const styles = useStyles2(getStyles);
  return (
    <ol className={styles.list} aria-label="Log lines">
      {rows.map((r) => (
        <li
          key={r.id}
          className={cx(styles.line, showOrigin && styles.withOrigin)}
          data-testid="log-line"
          data-level={r.level}
        >
          <span className={styles.time}>{formatTime(r.ts)}</span>
          <span className={cx(styles.level, styles[r.level])}>{r.level}</span>
          <span
            className={styles.source}
            title={`${r.clusterName} / ${r.nodeName}${r.pod ? ` / ${r.namespace}/${r.pod}` : ''}`}
          >
            {r.containerName}
          </span>
          {showOrigin && (
            <>
              <span className={styles.source} data-testid="log-node" title={`node ${r.nodeName}`}>
                {r.nodeName}
              </span>
              <span className={styles.source} data-testid="log-cluster" title={`cluster ${r.clusterName}`}>
                {r.clusterName}
              </span>
            </>
          )}
          <span className={styles.message}>
            <Highlight text={r.message} search={search} />
          </span>
        </li>
      ))}
    </ol>
  );
});

const getStyles = (theme: GrafanaTheme2) => ({
  list: css({
    listStyle: 'none',
    margin: 0,
    padding: 0,
    fontFamily: theme.typography.fontFamilyMonospace,
    fontSize: theme.typography.bodySmall.fontSize,
    border: `1px solid ${theme.colors.border.weak}`,
    borderRadius: theme.shape.radius.default,
    background: theme.colors.background.primary,
  }),
  line: css({
    display: 'grid',
    gridTemplateColumns: '170px 64px 160px 1fr',
    gap: theme.spacing(1),
    padding: theme.spacing(0.25, 1),
    borderBottom: `1px solid ${theme.colors.border.weak}`,
    '&:hover': { background: theme.colors.action.hover },
  }),
  withOrigin: css({ gridTemplateColumns: '170px 64px 160px 150px 110px 1fr' }),
  time: css({ color: theme.colors.text.secondary, whiteSpace: 'nowrap' }),
  level: css({ fontWeight: theme.typography.fontWeightMedium }),
  source: css({
    color: theme.colors.text.secondary,
    overflow: 'hidden',
    textOverflow: 'ellipsis',
    whiteSpace: 'nowrap',
  }),
  message: css({ whiteSpace: 'pre-wrap', wordBreak: 'break-word' }),
  error: css({ color: theme.colors.error.text }),
  warning: css({ color: theme.colors.warning.text }),
  info: css({ color: theme.colors.info.text }),
  debug: css({ color: theme.colors.text.secondary }),
  unknown: css({ color: theme.colors.text.secondary }),
});

import React from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Badge, Tooltip, useStyles2 } from '@grafana/ui';
import { formatTime } from '../../utils/format';
import { CERT_WARN_DAYS, daysUntil, formatExpiry } from './format';

/** A service's or probe's status: up (green), down (red), or no probe at all. */
export function ProbeStatusBadge({ status, testId }: { status: 'up' | 'down' | null; testId?: string }) {
  if (status === null) {
    return (
      <span data-testid={testId} data-status="none">
        no probe
      </span>
    );
  }
  return (
    <span data-testid={testId} data-status={status}>
      <Badge
        color={status === 'up' ? 'green' : 'red'}
        icon={status === 'up' ? 'check-circle' : 'times-circle'}
        text={status}
      />
    </span>
  );
}

/** A certificate's expiry as "in 20 days", red under CERT_WARN_DAYS (or past), the date as tooltip. */
export function CertExpiry({ notAfter, testId }: { notAfter: number | null; testId?: string }) {
  const styles = useStyles2(getStyles);
  if (notAfter === null) {
    return <span data-testid={testId}>{formatExpiry(null)}</span>;
  }
  const soon = daysUntil(notAfter) < CERT_WARN_DAYS;
  return (
    <Tooltip content={`Certificate valid until ${formatTime(notAfter)}`}>
      <span className={soon ? styles.soon : undefined} data-testid={testId} data-expiring={soon ? 'true' : 'false'}>
        {formatExpiry(notAfter)}
      </span>
    </Tooltip>
  );
}

const SOURCE_LABELS = { logs: 'access logs', probe: 'probe' } as const;

/** Which sources report on a service, as small tags. */
export function SourceTags({ sources }: { sources: Array<'logs' | 'probe'> }) {
  const styles = useStyles2(getStyles);
  return (
    <span className={styles.tags} data-sources={sources.join(',')}>
      {sources.map((s) => (
        <span key={s} className={styles.tag}>
          {SOURCE_LABELS[s]}
        </span>
      ))}
    </span>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  soon: css({ color: theme.colors.error.text, fontWeight: theme.typography.fontWeightMedium }),
  tags: css({ display: 'inline-flex', gap: theme.spacing(0.5) }),
  tag: css({
    padding: theme.spacing(0, 0.75),
    borderRadius: theme.shape.radius.pill,
    border: `1px solid ${theme.colors.border.medium}`,
    color: theme.colors.text.secondary,
    fontSize: theme.typography.bodySmall.fontSize,
  }),
});

import React, { useMemo } from 'react';
import { css } from '@emotion/css';
import type { DataFrame, GrafanaTheme2 } from '@grafana/data';
import { Badge, useStyles2 } from '@grafana/ui';
import { Link } from 'react-router-dom';
import type { EventListReply, EventRow } from '@fleetlens/protocol/api/alerts';
import type { EventListParams } from '../api/client';
import { useApiData, type ApiData } from '../api/useApiData';
import { appUrl, ROUTES } from '../constants';
import { formatTime } from '../utils/format';
import { rangeKey, toSeconds } from '../utils/time';
import { annotationFrame } from './ChartAnnotations';
import { useFleetlens } from './FleetlensContext';

/** Most security events one container page loads for its range (the backend's page size bound). */
export const SECURITY_EVENTS_LIMIT = 500;

/** A container's security events (category `security`) in the page's time range, newest first. */
export function useSecurityEvents(containerId: string | undefined): ApiData<EventListReply> {
  const { range, rawRange } = useFleetlens();
  return useApiData<EventListReply>(
    `security-events:${containerId}:${rangeKey(rawRange)}`,
    (c, signal) => {
      const { from, to } = toSeconds(range);
      const query: EventListParams = {
        category: 'security',
        container: [containerId!],
        from,
        to,
        pageSize: SECURITY_EVENTS_LIMIT,
      };
      return c.events(query, signal);
    },
    { enabled: !!containerId }
  );
}

/** Warnings (exec sessions, privileged starts, …) in the theme's orange, the rest in blue. */
const colorOf = (e: EventRow) => (e.type === 'warning' ? 'orange' : 'blue');

/** Security events as one Grafana annotation frame (time, title = reason, text = message). */
export function securityAnnotations(events: EventRow[] | undefined): DataFrame[] {
  if (!events?.length) {
    return [];
  }
  const oldestFirst = [...events].sort((a, b) => a.ts - b.ts);
  return [
    annotationFrame(
      'Security events',
      oldestFirst.map((e) => ({
        time: e.ts * 1000,
        title: e.reason,
        text: e.message,
        color: colorOf(e),
        detail: formatTime(e.ts),
      }))
    ),
  ];
}

/** The annotation frames of a reply, memoised so the charts redraw only when the events change. */
export function useSecurityAnnotations(reply: EventListReply | undefined): DataFrame[] {
  return useMemo(() => securityAnnotations(reply?.items), [reply]);
}

/** The same events as a list under the charts: time, reason and message, newest first. */
export function SecurityEventList({
  reply,
  containerId,
}: {
  reply: EventListReply | undefined;
  /** The container's entity id: links to the Events page filtered to its security events. */
  containerId?: string;
}) {
  const styles = useStyles2(getStyles);
  const title = 'Security events in this range';
  return (
    <section className={styles.section} aria-label={title}>
      <h3 className={styles.title}>{title}</h3>
      {!reply ? null : reply.items.length === 0 ? (
        <p className={styles.none}>
          None: no exec sessions, privileged or sensitive-mount starts, image changes, OOM kills or crash loops.
        </p>
      ) : (
        <>
          <ul className={styles.list}>
            {reply.items.map((e) => (
              <li key={e.id} className={styles.item} data-testid="security-event" data-time={e.ts}>
                <span className={styles.time}>{formatTime(e.ts)}</span>
                <Badge color={colorOf(e)} text={e.reason} />
                <span>{e.message}</span>
              </li>
            ))}
          </ul>
          {reply.total > reply.items.length && (
            <p className={styles.none}>
              The newest {reply.items.length} of {reply.total}; choose a shorter time range to see the others.
            </p>
          )}
          {containerId && (
            <Link
              to={`${appUrl(ROUTES.events)}?${new URLSearchParams({ category: 'security', container: containerId })}`}
            >
              Open on the Events page
            </Link>
          )}
        </>
      )}
    </section>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  section: css({ marginBottom: theme.spacing(2) }),
  title: css({ fontSize: theme.typography.h6.fontSize, margin: 0, marginBottom: theme.spacing(1) }),
  none: css({ color: theme.colors.text.secondary, margin: 0 }),
  list: css({ listStyle: 'none', margin: 0, padding: 0 }),
  item: css({
    display: 'flex',
    gap: theme.spacing(1),
    alignItems: 'baseline',
    padding: theme.spacing(0.5, 0),
    borderBottom: `1px solid ${theme.colors.border.weak}`,
  }),
  time: css({ color: theme.colors.text.secondary, whiteSpace: 'nowrap', fontVariantNumeric: 'tabular-nums' }),
});

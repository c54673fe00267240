import React, { useCallback, useMemo, useState } from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import {
  Alert as Banner,
  Button,
  EmptyState,
  Icon,
  IconButton,
  Input,
  MultiSelect,
  Pagination,
  RadioButtonGroup,
  Stack,
  useStyles2,
} from '@grafana/ui';
import { useLocation, useNavigate } from 'react-router-dom';
import type { Alert, AlertGroupsReply, AlertListReply, AlertRule, Severity } from '@fleetlens/protocol/api/alerts';
import type { AlertListParams } from '../../api/client';
import { toApiError, type ApiError } from '../../api/errors';
import { useApiData } from '../../api/useApiData';
import { formatTime } from '../../utils/format';
import { ALERT_SEVERITIES, parseAlertTriage, withAlertTriage, type AlertTriageState } from '../../utils/viewState';
import { DataTable, type Column } from '../DataTable';
import { EntityFilter } from '../EntityFilter';
import { useFleetlens } from '../FleetlensContext';
import { ALERT_COLUMNS, SeverityBadge } from './AlertBits';

export const ACTIVE_PAGE_SIZE = 50;

const SEVERITY_OPTIONS = ALERT_SEVERITIES.map((s) => ({ label: s, value: s }));
const ACK_OPTIONS = [
  { label: 'Not acknowledged', value: 'no' },
  { label: 'Acknowledged', value: 'yes' },
];
const SORT_OPTIONS: Array<{ label: string; value: AlertTriageState['sort'] }> = [
  { label: 'Severity first', value: 'severity' },
  { label: 'Newest first', value: 'newest' },
];
const VIEW_OPTIONS = [
  { label: 'List', value: 'list' },
  { label: 'Group by rule', value: 'rule' },
];

/** What the user acts on: one alert, or the unacknowledged alerts of a rule. */
interface Actions {
  canEdit: boolean;
  busy: Set<string>;
  acknowledge(a: Alert): void;
  unacknowledge(a: Alert): void;
}

/** "acknowledged by X at T" with a remove button, or the Acknowledge button (editors), or nothing. */
function AckCell({ alert, actions }: { alert: Alert; actions: Actions }) {
  const ack = alert.acknowledgement;
  const busy = actions.busy.has(alert.id);
  if (ack) {
    return (
      <Stack gap={0.5} alignItems="center">
        <span data-testid="alert-ack">
          acknowledged by {ack.by} at {formatTime(ack.at)}
        </span>
        {ack.comment && (
          <span data-testid="alert-ack-comment" style={{ fontStyle: 'italic', opacity: 0.8 }}>
            “{ack.comment}”
          </span>
        )}
        {actions.canEdit && (
          <IconButton
            name="times"
            size="sm"
            tooltip="Remove the acknowledgement"
            aria-label="Remove the acknowledgement"
            disabled={busy}
            onClick={() => actions.unacknowledge(alert)}
          />
        )}
      </Stack>
    );
  }
  return actions.canEdit ? (
    <Button
      size="sm"
      variant="secondary"
      icon={busy ? 'spinner' : 'check'}
      disabled={busy}
      onClick={() => actions.acknowledge(alert)}
    >
      Acknowledge
    </Button>
  ) : (
    <span style={{ opacity: 0.6 }}>not acknowledged</span>
  );
}

function columnsOf(actions: Actions): Array<Column<Alert>> {
  const c = ALERT_COLUMNS;
  return [
    c.severity,
    c.state,
    c.rule,
    c.entity,
    c.value,
    c.since,
    { id: 'ack', header: 'Acknowledged', render: (a) => <AckCell alert={a} actions={actions} /> },
  ];
}

const pagesOf = (r?: AlertListReply) => (r ? Math.max(1, Math.ceil(r.total / r.pageSize)) : 1);

/** The alerts of one rule's group, paged, loaded when the group opens. */
function GroupAlerts({
  ruleId,
  ruleName,
  filters,
  sort,
  columns,
}: {
  ruleId: string;
  ruleName: string;
  filters: AlertListParams;
  sort: AlertTriageState['sort'];
  columns: Array<Column<Alert>>;
}) {
  const [page, setPage] = useState(1);
  const list = useApiData<AlertListReply>(`alerts-group:${ruleId}:${JSON.stringify(filters)}:${sort}:${page}`, (c, s) =>
    c.alerts({ ...filters, ruleId, sort, page, pageSize: ACTIVE_PAGE_SIZE }, s)
  );
  if (!list.data) {
    return null;
  }
  return (
    <>
      <DataTable label={`Alerts of ${ruleName}`} columns={columns} rows={list.data.items} rowKey={(a) => a.id} />
      <Pagination
        currentPage={list.data.page}
        numberOfPages={pagesOf(list.data)}
        onNavigate={setPage}
        hideWhenSinglePage
      />
    </>
  );
}

/**
 * The active (pending and firing) alerts for triage: sorted by severity (or newest first),
 * filtered by severity, rule and acknowledgement (the cluster picker applies too), as one list or
 * one collapsible group per rule with its counts; editors acknowledge an alert or a whole group.
 * Filters, sort, grouping and page live in the URL (utils/viewState.ts).
 */
export function ActiveAlerts({ rules, canEdit }: { rules: AlertRule[]; canEdit: boolean }) {
  const styles = useStyles2(getStyles);
  const { clusters, client, refreshNow } = useFleetlens();
  const location = useLocation();
  const navigate = useNavigate();
  const t = useMemo(() => parseAlertTriage(location.search), [location.search]);
  const setTriage = useCallback(
    (patch: Partial<AlertTriageState>) => {
      const next = withAlertTriage(location.search, { ...t, page: 1, ...patch });
      if (next !== location.search) {
        navigate({ pathname: location.pathname, search: next, hash: location.hash });
      }
    },
    [location, navigate, t]
  );
  const [busy, setBusy] = useState<Set<string>>(new Set());
  const [error, setError] = useState<ApiError>();
  const [open, setOpen] = useState<Set<string>>(new Set());
  // The optional comment that the next Acknowledge (of an alert or a group) sends.
  const [comment, setComment] = useState('');

  const filters: AlertListParams = useMemo(
    () => ({
      state: ['firing', 'pending'],
      cluster: clusters,
      severity: t.severities,
      ruleId: t.rule || undefined,
      acknowledged: t.ack === 'yes' ? 'true' : t.ack === 'no' ? 'false' : undefined,
    }),
    [clusters, t.severities, t.rule, t.ack]
  );
  const filterKey = JSON.stringify(filters);
  const list = useApiData<AlertListReply>(
    `alerts-active:${filterKey}:${t.sort}:${t.page}`,
    (c, s) => c.alerts({ ...filters, sort: t.sort, page: t.page, pageSize: ACTIVE_PAGE_SIZE }, s),
    { enabled: !t.group }
  );
  const groups = useApiData<AlertGroupsReply>(`alert-groups:${filterKey}`, (c, s) => c.alertGroups(filters, s), {
    enabled: t.group,
  });

  const run = useCallback(
    async (id: string, work: () => Promise<unknown>) => {
      setBusy((b) => new Set(b).add(id));
      setError(undefined);
      try {
        await work();
        refreshNow();
      } catch (err) {
        setError(toApiError(err));
      } finally {
        setBusy((b) => {
          const n = new Set(b);
          n.delete(id);
          return n;
        });
      }
    },
    [refreshNow]
  );
  const actions: Actions = useMemo(
    () => ({
      canEdit,
      busy,
      acknowledge: (a) => void run(a.id, () => client.acknowledgeAlert(a.id, comment.trim())),
      unacknowledge: (a) => void run(a.id, () => client.unacknowledgeAlert(a.id)),
    }),
    [canEdit, busy, run, client, comment]
  );
  const columns = useMemo(() => columnsOf(actions), [actions]);
  const ackGroup = (ruleId: string) =>
    void run(`group:${ruleId}`, () =>
      client.acknowledgeGroup({ ruleId, cluster: clusters, severity: t.severities, comment: comment.trim() })
    );

  const ruleOptions = useMemo(() => {
    const opts = rules.map((r) => ({ label: r.name, value: r.id }));
    return t.rule && !rules.some((r) => r.id === t.rule) ? [...opts, { label: t.rule, value: t.rule }] : opts;
  }, [rules, t.rule]);
  const filtered = t.severities.length > 0 || !!t.rule || t.ack !== 'all' || clusters.length > 0;

  const empty = (
    <EmptyState
      variant={filtered ? 'not-found' : 'completed'}
      message={filtered ? 'No alert matches' : 'Nothing is firing'}
    >
      {filtered
        ? 'No pending or firing alert matches these filters.'
        : 'No alert is pending or firing. Rules below decide what alerts; their notifications go to the channels they name.'}
    </EmptyState>
  );

  return (
    <div data-testid="active-alerts-section">
      <div className={styles.filters} role="group" aria-label="Alert filters">
        <MultiSelect<Severity>
          aria-label="Severity"
          placeholder="All severities"
          options={SEVERITY_OPTIONS}
          value={t.severities}
          onChange={(v) => setTriage({ severities: v.map((o) => o.value!).filter(Boolean) })}
          width={30}
        />
        <EntityFilter
          label="Rule"
          allLabel="All rules"
          options={ruleOptions}
          value={t.rule}
          onChange={(rule) => setTriage({ rule })}
          width={30}
        />
        <EntityFilter
          label="Acknowledgement"
          allLabel="Acknowledged or not"
          options={ACK_OPTIONS}
          value={t.ack === 'all' ? '' : t.ack}
          onChange={(v) => setTriage({ ack: v === 'yes' || v === 'no' ? v : 'all' })}
          width={24}
        />
        <RadioButtonGroup
          aria-label="Sort"
          options={SORT_OPTIONS}
          value={t.sort}
          onChange={(sort) => setTriage({ sort })}
          size="sm"
        />
        <RadioButtonGroup
          aria-label="View"
          options={VIEW_OPTIONS}
          value={t.group ? 'rule' : 'list'}
          onChange={(v) => setTriage({ group: v === 'rule' })}
          size="sm"
        />
        {canEdit && (
          <Input
            aria-label="Acknowledgement comment"
            placeholder="Comment for Acknowledge (optional)"
            value={comment}
            maxLength={1024}
            onChange={(e) => setComment(e.currentTarget.value)}
            width={36}
          />
        )}
      </div>
      {error && (
        <Banner title="The acknowledgement was not saved" severity="error" onRemove={() => setError(undefined)}>
          {error.message}
        </Banner>
      )}
      {list.error && !t.group && (
        <Banner title="Active alerts could not be loaded" severity="error">
          {list.error.message}
        </Banner>
      )}
      {groups.error && t.group && (
        <Banner title="Alert groups could not be loaded" severity="error">
          {groups.error.message}
        </Banner>
      )}

      {!t.group && list.data && (
        <>
          {list.data.items.length === 0 ? (
            empty
          ) : (
            <DataTable
              label="Active alerts"
              testId="active-alerts"
              columns={columns}
              rows={list.data.items}
              rowKey={(a) => a.id}
            />
          )}
          <Stack justifyContent="space-between" alignItems="center">
            <span data-testid="active-count">{list.data.total} active</span>
            <Pagination
              currentPage={list.data.page}
              numberOfPages={pagesOf(list.data)}
              onNavigate={(page) => setTriage({ page })}
              hideWhenSinglePage
            />
          </Stack>
        </>
      )}

      {t.group && groups.data && (
        <>
          {groups.data.items.length === 0 && empty}
          {groups.data.items.map((g) => {
            const isOpen = open.has(g.ruleId);
            const unacked = g.total - g.acknowledged;
            return (
              <section
                key={g.ruleId}
                className={styles.group}
                aria-label={`Rule ${g.ruleName}`}
                data-testid="alert-group"
              >
                <div className={styles.groupHeader}>
                  <button
                    type="button"
                    className={styles.toggle}
                    aria-expanded={isOpen}
                    onClick={() =>
                      setOpen((o) => {
                        const n = new Set(o);
                        if (n.has(g.ruleId)) {
                          n.delete(g.ruleId);
                        } else {
                          n.add(g.ruleId);
                        }
                        return n;
                      })
                    }
                  >
                    <Icon name={isOpen ? 'angle-down' : 'angle-right'} /> {g.ruleName}
                  </button>
                  <SeverityBadge severity={g.severity} />
                  <span data-testid="alert-group-count">
                    {g.total} {g.total === 1 ? 'alert' : 'alerts'} · {g.acknowledged} acknowledged
                  </span>
                  {canEdit && unacked > 0 && (
                    <Button
                      size="sm"
                      variant="secondary"
                      icon={busy.has(`group:${g.ruleId}`) ? 'spinner' : 'check'}
                      disabled={busy.has(`group:${g.ruleId}`)}
                      onClick={() => ackGroup(g.ruleId)}
                    >
                      Acknowledge all {unacked}
                    </Button>
                  )}
                </div>
                {isOpen && (
                  <GroupAlerts
                    ruleId={g.ruleId}
                    ruleName={g.ruleName}
                    filters={filters}
                    sort={t.sort}
                    columns={columns}
                  />
                )}
              </section>
            );
          })}
          <span data-testid="active-count">
            {groups.data.total} active in {groups.data.items.length} {groups.data.items.length === 1 ? 'rule' : 'rules'}
          </span>
        </>
      )}
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  filters: css({
    display: 'flex',
    flexWrap: 'wrap',
    alignItems: 'center',
    gap: theme.spacing(1),
    marginBottom: theme.spacing(1),
  }),
  group: css({
    border: `1px solid ${theme.colors.border.weak}`,
    borderRadius: theme.shape.radius.default,
    padding: theme.spacing(1),
    marginBottom: theme.spacing(1),
  }),
  groupHeader: css({ display: 'flex', alignItems: 'center', gap: theme.spacing(1), flexWrap: 'wrap' }),
  toggle: css({
    background: 'none',
    border: 'none',
    color: theme.colors.text.primary,
    fontWeight: theme.typography.fontWeightMedium,
    cursor: 'pointer',
    padding: theme.spacing(0.5, 0),
  }),
});

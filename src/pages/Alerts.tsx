import React, { useCallback, useMemo, useState } from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import {
  Alert as Banner,
  Button,
  EmptyState,
  Pagination,
  Stack,
  Tab,
  TabContent,
  TabsBar,
  useStyles2,
} from '@grafana/ui';
import type {
  Alert,
  AlertListReply,
  AlertRule,
  AlertRuleListReply,
  AlertStatsReply,
  ChannelListReply,
  SilenceListReply,
} from '@fleetlens/protocol/api/alerts';
import { toApiError, type ApiError } from '../api/errors';
import { useApiData } from '../api/useApiData';
import { useMe } from '../api/useMe';
import { ActiveAlerts } from '../components/alerts/ActiveAlerts';
import { ALERT_COLUMNS, formatAlertValue } from '../components/alerts/AlertBits';
import { Channels } from '../components/alerts/Channels';
import { RuleForm } from '../components/alerts/RuleForm';
import { RulesTable } from '../components/alerts/RulesTable';
import { Silences } from '../components/alerts/Silences';
import { DataTable, type Column } from '../components/DataTable';
import { useFleetlens } from '../components/FleetlensContext';
import { PageLayout } from '../components/PageLayout';
import { CardGrid, StatCard } from '../components/StatCard';
import { formatDuration, formatTime } from '../utils/format';
import { rangeKey, toSeconds } from '../utils/time';

export const ALERTS_PAGE_SIZE = 50;

/** "+2 vs the previous 1 hour" */
function changeText(change: number, period: number): string {
  const sign = change > 0 ? '+' : change < 0 ? '−' : '±';
  return `${sign}${Math.abs(change)} vs the previous ${formatDuration(period)}`;
}

const historyColumns: Array<Column<Alert>> = [
  ALERT_COLUMNS.severity,
  ALERT_COLUMNS.rule,
  ALERT_COLUMNS.entity,
  { id: 'value', header: 'Last value', align: 'right', render: (a) => formatAlertValue(a.metric, a.value) },
  { id: 'fired', header: 'Fired', render: (a) => (a.firedAt ? formatTime(a.firedAt) : 'never (was pending)') },
  { id: 'resolved', header: 'Resolved', render: (a) => formatTime(a.resolvedAt) },
  {
    id: 'lasted',
    header: 'Lasted',
    render: (a) => formatDuration((a.resolvedAt ?? a.lastEvalAt) - (a.firedAt ?? a.startedAt)),
  },
];

type TabId = 'rules' | 'history' | 'silences' | 'channels';

/** Alerts: statistics, what is firing, history, rules, silences and notification channels. */
export function AlertsPage() {
  const styles = useStyles2(getStyles);
  const { clusters, range, rawRange, client, refreshNow } = useFleetlens();
  const rk = rangeKey(rawRange);
  const me = useMe();
  const { from, to } = toSeconds(range);
  const period = Math.max(60, to - from);
  const [tab, setTab] = useState<TabId>('rules');
  const [historyPage, setHistoryPage] = useState(1);
  const [editing, setEditing] = useState<AlertRule | 'new'>();
  const [busy, setBusy] = useState<Set<string>>(new Set());
  const [writeError, setWriteError] = useState<ApiError>();

  const stats = useApiData<AlertStatsReply>(`alert-stats:${rk}:${clusters.join(',')}`, (c, s) =>
    c.alertStats({ period, cluster: clusters }, s)
  );
  // The silence form offers these alerts' rules and entities (the triage list is ActiveAlerts' own).
  const active = useApiData<AlertListReply>(`alerts-active-silence:${clusters.join(',')}`, (c, s) =>
    c.alerts({ state: ['firing', 'pending'], cluster: clusters, sort: 'severity', pageSize: 500 }, s)
  );
  const history = useApiData<AlertListReply>(`alerts-history:${clusters.join(',')}:${historyPage}:${rk}`, (c, s) =>
    c.alerts(
      {
        state: ['resolved'],
        cluster: clusters,
        from,
        // A range ending "now" stays open: alerts resolved after the page loaded still count.
        to: rawRange.to === 'now' ? undefined : to,
        page: historyPage,
        pageSize: ALERTS_PAGE_SIZE,
      },
      s
    )
  );
  const rules = useApiData<AlertRuleListReply>('alert-rules', (c, s) => c.rules(s));
  const silences = useApiData<SilenceListReply>('silences', (c, s) => c.silences({}, s));
  const channels = useApiData<ChannelListReply>('channels', (c, s) => c.channels(s));

  const toggle = useCallback(
    async (rule: AlertRule, enabled: boolean) => {
      setBusy((b) => new Set(b).add(rule.id));
      setWriteError(undefined);
      try {
        await client.patchRule(rule.id, { enabled });
        refreshNow();
      } catch (err) {
        setWriteError(toApiError(err));
      } finally {
        setBusy((b) => {
          const n = new Set(b);
          n.delete(rule.id);
          return n;
        });
      }
    },
    [client, refreshNow]
  );
  const remove = useCallback(
    async (rule: AlertRule) => {
      setWriteError(undefined);
      try {
        await client.deleteRule(rule.id);
        refreshNow();
      } catch (err) {
        setWriteError(toApiError(err));
      }
    },
    [client, refreshNow]
  );
  const onEdit = useCallback((r: AlertRule) => setEditing(r), []);

  const s = stats.data;
  const silenceAlerts = useMemo(
    () => [...(active.data?.items ?? []), ...(history.data?.items ?? [])],
    [active.data, history.data]
  );
  const pages = (r?: AlertListReply) => (r ? Math.max(1, Math.ceil(r.total / r.pageSize)) : 1);

  return (
    <PageLayout
      error={stats.error ?? active.error ?? rules.error ?? me.error}
      loading={stats.loading || active.loading}
    >
      {s && (
        <CardGrid>
          <StatCard
            testId="stat-critical"
            title="Critical firing"
            value={String(s.firing.critical.current)}
            tone={s.firing.critical.current ? 'bad' : 'good'}
            sub={changeText(s.firing.critical.change, s.period)}
          />
          <StatCard
            testId="stat-warning"
            title="Warning firing"
            value={String(s.firing.warning.current)}
            tone={s.firing.warning.current ? 'warning' : 'good'}
            sub={changeText(s.firing.warning.change, s.period)}
          />
          <StatCard
            testId="stat-info"
            title="Info firing"
            value={String(s.firing.info.current)}
            sub={changeText(s.firing.info.change, s.period)}
          />
          <StatCard
            testId="stat-resolved"
            title={`Resolved in the last ${formatDuration(s.period)}`}
            value={String(s.resolved.total.current)}
            sub={changeText(s.resolved.total.change, s.period)}
          />
        </CardGrid>
      )}

      <h3 className={styles.heading}>Active alerts</h3>
      <ActiveAlerts rules={rules.data?.items ?? []} canEdit={me.canEdit} />

      <TabsBar className={styles.tabs}>
        <Tab
          label="Rules"
          active={tab === 'rules'}
          onChangeTab={() => setTab('rules')}
          counter={rules.data?.items.length}
        />
        <Tab
          label="History"
          active={tab === 'history'}
          onChangeTab={() => setTab('history')}
          counter={history.data?.total}
        />
        <Tab
          label="Silences"
          active={tab === 'silences'}
          onChangeTab={() => setTab('silences')}
          counter={silences.data?.items.filter((x) => x.active).length}
        />
        <Tab
          label="Channels"
          active={tab === 'channels'}
          onChangeTab={() => setTab('channels')}
          counter={channels.data?.items.length}
        />
      </TabsBar>
      <TabContent className={styles.content}>
        {writeError && (
          <Banner title="The change was not saved" severity="error" onRemove={() => setWriteError(undefined)}>
            {writeError.message}
          </Banner>
        )}
        {tab === 'rules' && (
          <>
            {me.data && !me.canEdit && (
              <Banner title="Read only" severity="info">
                Your Fleetlens role is {me.data.role}: rules can be changed by editors and admins.
              </Banner>
            )}
            {me.canEdit && (
              <div className={styles.actions}>
                <Button icon="plus" onClick={() => setEditing('new')}>
                  New rule
                </Button>
              </div>
            )}
            {rules.data && rules.data.items.length === 0 && (
              <EmptyState variant="call-to-action" message="No alert rules">
                Without rules nothing alerts.{' '}
                {me.canEdit ? 'Create one with “New rule”.' : 'Ask an editor to create rules.'}
              </EmptyState>
            )}
            {rules.data && rules.data.items.length > 0 && (
              <RulesTable
                rules={rules.data.items}
                canEdit={me.canEdit}
                busy={busy}
                onToggle={toggle}
                onEdit={onEdit}
                onDelete={remove}
              />
            )}
          </>
        )}
        {tab === 'history' && history.data && (
          <>
            {history.data.items.length === 0 ? (
              <EmptyState variant="not-found" message="No alerts resolved in this time range">
                Widen the time range to see older alerts.
              </EmptyState>
            ) : (
              <>
                <DataTable
                  label="Alert history"
                  columns={historyColumns}
                  rows={history.data.items}
                  rowKey={(a) => a.id}
                />
                <Pagination
                  currentPage={history.data.page}
                  numberOfPages={pages(history.data)}
                  onNavigate={setHistoryPage}
                  hideWhenSinglePage
                />
              </>
            )}
          </>
        )}
        {tab === 'silences' && silences.data && (
          <Silences
            client={client}
            silences={silences.data.items}
            rules={rules.data?.items ?? []}
            alerts={silenceAlerts}
            canEdit={me.canEdit}
            onChanged={refreshNow}
          />
        )}
        {tab === 'channels' && channels.data && (
          <Channels client={client} channels={channels.data.items} isAdmin={me.isAdmin} onChanged={refreshNow} />
        )}
      </TabContent>
      {editing && (
        <RuleForm
          client={client}
          rule={editing === 'new' ? undefined : editing}
          channels={channels.data?.items ?? []}
          rules={rules.data?.items ?? []}
          onDismiss={() => setEditing(undefined)}
          onSaved={() => {
            setEditing(undefined);
            setTab('rules');
            refreshNow();
          }}
        />
      )}
    </PageLayout>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  heading: css({ fontSize: theme.typography.h5.fontSize, margin: theme.spacing(1, 0) }),
  tabs: css({ marginTop: theme.spacing(3) }),
  content: css({ paddingTop: theme.spacing(2) }),
  actions: css({ marginBottom: theme.spacing(1) }),
});

import React, { useMemo, useState } from 'react';
import { Button } from '@grafana/ui';
import { useParams } from 'react-router-dom';
import type { AutoscalingDecision, AutoscalingHistoryReply, AutoscalingRule } from '@fleetlens/protocol/api';
import { useApiData } from '../api/useApiData';
import { useMe } from '../api/useMe';
import { autoscalingHistory, getAutoscalingRule } from '../components/autoscaling/api';
import { formatMetricValue, historyFrames, METRICS, outcomeText } from '../components/autoscaling/format';
import { AUTOSCALING_ROUTE } from '../components/autoscaling/routes';
import { RuleForm } from '../components/autoscaling/RuleForm';
import { DataTable, type Column } from '../components/DataTable';
import { useFleetlens } from '../components/FleetlensContext';
import { PageLayout } from '../components/PageLayout';
import { CardGrid, StatCard } from '../components/StatCard';
import { TimeSeriesChart } from '../components/TimeSeriesChart';
import { appUrl } from '../constants';
import { formatTime } from '../utils/format';
import { rangeKey, toSeconds } from '../utils/time';

/** Most decisions one view loads (the API allows 5000). */
const HISTORY_LIMIT = 2000;

const decisionColumns = (rule: AutoscalingRule): Array<Column<AutoscalingDecision>> => [
  { id: 'ts', header: 'Time', render: (d) => formatTime(d.ts) },
  { id: 'metric', header: 'Metric', align: 'right', render: (d) => formatMetricValue(rule.metric, d.metricValue) },
  { id: 'current', header: 'Replicas', align: 'right', render: (d) => String(d.currentReplicas) },
  { id: 'recommended', header: 'Recommended', align: 'right', render: (d) => String(d.recommendedReplicas) },
  { id: 'desired', header: 'Desired', align: 'right', render: (d) => String(d.desiredReplicas) },
  { id: 'outcome', header: 'Outcome', render: (d) => outcomeText(d) },
  { id: 'message', header: 'Message', render: (d) => d.message },
];

/** One autoscaling rule: its settings, a chart of replicas against the metric, and its decisions in the time range. */
export function AutoscalingRulePage() {
  const { id = '' } = useParams();
  const { range, rawRange, client, refreshNow } = useFleetlens();
  const me = useMe();
  const rule = useApiData<AutoscalingRule>(`autoscaling-rule:${id}`, (c, s) => getAutoscalingRule(c, id, s), {
    keepPrevious: false,
  });
  const history = useApiData<AutoscalingHistoryReply>(`autoscaling-history:${id}:${rangeKey(rawRange)}`, (c, s) => {
    const { from, to } = toSeconds(range);
    return autoscalingHistory(c, id, { from, to, limit: HISTORY_LIMIT }, s);
  });
  const [editing, setEditing] = useState(false);
  const r = rule.data;
  const frames = useMemo(() => (r ? historyFrames(history.data, r.metric) : []), [history.data, r]);
  const last = r?.lastDecision;

  return (
    <PageLayout
      hideClusterPicker
      error={rule.error ?? history.error}
      loading={rule.loading}
      pageNav={{
        text: r ? r.name : 'Autoscaling rule',
        parentItem: { text: 'Autoscaling', url: appUrl(AUTOSCALING_ROUTE) },
      }}
      subTitle={r ? `${r.cluster} · ${r.workloadName}` : undefined}
      controls={
        me.canEdit &&
        r && (
          <Button icon="pen" variant="secondary" onClick={() => setEditing(true)}>
            Edit rule
          </Button>
        )
      }
    >
      {r && (
        <>
          <CardGrid min={150}>
            <StatCard title="Replicas now" value={last ? String(last.currentReplicas) : '–'} testId="as-current" />
            <StatCard
              title={METRICS[r.metric].label}
              value={formatMetricValue(r.metric, last?.metricValue)}
              testId="as-metric"
            />
            <StatCard title="Target" value={formatMetricValue(r.metric, r.target)} testId="as-target" />
            <StatCard title="Bounds" value={`${r.minReplicas}–${r.maxReplicas}`} testId="as-bounds" />
            <StatCard title="Mode" value={!r.enabled ? 'disabled' : r.dryRun ? 'dry run' : 'active'} testId="as-mode" />
          </CardGrid>
          <div data-testid="as-history-chart" data-series={frames.map((f) => f.name).join(',')}>
            <TimeSeriesChart
              testId="chart-autoscaling"
              title="Replicas and metric"
              frames={frames}
              timeRange={range}
              emptyText="No decision in this time range"
            />
          </div>
          {history.data && (
            <DataTable
              label="Decisions"
              testId="as-decisions"
              columns={decisionColumns(r)}
              rows={history.data.decisions}
              rowKey={(d) => d.id}
            />
          )}
          {history.data?.truncated && <p>Only the newest {HISTORY_LIMIT} decisions of the range are shown.</p>}
        </>
      )}
      {editing && r && (
        <RuleForm
          client={client}
          rule={r}
          onDismiss={() => setEditing(false)}
          onSaved={() => {
            setEditing(false);
            refreshNow();
          }}
        />
      )}
    </PageLayout>
  );
}

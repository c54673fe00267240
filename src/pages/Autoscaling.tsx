import React, { useState } from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Badge, Button, ConfirmModal, EmptyState, IconButton, Stack, useStyles2 } from '@grafana/ui';
import { Link } from 'react-router-dom';
import type { AutoscalingRule, AutoscalingRuleListReply } from '@fleetlens/protocol/api';
import { toApiError, type ApiError } from '../api/errors';
import { useApiData } from '../api/useApiData';
import { useMe } from '../api/useMe';
import { deleteAutoscalingRule, listAutoscalingRules } from '../components/autoscaling/api';
import { formatMetricValue, METRICS, outcomeText } from '../components/autoscaling/format';
import { AUTOSCALING_ROUTE } from '../components/autoscaling/routes';
import { RuleForm } from '../components/autoscaling/RuleForm';
import { DataTable, type Column } from '../components/DataTable';
import { ErrorBanner } from '../components/ErrorBanner';
import { useFleetlens } from '../components/FleetlensContext';
import { PageLayout } from '../components/PageLayout';
import { appUrl } from '../constants';
import { formatAgo, NO_VALUE } from '../utils/format';

/** The rules table's columns; the actions column is added for editors. */
export const RULE_COLUMNS: Array<Column<AutoscalingRule>> = [
  {
    id: 'name',
    header: 'Rule',
    render: (r) => <Link to={appUrl(AUTOSCALING_ROUTE, r.id)}>{r.name}</Link>,
  },
  { id: 'cluster', header: 'Cluster', render: (r) => r.cluster },
  { id: 'workload', header: 'Workload', render: (r) => r.workloadName },
  {
    id: 'metric',
    header: 'Target',
    render: (r) => `${METRICS[r.metric].label}: ${formatMetricValue(r.metric, r.target)}`,
  },
  { id: 'bounds', header: 'Replicas', render: (r) => `${r.minReplicas}–${r.maxReplicas}, step ${r.step}` },
  {
    id: 'mode',
    header: 'Mode',
    render: (r) =>
      !r.enabled ? (
        <Badge text="disabled" color="darkgrey" />
      ) : r.dryRun ? (
        <Badge text="dry run" color="orange" />
      ) : (
        <Badge text="active" color="green" />
      ),
  },
  {
    id: 'current',
    header: 'Now',
    align: 'right',
    render: (r) =>
      r.lastDecision
        ? `${r.lastDecision.currentReplicas} → ${r.lastDecision.desiredReplicas} at ${formatMetricValue(r.metric, r.lastDecision.metricValue)}`
        : NO_VALUE,
  },
  {
    id: 'last',
    header: 'Last decision',
    render: (r) => (r.lastDecision ? `${outcomeText(r.lastDecision)}, ${formatAgo(r.lastDecision.ts)}` : NO_VALUE),
  },
];

/**
 * Autoscaling rules (issue 15; decision 37): each rule scales a Deployment, StatefulSet or Compose
 * service between its bounds on a per-replica metric; editors and admins add, edit and delete
 * them, everyone in scope sees them with their newest decision.
 */
export function AutoscalingPage() {
  const styles = useStyles2(getStyles);
  const { clusters, client, refreshNow } = useFleetlens();
  const me = useMe();
  const cluster = clusters.length === 1 ? clusters[0] : undefined;
  const list = useApiData<AutoscalingRuleListReply>(`autoscaling-rules:${cluster ?? ''}`, (c, s) =>
    listAutoscalingRules(c, { cluster }, s)
  );
  const [editing, setEditing] = useState<AutoscalingRule | 'new'>();
  const [deleting, setDeleting] = useState<AutoscalingRule>();
  const [actionError, setActionError] = useState<ApiError>();
  const rules = list.data?.items.filter((r) => !clusters.length || clusters.includes(r.cluster));
  const columns: Array<Column<AutoscalingRule>> = me.canEdit
    ? [
        ...RULE_COLUMNS,
        {
          id: 'actions',
          header: '',
          render: (r) => (
            <Stack gap={0.5}>
              <IconButton name="pen" tooltip={`Edit ${r.name}`} onClick={() => setEditing(r)} />
              <IconButton name="trash-alt" tooltip={`Delete ${r.name}`} onClick={() => setDeleting(r)} />
            </Stack>
          ),
        },
      ]
    : RULE_COLUMNS;

  return (
    <PageLayout
      error={list.error}
      loading={list.loading}
      controls={
        me.canEdit && (
          <Button icon="plus" onClick={() => setEditing('new')}>
            Add rule
          </Button>
        )
      }
    >
      {me.data && !me.canEdit && (
        <p className={styles.note}>Your Fleetlens role is {me.data.role}: rules are managed by editors and admins.</p>
      )}
      {actionError && <ErrorBanner error={actionError} />}
      {rules && rules.length === 0 && (
        <EmptyState variant="call-to-action" message="No autoscaling rules yet">
          A rule scales a Kubernetes Deployment or StatefulSet, or a Docker Compose service on one node, between its
          minimum and maximum replicas so that the metric per replica stays near its target. Start it in dry-run mode to
          see what it would do.
        </EmptyState>
      )}
      {rules && rules.length > 0 && (
        <DataTable
          label="Autoscaling rules"
          testId="autoscaling-rules"
          columns={columns}
          rows={rules}
          rowKey={(r) => r.id}
        />
      )}
      {editing && (
        <RuleForm
          client={client}
          rule={editing === 'new' ? undefined : editing}
          preset={{ cluster }}
          onDismiss={() => setEditing(undefined)}
          onSaved={() => {
            setEditing(undefined);
            refreshNow();
          }}
        />
      )}
      {deleting && (
        <ConfirmModal
          isOpen
          title="Delete autoscaling rule"
          body={`Delete the rule ${deleting.name} and its history? The workload keeps its current replicas.`}
          confirmText="Delete"
          onDismiss={() => setDeleting(undefined)}
          onConfirm={async () => {
            const r = deleting;
            setDeleting(undefined);
            try {
              await deleteAutoscalingRule(client, r.id);
              setActionError(undefined);
              refreshNow();
            } catch (err) {
              setActionError(toApiError(err));
            }
          }}
        />
      )}
    </PageLayout>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  note: css({ color: theme.colors.text.secondary, margin: theme.spacing(0, 0, 1) }),
});

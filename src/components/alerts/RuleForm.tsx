import React, { useMemo, useState } from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2, SelectableValue } from '@grafana/data';
import {
  Alert as Banner,
  Button,
  Field,
  Input,
  Modal,
  MultiSelect,
  RadioButtonGroup,
  Select,
  Stack,
  Switch,
  TagsInput,
  TextArea,
  useStyles2,
} from '@grafana/ui';
import type { AlertRule, AlertTarget, Channel, Operator, Severity } from '@fleetlens/protocol/api/alerts';
import type { FleetlensClient } from '../../api/client';
import { toApiError, type ApiError } from '../../api/errors';
import { issueFor, otherIssues } from '../FieldIssues';
import { METRIC_LABELS, METRICS_BY_TARGET } from './AlertBits';

const TARGETS: AlertTarget[] = ['node', 'container', 'pod', 'namespace', 'workload', 'cluster'];
const OPERATORS: Operator[] = ['>', '>=', '<', '<=', '==', '!='];
const SEVERITIES: Array<SelectableValue<Severity>> = [
  { label: 'Critical', value: 'critical' },
  { label: 'Warning', value: 'warning' },
  { label: 'Info', value: 'info' },
];

/** The form's state: numbers as typed, so the backend (not the form) judges them. */
interface Draft {
  name: string;
  description: string;
  target: AlertTarget;
  metric: string;
  operator: Operator;
  threshold: string;
  forSeconds: string;
  windowSeconds: string;
  severity: Severity;
  clusters: string[];
  namespaces: string[];
  nodes: string[];
  namePattern: string;
  cooldownSeconds: string;
  channelIds: string[];
  enabled: boolean;
}

function draftOf(rule?: AlertRule): Draft {
  return {
    name: rule?.name ?? '',
    description: rule?.description ?? '',
    target: rule?.target ?? 'container',
    metric: rule?.metric ?? 'cpuPercent',
    operator: rule?.operator ?? '>',
    threshold: rule ? String(rule.threshold) : '',
    forSeconds: String(rule?.forSeconds ?? 300),
    windowSeconds: String(rule?.windowSeconds ?? 600),
    severity: rule?.severity ?? 'warning',
    clusters: rule?.filters.clusters ?? [],
    namespaces: rule?.filters.namespaces ?? [],
    nodes: rule?.filters.nodes ?? [],
    namePattern: rule?.filters.namePattern ?? '',
    cooldownSeconds: String(rule?.cooldownSeconds ?? 300),
    channelIds: rule?.channelIds ?? [],
    enabled: rule?.enabled ?? true,
  };
}

/** A typed number, or the text itself when it is not one: the backend then names the field. */
function num(text: string): number | string {
  const t = text.trim();
  return t !== '' && Number.isFinite(Number(t)) ? Number(t) : t;
}

function bodyOf(d: Draft): Record<string, unknown> {
  return {
    name: d.name,
    description: d.description,
    target: d.target,
    metric: d.metric,
    operator: d.operator,
    threshold: num(d.threshold),
    forSeconds: num(d.forSeconds),
    ...(d.metric === 'restarts' ? { windowSeconds: num(d.windowSeconds) } : {}),
    severity: d.severity,
    filters: {
      clusters: d.clusters,
      namespaces: d.namespaces,
      nodes: d.nodes,
      namePattern: d.namePattern.trim() ? d.namePattern.trim() : null,
    },
    cooldownSeconds: num(d.cooldownSeconds),
    channelIds: d.channelIds,
    enabled: d.enabled,
  };
}

const FIELDS = [
  'name',
  'description',
  'target',
  'metric',
  'operator',
  'threshold',
  'forSeconds',
  'windowSeconds',
  'severity',
  'filters.clusters',
  'filters.namespaces',
  'filters.nodes',
  'filters.namePattern',
  'cooldownSeconds',
  'channelIds',
  'enabled',
];

interface Props {
  client: FleetlensClient;
  /** The rule to edit; none to create one. */
  rule?: AlertRule;
  channels: Channel[];
  onSaved(rule: AlertRule): void;
  onDismiss(): void;
}

/** Create or edit an alert rule: every field of a rule, the backend's field errors next to the fields. */
export function RuleForm({ client, rule, channels, onSaved, onDismiss }: Props) {
  const styles = useStyles2(getStyles);
  const [d, setD] = useState<Draft>(() => draftOf(rule));
  const [error, setError] = useState<ApiError>();
  const [saving, setSaving] = useState(false);
  const set = <K extends keyof Draft>(k: K, v: Draft[K]) => setD((x) => ({ ...x, [k]: v }));

  const metricOptions = useMemo(
    () => METRICS_BY_TARGET[d.target].map((m) => ({ label: METRIC_LABELS[m], value: m })),
    [d.target]
  );
  const channelOptions = useMemo(
    () => channels.map((c) => ({ label: c.name, value: c.id, description: c.type })),
    [channels]
  );

  const save = async () => {
    setSaving(true);
    setError(undefined);
    try {
      const body = bodyOf(d);
      const saved = rule ? await client.replaceRule(rule.id, body) : await client.createRule(body);
      onSaved(saved);
    } catch (err) {
      setError(toApiError(err));
    } finally {
      setSaving(false);
    }
  };
  const f = (path: string) => ({ invalid: !!issueFor(error, path), error: issueFor(error, path) });
  const rest = otherIssues(error, FIELDS);

  return (
    <Modal
      title={rule ? `Edit rule ${rule.name}` : 'New alert rule'}
      isOpen
      onDismiss={onDismiss}
      className={styles.modal}
    >
      <form
        aria-label="Alert rule"
        onSubmit={(e) => {
          e.preventDefault();
          void save();
        }}
      >
        {error && (
          <Banner title="The rule was not saved" severity="error">
            {error.issues.length ? 'Fix the fields marked below.' : error.message}
            {rest.map((i) => (
              <div key={i.path}>
                {i.path}: {i.message}
              </div>
            ))}
          </Banner>
        )}
        <Field label="Name" {...f('name')}>
          <Input id="rule-name" value={d.name} onChange={(e) => set('name', e.currentTarget.value)} />
        </Field>
        <Field label="Description" {...f('description')}>
          <TextArea
            id="rule-description"
            rows={2}
            value={d.description}
            onChange={(e) => set('description', e.currentTarget.value)}
          />
        </Field>
        <div className={styles.row}>
          <Field label="Target" {...f('target')}>
            <Select
              inputId="rule-target"
              options={TARGETS.map((t) => ({ label: t, value: t }))}
              value={d.target}
              onChange={(o) => {
                const target = o.value as AlertTarget;
                setD((x) => ({
                  ...x,
                  target,
                  metric: METRICS_BY_TARGET[target].includes(x.metric as never)
                    ? x.metric
                    : METRICS_BY_TARGET[target][0],
                }));
              }}
              width={18}
            />
          </Field>
          <Field label="Metric" {...f('metric')}>
            <Select
              inputId="rule-metric"
              options={metricOptions}
              value={d.metric}
              onChange={(o) => set('metric', o.value!)}
              width={24}
            />
          </Field>
          <Field label="Operator" {...f('operator')}>
            <Select
              inputId="rule-operator"
              options={OPERATORS.map((o) => ({ label: o, value: o }))}
              value={d.operator}
              onChange={(o) => set('operator', o.value as Operator)}
              width={10}
            />
          </Field>
          <Field label="Threshold" {...f('threshold')}>
            <Input
              id="rule-threshold"
              width={14}
              value={d.threshold}
              onChange={(e) => set('threshold', e.currentTarget.value)}
            />
          </Field>
        </div>
        <div className={styles.row}>
          <Field label="For (seconds)" description="How long the condition must hold" {...f('forSeconds')}>
            <Input
              id="rule-for"
              width={14}
              value={d.forSeconds}
              onChange={(e) => set('forSeconds', e.currentTarget.value)}
            />
          </Field>
          {d.metric === 'restarts' && (
            <Field label="Window (seconds)" description="Restarts counted within" {...f('windowSeconds')}>
              <Input
                id="rule-window"
                width={14}
                value={d.windowSeconds}
                onChange={(e) => set('windowSeconds', e.currentTarget.value)}
              />
            </Field>
          )}
          <Field label="Cooldown (seconds)" description="Quiet time after a resolve" {...f('cooldownSeconds')}>
            <Input
              id="rule-cooldown"
              width={14}
              value={d.cooldownSeconds}
              onChange={(e) => set('cooldownSeconds', e.currentTarget.value)}
            />
          </Field>
          <Field label="Severity" {...f('severity')}>
            <RadioButtonGroup options={SEVERITIES} value={d.severity} onChange={(v) => set('severity', v)} />
          </Field>
        </div>
        <div className={styles.row}>
          <Field label="Clusters" description="Empty: all" {...f('filters.clusters')}>
            <TagsInput
              id="rule-clusters"
              tags={d.clusters}
              onChange={(v) => set('clusters', v)}
              placeholder="Add a cluster"
              width={30}
            />
          </Field>
          <Field label="Namespaces" description="Empty: all" {...f('filters.namespaces')}>
            <TagsInput
              id="rule-namespaces"
              tags={d.namespaces}
              onChange={(v) => set('namespaces', v)}
              placeholder="Add a namespace"
              width={30}
            />
          </Field>
        </div>
        <div className={styles.row}>
          <Field label="Nodes" description="Empty: all" {...f('filters.nodes')}>
            <TagsInput
              id="rule-nodes"
              tags={d.nodes}
              onChange={(v) => set('nodes', v)}
              placeholder="Add a node"
              width={30}
            />
          </Field>
          <Field label="Name pattern" description="Glob on the entity name: * and ?" {...f('filters.namePattern')}>
            <Input
              id="rule-pattern"
              width={30}
              value={d.namePattern}
              onChange={(e) => set('namePattern', e.currentTarget.value)}
            />
          </Field>
        </div>
        <Field
          label="Notification channels"
          description={channels.length ? undefined : 'No channels yet: an admin adds them under Channels'}
          {...f('channelIds')}
        >
          <MultiSelect
            inputId="rule-channels"
            options={channelOptions}
            value={d.channelIds}
            onChange={(v) => set('channelIds', v.map((o) => o.value!).filter(Boolean))}
            width={60}
          />
        </Field>
        <Field label="Enabled" {...f('enabled')}>
          <Switch id="rule-enabled" value={d.enabled} onChange={(e) => set('enabled', e.currentTarget.checked)} />
        </Field>
        <Modal.ButtonRow>
          <Stack gap={1}>
            <Button variant="secondary" fill="outline" onClick={onDismiss} type="button">
              Cancel
            </Button>
            <Button type="submit" disabled={saving} icon={saving ? 'spinner' : undefined}>
              {rule ? 'Save rule' : 'Create rule'}
            </Button>
          </Stack>
        </Modal.ButtonRow>
      </form>
    </Modal>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  modal: css({ width: 880, maxWidth: '95vw' }),
  row: css({ display: 'flex', flexWrap: 'wrap', gap: theme.spacing(2) }),
});

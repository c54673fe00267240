import React, { useMemo, useState } from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2, SelectableValue } from '@grafana/data';
import {
  Alert as Banner,
  Field,
  Modal,
  MultiSelect,
  RadioButtonGroup,
  Select,
  Switch,
  TagsInput,
  TextArea,
  useStyles2,
} from '@grafana/ui';
import type { AlertRule, AlertTarget, Channel, Operator, Severity } from '@fleetlens/protocol/api/alerts';
import { duplicatedDefaults } from '@fleetlens/protocol/api/alert-metrics';
import type { FleetlensClient } from '../../api/client';
import { toApiError, type ApiError } from '../../api/errors';
import { fieldProps, otherIssues } from '../FieldIssues';
import { FormButtons, SaveErrorBanner, TextField } from '../FormParts';
import { METRIC_LABELS, METRICS_BY_TARGET, SERVICE_WINDOW_METRICS } from './AlertBits';

const TARGETS: AlertTarget[] = ['node', 'container', 'pod', 'namespace', 'workload', 'cluster', 'service'];
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

/** Metrics counted over the rule's window (restarts, OOM kills, service latency and errors). */
function hasWindow(metric: string): boolean {
  return (
    metric === 'restarts' || metric === 'oomKills' || (SERVICE_WINDOW_METRICS as readonly string[]).includes(metric)
  );
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
    ...(hasWindow(d.metric) ? { windowSeconds: num(d.windowSeconds) } : {}),
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

/** The draft's plain text fields. */
type TextKey = { [K in keyof Draft]: string extends Draft[K] ? K : never }[keyof Draft];

/** A filter list: entity names as tags, none meaning all. */
function FilterTags({
  id,
  label,
  placeholder,
  invalid,
  error,
  tags,
  onChange,
}: {
  id: string;
  label: string;
  placeholder: string;
  invalid?: boolean;
  error?: string;
  tags: string[];
  onChange(tags: string[]): void;
}) {
  return (
    <Field label={label} description="Empty: all" invalid={invalid} error={error}>
      <TagsInput id={id} tags={tags} onChange={onChange} placeholder={placeholder} width={30} />
    </Field>
  );
}

interface Props {
  client: FleetlensClient;
  /** The rule to edit; none to create one. */
  rule?: AlertRule;
  channels: Channel[];
  /** The rules the caller sees: the defaults among them are checked for duplicates as the user types. */
  rules?: AlertRule[];
  onSaved(rule: AlertRule): void;
  onDismiss(): void;
}

/** Create or edit an alert rule: every field of a rule, the backend's field errors next to the fields. */
export function RuleForm({ client, rule, channels, rules = [], onSaved, onDismiss }: Props) {
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
  const f = (path: string) => fieldProps(error, path);
  /** A text field's value, setter and issue. */
  const text = (key: TextKey, path: string = key) => ({
    value: d[key],
    onChange: (v: string) => set(key, v),
    ...f(path),
  });
  /** A filter list's tags, setter and issue. */
  const filter = (key: 'clusters' | 'namespaces' | 'nodes') => ({
    tags: d[key],
    onChange: (v: string[]) => set(key, v),
    ...f(`filters.${key}`),
  });
  const rest = otherIssues(error, FIELDS);
  // The backend's own test (the create reply warns the same way): same condition, no entity the default does not watch.
  const threshold = num(d.threshold);
  const duplicates =
    typeof threshold === 'number'
      ? duplicatedDefaults(
          {
            target: d.target,
            metric: d.metric,
            operator: d.operator,
            threshold,
            filters: {
              clusters: d.clusters,
              namespaces: d.namespaces,
              nodes: d.nodes,
              namePattern: d.namePattern.trim() || null,
            },
          },
          rules,
          rule?.id
        )
      : [];

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
        <SaveErrorBanner title="The rule was not saved" error={error} rest={rest} />
        <TextField id="rule-name" label="Name" {...text('name')} />
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
          <TextField id="rule-threshold" label="Threshold" width={14} {...text('threshold')} />
        </div>
        <div className={styles.row}>
          <TextField
            id="rule-for"
            label="For (seconds)"
            description="How long the condition must hold"
            width={14}
            {...text('forSeconds')}
          />
          {hasWindow(d.metric) && (
            <TextField
              id="rule-window"
              label="Window (seconds)"
              description={
                d.metric === 'restarts'
                  ? 'Restarts counted within'
                  : d.metric === 'oomKills'
                    ? 'OOM kills counted within'
                    : 'Requests and probe runs counted within'
              }
              width={14}
              {...text('windowSeconds')}
            />
          )}
          <TextField
            id="rule-cooldown"
            label="Cooldown (seconds)"
            description="Quiet time after a resolve"
            width={14}
            {...text('cooldownSeconds')}
          />
          <Field label="Severity" {...f('severity')}>
            <RadioButtonGroup options={SEVERITIES} value={d.severity} onChange={(v) => set('severity', v)} />
          </Field>
        </div>
        <div className={styles.row}>
          <FilterTags id="rule-clusters" label="Clusters" placeholder="Add a cluster" {...filter('clusters')} />
          <FilterTags id="rule-namespaces" label="Namespaces" placeholder="Add a namespace" {...filter('namespaces')} />
        </div>
        <div className={styles.row}>
          <FilterTags id="rule-nodes" label="Nodes" placeholder="Add a node" {...filter('nodes')} />
          <TextField
            id="rule-pattern"
            label="Name pattern"
            description="Glob on the entity name: * and ?"
            width={30}
            {...text('namePattern', 'filters.namePattern')}
          />
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
        {duplicates.length > 0 && (
          <Banner title="This rule duplicates a default rule" severity="warning">
            <span data-testid="rule-duplicate-warning">
              {duplicates.map((x) => `“${x.name}”`).join(', ')} already watch
              {duplicates.length === 1 ? 'es' : ''} these entities with the same condition ({d.target} {d.metric}{' '}
              {d.operator} {String(threshold)}): each alert would be raised twice. You can still save it.
            </span>
          </Banner>
        )}
        <FormButtons saving={saving} submitText={rule ? 'Save rule' : 'Create rule'} onDismiss={onDismiss} />
      </form>
    </Modal>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  modal: css({ width: 880, maxWidth: '95vw' }),
  row: css({ display: 'flex', flexWrap: 'wrap', gap: theme.spacing(2) }),
});

import React, { useState } from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Field, Modal, RadioButtonGroup, Switch, useStyles2 } from '@grafana/ui';
import type { AutoscalingMetric, AutoscalingRule } from '@fleetlens/protocol/api';
import type { FleetlensClient } from '../../api/client';
import { toApiError, type ApiError } from '../../api/errors';
import { fieldProps, otherIssues } from '../FieldIssues';
import { FormButtons, SaveErrorBanner, TextField } from '../FormParts';
import { createAutoscalingRule, replaceAutoscalingRule, type RuleBody } from './api';
import { METRICS } from './format';

type Kind = 'Deployment' | 'StatefulSet' | 'compose';

/** The form's state: numbers as typed, so that the backend (not the form) judges them. */
interface Draft {
  name: string;
  cluster: string;
  kind: Kind;
  namespace: string;
  workloadName: string;
  node: string;
  project: string;
  service: string;
  metric: AutoscalingMetric;
  target: string;
  minReplicas: string;
  maxReplicas: string;
  step: string;
  stabilisationSeconds: string;
  cooldownSeconds: string;
  tolerance: string;
  dryRun: boolean;
  enabled: boolean;
}

/** What a new rule starts with: the backend's defaults (AutoscalingRuleInput), dry-run on to try it first. */
function draftOf(rule: AutoscalingRule | undefined, preset: { cluster?: string }): Draft {
  const w = rule?.workload;
  return {
    name: rule?.name ?? '',
    cluster: rule?.cluster ?? preset.cluster ?? '',
    kind: w?.kind ?? 'compose',
    namespace: w && w.kind !== 'compose' ? w.namespace : '',
    workloadName: w && w.kind !== 'compose' ? w.name : '',
    node: w?.kind === 'compose' ? w.node : '',
    project: w?.kind === 'compose' ? w.project : '',
    service: w?.kind === 'compose' ? w.service : '',
    metric: rule?.metric ?? 'cpuPercentOfLimit',
    target: String(rule?.target ?? 70),
    minReplicas: String(rule?.minReplicas ?? 1),
    maxReplicas: String(rule?.maxReplicas ?? 5),
    step: String(rule?.step ?? 1),
    stabilisationSeconds: String(rule?.stabilisationSeconds ?? 300),
    cooldownSeconds: String(rule?.cooldownSeconds ?? 60),
    tolerance: String(rule?.tolerance ?? 0.1),
    dryRun: rule?.dryRun ?? true,
    enabled: rule?.enabled ?? true,
  };
}

/** A typed number, or the text itself when it is not one: the backend then names the field. */
function num(text: string): number | string {
  const t = text.trim();
  return t !== '' && Number.isFinite(Number(t)) ? Number(t) : t;
}

/** The request body (AutoscalingRuleInput) of a draft: the workload's fields by its kind. */
export function ruleBody(d: Draft): RuleBody {
  return {
    name: d.name.trim(),
    cluster: d.cluster.trim(),
    workload:
      d.kind === 'compose'
        ? { kind: 'compose', node: d.node.trim(), project: d.project.trim(), service: d.service.trim() }
        : { kind: d.kind, namespace: d.namespace.trim(), name: d.workloadName.trim() },
    metric: d.metric,
    target: num(d.target),
    minReplicas: num(d.minReplicas),
    maxReplicas: num(d.maxReplicas),
    step: num(d.step),
    stabilisationSeconds: num(d.stabilisationSeconds),
    cooldownSeconds: num(d.cooldownSeconds),
    tolerance: num(d.tolerance),
    dryRun: d.dryRun,
    enabled: d.enabled,
  };
}

const FIELDS = [
  'name',
  'cluster',
  'workload',
  'metric',
  'target',
  'minReplicas',
  'maxReplicas',
  'step',
  'stabilisationSeconds',
  'cooldownSeconds',
  'tolerance',
  'dryRun',
  'enabled',
];

const KINDS = [
  { label: 'Compose', value: 'compose' as const },
  { label: 'Deployment', value: 'Deployment' as const },
  { label: 'StatefulSet', value: 'StatefulSet' as const },
];
const METRIC_OPTIONS = (Object.keys(METRICS) as AutoscalingMetric[]).map((m) => ({
  label: METRICS[m].label,
  value: m,
}));

interface Props {
  client: FleetlensClient;
  /** The rule to edit; none to create one. */
  rule?: AutoscalingRule;
  preset?: { cluster?: string };
  onSaved(rule: AutoscalingRule): void;
  onDismiss(): void;
}

/**
 * Create or edit an autoscaling rule (POST /autoscaling/rules, PUT /autoscaling/rules/:id; editors
 * and admins): every field of AutoscalingRuleInput, with the backend's 400 messages at the fields
 * they name.
 */
export function RuleForm({ client, rule, preset = {}, onSaved, onDismiss }: Props) {
  const styles = useStyles2(getStyles);
  const [d, setD] = useState<Draft>(() => draftOf(rule, preset));
  const [error, setError] = useState<ApiError>();
  const [saving, setSaving] = useState(false);
  const set = <K extends keyof Draft>(k: K, v: Draft[K]) => setD((x) => ({ ...x, [k]: v }));
  const f = (path: string) => fieldProps(error, path);
  const text = (key: Exclude<keyof Draft, 'kind' | 'metric' | 'dryRun' | 'enabled'>, path: string = key) => ({
    value: d[key],
    onChange: (v: string) => set(key, v),
    ...f(path),
  });
  const compose = d.kind === 'compose';

  const save = async () => {
    setSaving(true);
    setError(undefined);
    try {
      const body = ruleBody(d);
      onSaved(rule ? await replaceAutoscalingRule(client, rule.id, body) : await createAutoscalingRule(client, body));
    } catch (err) {
      setError(toApiError(err));
    } finally {
      setSaving(false);
    }
  };
  const rest = otherIssues(error, FIELDS);

  return (
    <Modal
      title={rule ? `Edit autoscaling rule ${rule.name}` : 'Add autoscaling rule'}
      isOpen
      onDismiss={onDismiss}
      className={styles.modal}
    >
      <form
        aria-label="Autoscaling rule"
        onSubmit={(e) => {
          e.preventDefault();
          void save();
        }}
      >
        <SaveErrorBanner title="The rule was not saved" error={error} rest={rest} />
        <div className={styles.row}>
          <TextField id="as-name" label="Name" width={30} {...text('name')} />
          <TextField id="as-cluster" label="Cluster" width={24} {...text('cluster')} />
        </div>
        <Field label="Workload kind" {...f('workload.kind')}>
          <RadioButtonGroup options={KINDS} value={d.kind} onChange={(v) => set('kind', v)} />
        </Field>
        {compose ? (
          <div className={styles.row}>
            <TextField id="as-node" label="Node" width={20} {...text('node', 'workload.node')} />
            <TextField id="as-project" label="Compose project" width={20} {...text('project', 'workload.project')} />
            <TextField id="as-service" label="Compose service" width={20} {...text('service', 'workload.service')} />
          </div>
        ) : (
          <div className={styles.row}>
            <TextField id="as-namespace" label="Namespace" width={24} {...text('namespace', 'workload.namespace')} />
            <TextField id="as-workload" label="Workload name" width={24} {...text('workloadName', 'workload.name')} />
          </div>
        )}
        <Field label="Metric" {...f('metric')}>
          <RadioButtonGroup options={METRIC_OPTIONS} value={d.metric} onChange={(v) => set('metric', v)} />
        </Field>
        <div className={styles.row}>
          <TextField
            id="as-target"
            label="Target per replica"
            description="cores, bytes or percent, as the metric"
            width={18}
            {...text('target')}
          />
          <TextField id="as-min" label="Min replicas" width={12} {...text('minReplicas')} />
          <TextField id="as-max" label="Max replicas" width={12} {...text('maxReplicas')} />
          <TextField id="as-step" label="Step" description="most replicas per decision" width={12} {...text('step')} />
        </div>
        <div className={styles.row}>
          <TextField
            id="as-stabilisation"
            label="Stabilisation (seconds)"
            description="scale down only to the highest recent recommendation"
            width={18}
            {...text('stabilisationSeconds')}
          />
          <TextField id="as-cooldown" label="Cooldown (seconds)" width={18} {...text('cooldownSeconds')} />
          <TextField id="as-tolerance" label="Tolerance" description="0.1 = ±10 %" width={12} {...text('tolerance')} />
        </div>
        <div className={styles.row}>
          <Field label="Dry run" description="only record what it would do" {...f('dryRun')}>
            <Switch id="as-dry-run" value={d.dryRun} onChange={(e) => set('dryRun', e.currentTarget.checked)} />
          </Field>
          <Field label="Enabled" {...f('enabled')}>
            <Switch id="as-enabled" value={d.enabled} onChange={(e) => set('enabled', e.currentTarget.checked)} />
          </Field>
        </div>
        <FormButtons saving={saving} submitText={rule ? 'Save rule' : 'Create rule'} onDismiss={onDismiss} />
      </form>
    </Modal>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  modal: css({ width: 760, maxWidth: '95vw' }),
  row: css({ display: 'flex', flexWrap: 'wrap', gap: theme.spacing(2) }),
});

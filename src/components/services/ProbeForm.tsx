import React, { useState } from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Field, Modal, RadioButtonGroup, Switch, useStyles2 } from '@grafana/ui';
import type { ProbeDefinitionRow } from '@fleetlens/protocol/api';
import type { FleetlensClient } from '../../api/client';
import { toApiError, type ApiError } from '../../api/errors';
import { fieldProps, otherIssues } from '../FieldIssues';
import { FormButtons, SaveErrorBanner, TextField } from '../FormParts';
import { createProbe, replaceProbe, type ProbeBody } from './api';

type Method = ProbeDefinitionRow['method'];
type ProbeKind = ProbeDefinitionRow['kind'];

/** The form's state: numbers as typed, so that the backend (not the form) judges them. */
interface Draft {
  cluster: string;
  nodeName: string;
  namespace: string;
  name: string;
  kind: ProbeKind;
  target: string;
  method: Method;
  intervalSeconds: string;
  timeoutSeconds: string;
  expectStatus: string;
  bodyMatch: string;
  enabled: boolean;
}

/** What a new probe starts with: the backend's defaults (ProbeDefinitionInput). */
function draftOf(probe: ProbeDefinitionRow | undefined, preset: Partial<Draft>): Draft {
  return {
    cluster: probe?.cluster ?? preset.cluster ?? '',
    nodeName: probe?.nodeName ?? '',
    namespace: probe?.service.namespace ?? preset.namespace ?? '',
    name: probe?.service.name ?? preset.name ?? '',
    kind: probe?.kind ?? 'http',
    target: probe?.target ?? '',
    method: probe?.method ?? 'GET',
    intervalSeconds: String(probe?.intervalSeconds ?? 30),
    timeoutSeconds: String(probe?.timeoutSeconds ?? 5),
    expectStatus: probe?.expectStatus ?? '',
    bodyMatch: probe?.bodyMatch ?? '',
    enabled: probe?.enabled ?? true,
  };
}

/** A typed number, or the text itself when it is not one: the backend then names the field. */
function num(text: string): number | string {
  const t = text.trim();
  return t !== '' && Number.isFinite(Number(t)) ? Number(t) : t;
}

/** Empty optional text means "none" (null), as the input schema has it. */
const orNull = (s: string) => (s.trim() ? s.trim() : null);

/** The request body (ProbeDefinitionInput) of a draft; method, status and body match only for HTTP. */
export function probeBody(d: Draft): ProbeBody {
  const http = d.kind === 'http';
  return {
    cluster: d.cluster.trim(),
    nodeName: orNull(d.nodeName),
    service: { namespace: orNull(d.namespace), name: d.name.trim() },
    kind: d.kind,
    target: d.target.trim(),
    method: http ? d.method : 'GET',
    intervalSeconds: num(d.intervalSeconds),
    timeoutSeconds: num(d.timeoutSeconds),
    expectStatus: http ? orNull(d.expectStatus) : null,
    bodyMatch: http ? orNull(d.bodyMatch) : null,
    enabled: d.enabled,
  };
}

const FIELDS = [
  'cluster',
  'nodeName',
  'service',
  'kind',
  'target',
  'method',
  'intervalSeconds',
  'timeoutSeconds',
  'expectStatus',
  'bodyMatch',
  'enabled',
];

const KINDS = [
  { label: 'HTTP(S)', value: 'http' as const },
  { label: 'TCP', value: 'tcp' as const },
];
const METHODS = (['GET', 'HEAD', 'POST'] as const).map((m) => ({ label: m, value: m }));

interface Props {
  client: FleetlensClient;
  /** The probe to edit; none to define a new one. */
  probe?: ProbeDefinitionRow;
  /** Values a new probe starts with (the page's cluster, the service it is added to). */
  preset?: { cluster?: string; namespace?: string; name?: string };
  onSaved(probe: ProbeDefinitionRow): void;
  onDismiss(): void;
}

/**
 * Define or edit a probe the agents run (POST /probes, PUT /probes/:id; editors and admins): every
 * field of ProbeDefinitionInput, with the backend's 400 messages beside the fields they name.
 */
export function ProbeForm({ client, probe, preset = {}, onSaved, onDismiss }: Props) {
  const styles = useStyles2(getStyles);
  const [d, setD] = useState<Draft>(() => draftOf(probe, preset));
  const [error, setError] = useState<ApiError>();
  const [saving, setSaving] = useState(false);
  const set = <K extends keyof Draft>(k: K, v: Draft[K]) => setD((x) => ({ ...x, [k]: v }));
  const f = (path: string) => fieldProps(error, path);
  const text = (key: Exclude<keyof Draft, 'kind' | 'method' | 'enabled'>, path: string = key) => ({
    value: d[key],
    onChange: (v: string) => set(key, v),
    ...f(path),
  });
  const http = d.kind === 'http';

  const save = async () => {
    setSaving(true);
    setError(undefined);
    try {
      const body = probeBody(d);
      onSaved(probe ? await replaceProbe(client, probe.id, body) : await createProbe(client, body));
    } catch (err) {
      setError(toApiError(err));
    } finally {
      setSaving(false);
    }
  };
  const rest = otherIssues(error, FIELDS);

  return (
    <Modal
      title={probe ? `Edit probe ${probe.target}` : 'Add probe'}
      isOpen
      onDismiss={onDismiss}
      className={styles.modal}
    >
      <form
        aria-label="Probe"
        onSubmit={(e) => {
          e.preventDefault();
          void save();
        }}
      >
        <SaveErrorBanner title="The probe was not saved" error={error} rest={rest} />
        <div className={styles.row}>
          <TextField id="probe-cluster" label="Cluster" width={24} {...text('cluster')} />
          <TextField
            id="probe-node"
            label="Node"
            description="Whose agent runs it; empty: any live agent of the cluster"
            width={24}
            placeholder="any"
            {...text('nodeName')}
          />
        </div>
        <div className={styles.row}>
          <TextField
            id="probe-namespace"
            label="Service namespace"
            description="Kubernetes only; empty on Docker"
            width={24}
            {...text('namespace', 'service.namespace')}
          />
          <TextField id="probe-service" label="Service name" width={24} {...text('name', 'service.name')} />
        </div>
        <div className={styles.row}>
          <Field label="Kind" {...f('kind')}>
            <RadioButtonGroup options={KINDS} value={d.kind} onChange={(v) => set('kind', v)} />
          </Field>
          {http && (
            <Field label="Method" {...f('method')}>
              <RadioButtonGroup options={METHODS} value={d.method} onChange={(v) => set('method', v)} />
            </Field>
          )}
        </div>
        <TextField
          id="probe-target"
          label="Target"
          description={http ? 'http(s)://host[:port]/path' : 'host:port'}
          width={60}
          placeholder={http ? 'https://checkout.shop.svc:8443/healthz' : 'db.internal:5432'}
          {...text('target')}
        />
        <div className={styles.row}>
          <TextField id="probe-interval" label="Interval (seconds)" width={14} {...text('intervalSeconds')} />
          <TextField id="probe-timeout" label="Timeout (seconds)" width={14} {...text('timeoutSeconds')} />
        </div>
        {http && (
          <div className={styles.row}>
            <TextField
              id="probe-expect"
              label="Expected status"
              description="200, 200-399 or a comma list; empty: 200-399"
              width={24}
              {...text('expectStatus')}
            />
            <TextField
              id="probe-body"
              label="Body match"
              description="An RE2 pattern the body must match; empty: none"
              width={30}
              {...text('bodyMatch')}
            />
          </div>
        )}
        <Field label="Enabled" {...f('enabled')}>
          <Switch id="probe-enabled" value={d.enabled} onChange={(e) => set('enabled', e.currentTarget.checked)} />
        </Field>
        <FormButtons saving={saving} submitText={probe ? 'Save probe' : 'Create probe'} onDismiss={onDismiss} />
      </form>
    </Modal>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  modal: css({ width: 720, maxWidth: '95vw' }),
  row: css({ display: 'flex', flexWrap: 'wrap', gap: theme.spacing(2) }),
});

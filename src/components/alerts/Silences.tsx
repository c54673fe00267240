import React, { useMemo, useState } from 'react';
import type { SelectableValue } from '@grafana/data';
import { Alert as Banner, Button, EmptyState, Field, Input, Select, Stack } from '@grafana/ui';
import type { Alert, AlertRule, Silence } from '@fleetlens/protocol/api/alerts';
import type { FleetlensClient } from '../../api/client';
import { toApiError, type ApiError } from '../../api/errors';
import { DataTable, type Column } from '../DataTable';
import { issueFor } from '../FieldIssues';
import { formatTime } from '../../utils/format';

const DURATIONS: Array<SelectableValue<number>> = [
  { label: '30 minutes', value: 1800 },
  { label: '1 hour', value: 3600 },
  { label: '4 hours', value: 4 * 3600 },
  { label: '1 day', value: 86_400 },
  { label: '7 days', value: 7 * 86_400 },
];

interface Props {
  client: FleetlensClient;
  silences: Silence[];
  rules: AlertRule[];
  /** Alerts whose entities can be silenced (active and recent ones). */
  alerts: Alert[];
  canEdit: boolean;
  onChanged(): void;
}

/** Silences: mute a rule, an entity, or a rule on an entity until a time; end them early. */
export function Silences({ client, silences, rules, alerts, canEdit, onChanged }: Props) {
  const [ruleId, setRuleId] = useState('');
  const [entityId, setEntityId] = useState('');
  const [duration, setDuration] = useState(3600);
  const [comment, setComment] = useState('');
  const [error, setError] = useState<ApiError>();
  const [busy, setBusy] = useState(false);

  const ruleName = useMemo(() => new Map(rules.map((r) => [r.id, r.name])), [rules]);
  const entities = useMemo(() => {
    const m = new Map<string, string>();
    for (const a of alerts) {
      m.set(a.entity.id, `${a.entity.kind} ${a.entity.name} (${a.entity.clusterName})`);
    }
    return m;
  }, [alerts]);

  const create = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await client.createSilence({
        ruleId: ruleId || null,
        entityId: entityId || null,
        endsAt: Math.floor(Date.now() / 1000) + duration,
        comment,
      });
      setRuleId('');
      setEntityId('');
      setComment('');
      onChanged();
    } catch (err) {
      setError(toApiError(err));
    } finally {
      setBusy(false);
    }
  };
  const end = async (s: Silence) => {
    try {
      await client.deleteSilence(s.id);
      onChanged();
    } catch (err) {
      setError(toApiError(err));
    }
  };

  const columns: Array<Column<Silence>> = [
    { id: 'rule', header: 'Rule', render: (s) => (s.ruleId ? (ruleName.get(s.ruleId) ?? s.ruleId) : 'any rule') },
    {
      id: 'entity',
      header: 'Entity',
      render: (s) => (s.entityId ? (entities.get(s.entityId) ?? s.entityId) : 'any entity'),
    },
    { id: 'from', header: 'From', render: (s) => formatTime(s.startsAt) },
    { id: 'until', header: 'Until', render: (s) => formatTime(s.endsAt) },
    { id: 'state', header: 'State', render: (s) => (s.active ? 'active' : 'ended') },
    { id: 'comment', header: 'Comment', render: (s) => s.comment || '–' },
    { id: 'by', header: 'Created by', render: (s) => s.createdBy ?? '–' },
    {
      id: 'actions',
      header: '',
      render: (s) =>
        canEdit && s.active ? (
          <Button size="sm" variant="secondary" onClick={() => end(s)} aria-label={`End silence ${s.id}`}>
            End now
          </Button>
        ) : null,
    },
  ];

  return (
    <div>
      {canEdit && (
        <form
          aria-label="New silence"
          onSubmit={(e) => {
            e.preventDefault();
            void create();
          }}
        >
          <Stack gap={2} wrap="wrap" alignItems="flex-end">
            <Field label="Rule" invalid={!!issueFor(error, 'ruleId')} error={issueFor(error, 'ruleId')}>
              <Select
                inputId="silence-rule"
                width={32}
                options={[{ label: 'Any rule', value: '' }, ...rules.map((r) => ({ label: r.name, value: r.id }))]}
                value={ruleId}
                onChange={(o) => setRuleId(o.value ?? '')}
              />
            </Field>
            <Field label="Entity" invalid={!!issueFor(error, 'entityId')} error={issueFor(error, 'entityId')}>
              <Select
                inputId="silence-entity"
                width={40}
                options={[
                  { label: 'Any entity', value: '' },
                  ...[...entities].map(([id, label]) => ({ label, value: id })),
                ]}
                value={entityId}
                onChange={(o) => setEntityId(o.value ?? '')}
              />
            </Field>
            <Field label="For" invalid={!!issueFor(error, 'endsAt')} error={issueFor(error, 'endsAt')}>
              <Select
                inputId="silence-duration"
                width={16}
                options={DURATIONS}
                value={duration}
                onChange={(o) => setDuration(o.value!)}
              />
            </Field>
            <Field label="Comment">
              <Input
                id="silence-comment"
                width={30}
                value={comment}
                onChange={(e) => setComment(e.currentTarget.value)}
              />
            </Field>
            <Field label="">
              <Button type="submit" icon="bell-slash" disabled={busy}>
                Silence
              </Button>
            </Field>
          </Stack>
        </form>
      )}
      {error && !error.issues.length && (
        <Banner title="The silence was not saved" severity="error">
          {error.message}
        </Banner>
      )}
      {silences.length === 0 ? (
        <EmptyState variant="call-to-action" message="No silences">
          {canEdit
            ? 'Silence a rule, an entity, or a rule on one entity above, for example during maintenance.'
            : 'An editor can silence a rule or an entity, for example during maintenance.'}
        </EmptyState>
      ) : (
        <DataTable label="Silences" columns={columns} rows={silences} rowKey={(s) => s.id} />
      )}
    </div>
  );
}

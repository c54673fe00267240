import React, { useState, type ChangeEvent } from 'react';
import type { QueryEditorProps, SelectableValue } from '@grafana/data';
import { ClipboardButton, InlineField, InlineFieldRow, Input, Select } from '@grafana/ui';
import type { FleetlensDataSource } from './datasource';
import { toPromql } from './promql';
import {
  DEFAULT_QUERY,
  METRIC_LABELS,
  metricsOfKind,
  TOP_METRICS,
  type FleetlensOptions,
  type FleetlensQuery,
  type QueryType,
} from './types';

type Props = QueryEditorProps<FleetlensDataSource, FleetlensQuery, FleetlensOptions>;

const opts = <T extends string>(pairs: Array<[T, string, string?]>): Array<SelectableValue<T>> =>
  pairs.map(([value, label, description]) => ({ value, label, description }));

const QUERY_TYPES = opts<QueryType>([
  ['timeseries', 'Time series', 'A metric over time per entity or group'],
  ['nodes', 'Nodes table', 'Current usage per node (node heatmap panel)'],
  ['top', 'Top containers', 'Top-N containers over the time range (top containers panel)'],
  ['events', 'Events', 'Container and Kubernetes events (annotations)'],
  ['serviceResponseTime', 'Service response time', 'Average response time per service (probes, access logs)'],
  ['statusClasses', 'HTTP status classes', 'Requests per status class 2xx–5xx over the range (pie chart)'],
]);
const KINDS = opts([
  ['node', 'Node'],
  ['container', 'Container'],
  ['pod', 'Pod'],
  ['namespace', 'Namespace'],
  ['workload', 'Workload'],
  ['cluster', 'Cluster'],
] as const);
const AGGS = opts([
  ['avg', 'avg'],
  ['max', 'max'],
  ['min', 'min'],
  ['sum', 'sum'],
] as const);
const GROUPS = opts([
  ['entity', 'each entity'],
  ['none', 'nothing (one series)'],
  ['cluster', 'cluster'],
  ['node', 'node'],
  ['namespace', 'namespace'],
  ['workload', 'workload'],
] as const);
const EVENT_TYPES = opts([
  ['', 'all'],
  ['normal', 'normal'],
  ['warning', 'warning'],
] as const);

/** Query type, entity kind, metric, filters (variables allowed), aggregation and group-by. */
export function QueryEditor({ query, onChange, onRunQuery }: Props) {
  const q = { ...DEFAULT_QUERY, ...query };
  const type = q.queryType ?? 'timeseries';
  const set = (patch: Partial<FleetlensQuery>, run = true) => {
    onChange({ ...query, ...patch });
    if (run) {
      onRunQuery();
    }
  };
  const metrics = type === 'top' ? TOP_METRICS : metricsOfKind(q.kind ?? 'node');
  const metricOptions = metrics.map((m) => ({ value: m, label: METRIC_LABELS[m] ?? m, description: m }));
  return (
    <div>
      <InlineFieldRow>
        <InlineField label="Query" labelWidth={12}>
          <Select
            inputId={`fl-type-${query.refId}`}
            aria-label="Query type"
            width={22}
            options={QUERY_TYPES}
            value={type}
            onChange={(v) => set({ queryType: v.value })}
          />
        </InlineField>
        {type === 'timeseries' && (
          <InlineField label="Entity" labelWidth={10}>
            <Select
              aria-label="Entity kind"
              width={16}
              options={KINDS}
              value={q.kind}
              onChange={(v) => {
                const kind = v.value!;
                const metric = metricsOfKind(kind).includes(q.metric ?? '') ? q.metric : 'cpuCores';
                set({ kind, metric });
              }}
            />
          </InlineField>
        )}
        {(type === 'timeseries' || type === 'top') && (
          <InlineField label="Metric" labelWidth={10}>
            <Select
              aria-label="Metric"
              width={30}
              options={metricOptions}
              value={q.metric}
              allowCustomValue
              onChange={(v) => set({ metric: v.value })}
            />
          </InlineField>
        )}
        {type === 'timeseries' && (
          <>
            <InlineField label="Aggregation" labelWidth={13} tooltip="How the series of a group combine per time step">
              <Select
                aria-label="Aggregation"
                width={10}
                options={AGGS}
                value={q.agg}
                onChange={(v) => set({ agg: v.value })}
              />
            </InlineField>
            <InlineField label="Group by" labelWidth={10}>
              <Select
                aria-label="Group by"
                width={22}
                options={GROUPS}
                value={q.groupBy}
                onChange={(v) => set({ groupBy: v.value })}
              />
            </InlineField>
          </>
        )}
        {(type === 'top' || type === 'serviceResponseTime') && (
          <InlineField
            label="Limit"
            labelWidth={8}
            tooltip={type === 'top' ? 'Containers' : 'Services, the busiest first'}
          >
            <Input
              aria-label="Limit"
              type="number"
              width={8}
              min={1}
              max={type === 'top' ? 100 : 50}
              defaultValue={q.limit}
              onBlur={(e) => set({ limit: Number(e.currentTarget.value) || 10 })}
            />
          </InlineField>
        )}
        {type === 'events' && (
          <InlineField label="Type" labelWidth={8}>
            <Select
              aria-label="Event type"
              width={12}
              options={EVENT_TYPES}
              value={q.eventType ?? ''}
              onChange={(v) => set({ eventType: v.value })}
            />
          </InlineField>
        )}
      </InlineFieldRow>
      <InlineFieldRow>
        <TextFilter label="Cluster" value={q.cluster} onCommit={(cluster) => set({ cluster })} />
        {type !== 'serviceResponseTime' && type !== 'statusClasses' && (
          <TextFilter label="Node" value={q.node} onCommit={(node) => set({ node })} />
        )}
        {type !== 'nodes' && (
          <TextFilter label="Namespace" value={q.namespace} onCommit={(namespace) => set({ namespace })} />
        )}
        {type !== 'statusClasses' && (
          <TextFilter
            label="Name"
            value={q.name}
            placeholder="api-* or /regex/"
            tooltip="Entity name pattern: * wildcards, or a regular expression in slashes"
            onCommit={(name) => set({ name })}
          />
        )}
      </InlineFieldRow>
      <PromqlRow query={q} />
    </div>
  );
}

/** The same query in PromQL, for Grafana alert rules on the "Fleetlens (Prometheus API)" datasource. */
function PromqlRow({ query }: { query: FleetlensQuery }) {
  const promql = toPromql(query);
  if (!promql) {
    return null;
  }
  return (
    <InlineFieldRow>
      <InlineField
        label="PromQL"
        labelWidth={12}
        grow
        tooltip="For Grafana alert rules: use this with the Fleetlens (Prometheus API) datasource, which Grafana alerting can evaluate"
      >
        <Input aria-label="PromQL equivalent" value={promql} readOnly />
      </InlineField>
      <ClipboardButton icon="copy" variant="secondary" getText={() => promql}>
        Copy
      </ClipboardButton>
    </InlineFieldRow>
  );
}

function TextFilter(props: {
  label: string;
  value?: string;
  placeholder?: string;
  tooltip?: string;
  onCommit(v: string): void;
}) {
  const [text, setText] = useState(props.value ?? '');
  return (
    <InlineField
      label={props.label}
      labelWidth={12}
      tooltip={
        props.tooltip ??
        `${props.label} names, comma separated; template variables allowed, e.g. $${props.label.toLowerCase()}`
      }
    >
      <Input
        aria-label={`${props.label} filter`}
        width={22}
        value={text}
        placeholder={props.placeholder ?? 'any'}
        onChange={(e: ChangeEvent<HTMLInputElement>) => setText(e.currentTarget.value)}
        onBlur={() => text !== (props.value ?? '') && props.onCommit(text)}
        onKeyDown={(e) => e.key === 'Enter' && text !== (props.value ?? '') && props.onCommit(text)}
      />
    </InlineField>
  );
}

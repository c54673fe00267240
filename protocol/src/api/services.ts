import { z } from 'zod';
import { ExpectStatus, ProbeKind, ProbeSource, ServiceRef } from '../v1/services';
import { csv } from './params';

/*
 * Service health reads and probe definitions of the query API (issue 16; decision 29). A service
 * is (cluster, namespace, name) as the agent names it (v1/services.ts ServiceRef). Numbers over a
 * window [from, to): requests/s and status classes from access logs, latency from access logs
 * where the format carries durations, else from probes. Durations in seconds.
 */

/** A window ending now by default: the newest 5 minutes. Bounded like every range query. */
const Window = {
  from: z.coerce.number().int().min(0).optional(),
  to: z.coerce.number().int().min(0).optional(),
};

/** The status classes the donut and the counts use. */
export const StatusClass = z.enum(['2xx', '3xx', '4xx', '5xx']);

/** The newest state of one probe. */
export const ProbeState = z.object({
  /** Stable id (derived from cluster + probe key). */
  id: z.string(),
  key: z.string(),
  source: ProbeSource,
  definitionId: z.string().nullable(),
  kind: ProbeKind,
  target: z.string(),
  nodeName: z.string(),
  containerId: z.string().nullable(),
  /** Newest run; null when the probe has never reported in the window. */
  lastTs: z.number().nullable(),
  up: z.boolean().nullable(),
  statusCode: z.number().nullable(),
  error: z.string().nullable(),
  totalSeconds: z.number().nullable(),
  certNotAfter: z.number().nullable(),
  /** Share of runs up in the window, 0–100; null without runs. */
  uptimePercent: z.number().nullable(),
});

/** One row of the Services page. */
export const ServiceRow = z.object({
  id: z.string(),
  clusterId: z.string(),
  cluster: z.string(),
  namespace: z.string().nullable(),
  name: z.string(),
  /** Which sources report on it. */
  sources: z.array(z.enum(['logs', 'probe'])),
  /** From access logs over the window; null without log-derived stats. */
  requestsPerSecond: z.number().nullable(),
  /** 5xx ÷ requests × 100 over the window; null without requests. */
  errorPercent: z.number().nullable(),
  statusCounts: z.record(StatusClass, z.number()),
  /** Mean, median and 95th percentile response time (seconds); null when nothing carried a duration. */
  avgSeconds: z.number().nullable(),
  p50Seconds: z.number().nullable(),
  p95Seconds: z.number().nullable(),
  /** Where the latency figures come from. */
  latencySource: z.enum(['logs', 'probe']).nullable(),
  /** up: every probe's newest run up; down: any down; null: no probe. */
  probeStatus: z.enum(['up', 'down']).nullable(),
  /** The earliest certificate notAfter among its probes (epoch seconds), else null. */
  certNotAfter: z.number().nullable(),
  lastSeen: z.number(),
});

export const ServiceSortKey = z.enum([
  'name',
  'cluster',
  'namespace',
  'requestsPerSecond',
  'errorPercent',
  'avgSeconds',
  'p50Seconds',
  'p95Seconds',
  'probeStatus',
  'certNotAfter',
]);

/** GET /services */
export const ServiceListQuery = z.object({
  cluster: csv,
  namespace: csv,
  q: z.string().max(200).optional(),
  ...Window,
  sort: ServiceSortKey.default('name'),
  order: z.enum(['asc', 'desc']).default('asc'),
  page: z.coerce.number().int().min(1).max(100_000).default(1),
  pageSize: z.coerce.number().int().min(1).max(500).default(50),
});
export const ServiceListReply = z.object({ total: z.number(), items: z.array(ServiceRow) });

/** GET /services/:id */
export const ServiceDetailQuery = z.object({ ...Window });
export const ServiceDetailReply = ServiceRow.extend({
  probes: z.array(ProbeState),
  /** Containers whose access logs fed the figures (ids). */
  containerIds: z.array(z.string()),
  /** The same containers in the caller's scope, with their names and nodes, by name. */
  containers: z.array(z.object({ id: z.string(), name: z.string(), nodeName: z.string() })),
});

/** Per-service series metrics. */
export const ServiceMetric = z.enum([
  'requestsPerSecond',
  'errorPercent',
  'avgSeconds',
  'p50Seconds',
  'p95Seconds',
  'status2xxPerSecond',
  'status3xxPerSecond',
  'status4xxPerSecond',
  'status5xxPerSecond',
  'probeUp',
  'probeTotalSeconds',
]);

/** Grafana value-format id of each ServiceMetric (durations in seconds, formatted as ms by the pages). */
export const SERVICE_METRIC_UNITS: Record<z.infer<typeof ServiceMetric>, string> = {
  requestsPerSecond: 'reqps',
  errorPercent: 'percent',
  avgSeconds: 's',
  p50Seconds: 's',
  p95Seconds: 's',
  status2xxPerSecond: 'reqps',
  status3xxPerSecond: 'reqps',
  status4xxPerSecond: 'reqps',
  status5xxPerSecond: 'reqps',
  probeUp: 'bool_yes_no',
  probeTotalSeconds: 's',
};

/** GET /services/:id/series */
export const ServiceSeriesQuery = z
  .object({
    metrics: z
      .string()
      .transform((s) => s.split(',').filter(Boolean))
      .pipe(z.array(ServiceMetric).min(1).max(11)),
    from: z.coerce.number().int().min(0),
    to: z.coerce.number().int().min(0),
    step: z.coerce.number().int().min(1).max(86_400).optional(),
  })
  .refine((q) => q.to > q.from, { message: 'must be after from', path: ['to'] });

export const ServiceSeriesReply = z.object({
  id: z.string(),
  from: z.number(),
  to: z.number(),
  step: z.number(),
  series: z.array(
    z.object({ metric: z.string(), unit: z.string(), points: z.array(z.tuple([z.number(), z.number().nullable()])) })
  ),
});

/**
 * GET /services/response-times: the Monitoring page's chart, one average-response-time series per
 * service (the `limit` busiest by requests, then by name) for the selected clusters and range.
 */
export const ResponseTimesQuery = z
  .object({
    cluster: csv,
    namespace: csv,
    from: z.coerce.number().int().min(0),
    to: z.coerce.number().int().min(0),
    step: z.coerce.number().int().min(1).max(86_400).optional(),
    limit: z.coerce.number().int().min(1).max(50).default(10),
  })
  .refine((q) => q.to > q.from, { message: 'must be after from', path: ['to'] });

export const ResponseTimesReply = z.object({
  from: z.number(),
  to: z.number(),
  step: z.number(),
  series: z.array(
    z.object({
      serviceId: z.string(),
      cluster: z.string(),
      namespace: z.string().nullable(),
      name: z.string(),
      source: z.enum(['logs', 'probe']),
      points: z.array(z.tuple([z.number(), z.number().nullable()])),
    })
  ),
});

/** GET /services/status-classes: requests per status class over [from, to) (the donut). */
export const StatusClassesQuery = z.object({
  cluster: csv,
  namespace: csv,
  service: z.string().max(256).optional(),
  ...Window,
});
export const StatusClassesReply = z.object({
  from: z.number(),
  to: z.number(),
  total: z.number(),
  counts: z.record(StatusClass, z.number()),
});

/** POST /probes and PUT /probes/:id body: a probe an editor defines (v1 ProbeDefinition without id, plus placement). */
export const ProbeDefinitionInput = z
  .object({
    cluster: z.string().min(1).max(253),
    /** The node whose agent runs it; null: the backend picks one live agent of the cluster. */
    nodeName: z.string().min(1).max(253).nullable().default(null),
    service: ServiceRef,
    kind: ProbeKind,
    target: z.string().min(1).max(2048),
    method: z.enum(['GET', 'HEAD', 'POST']).default('GET'),
    intervalSeconds: z.number().int().min(5).max(3600).default(30),
    timeoutSeconds: z.number().finite().min(0.1).max(60).default(5),
    expectStatus: ExpectStatus.nullable().default(null),
    bodyMatch: z.string().max(256).nullable().default(null),
    enabled: z.boolean().default(true),
  })
  .strict();

/** A stored probe definition. */
export const ProbeDefinitionRow = z.object({
  id: z.string(),
  clusterId: z.string(),
  cluster: z.string(),
  nodeName: z.string().nullable(),
  service: ServiceRef,
  kind: ProbeKind,
  target: z.string(),
  method: z.enum(['GET', 'HEAD', 'POST']),
  intervalSeconds: z.number(),
  timeoutSeconds: z.number(),
  expectStatus: z.string().nullable(),
  bodyMatch: z.string().nullable(),
  enabled: z.boolean(),
  /** The agent the backend hands it to now (node name), null when no live agent runs it. */
  assignedNode: z.string().nullable(),
  createdBy: z.string(),
  createdAt: z.number(),
  updatedAt: z.number(),
});
export const ProbeDefinitionListQuery = z.object({ cluster: csv });
export const ProbeDefinitionListReply = z.object({ items: z.array(ProbeDefinitionRow) });

export type StatusClass = z.infer<typeof StatusClass>;
export type ProbeState = z.infer<typeof ProbeState>;
export type ServiceRow = z.infer<typeof ServiceRow>;
export type ServiceSortKey = z.infer<typeof ServiceSortKey>;
export type ServiceListQuery = z.infer<typeof ServiceListQuery>;
export type ServiceListQueryInput = z.input<typeof ServiceListQuery>;
export type ServiceListReply = z.infer<typeof ServiceListReply>;
export type ServiceDetailReply = z.infer<typeof ServiceDetailReply>;
export type ServiceMetric = z.infer<typeof ServiceMetric>;
export type ServiceSeriesQuery = z.infer<typeof ServiceSeriesQuery>;
export type ServiceSeriesReply = z.infer<typeof ServiceSeriesReply>;
export type ResponseTimesQuery = z.infer<typeof ResponseTimesQuery>;
export type ResponseTimesReply = z.infer<typeof ResponseTimesReply>;
export type StatusClassesQuery = z.infer<typeof StatusClassesQuery>;
export type StatusClassesReply = z.infer<typeof StatusClassesReply>;
export type ProbeDefinitionInput = z.infer<typeof ProbeDefinitionInput>;
export type ProbeDefinitionRow = z.infer<typeof ProbeDefinitionRow>;
export type ProbeDefinitionListReply = z.infer<typeof ProbeDefinitionListReply>;

import { z } from 'zod';
import { METRICS_BY_TARGET as TARGET_METRICS } from './alert-metrics';
export { duplicatedDefaults, type RuleCondition } from './alert-metrics';
import { EventType, LogLevel, LogStream } from '../v1/ingest';
import { csv, csvOf } from './params';

/**
 * Alerts, notifications, silences, events and logs: request and reply schemas of the query API
 * (v1). The backend validates request bodies and query strings with them and documents its
 * replies with them in the OpenAPI document; the plugin imports only the inferred types.
 */

const Num = z.number();
const NullableNum = z.number().nullable();
const Epoch = z.number().int().min(0).max(4102444800);
const Id = z.string().min(1).max(64);

const qInt = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

// ───────────────────────────── rules ─────────────────────────────

export const Severity = z.enum(['critical', 'warning', 'info']);
export const AlertTarget = z.enum(['node', 'container', 'pod', 'namespace', 'workload', 'cluster', 'service']);
/**
 * What a rule measures. Percentages are 0–100; rates are bytes per second; `restartCount` is the
 * (summed) restart counter; `restarts` the restarts seen within the rule's window; the state
 * metrics (`nodeNotReady`, `exitedNonZero`, `oomKilled`) count matching members (1 or 0 for one
 * node or container). `oomKills` counts the OOM kills (one event each) within the rule's window;
 * `cpuThrottledPercent` is the CFS throttled-period percent of the latest sample, for a group its
 * most throttled member. `execSessions`, `privilegedStarts`, `sensitiveMountStarts` and
 * `imageChanges` count the security events of that kind (exec_start, privileged_start,
 * sensitive_mount_start, image_changed) within the rule's window (issue 17). For a service (issue
 * 16), over the rule's window as GET /services computes them: `latencyAvgSeconds` and
 * `latencyP95Seconds` (seconds), `errorPercent` (5xx ÷ requests × 100), `probeDown` (1 when any
 * probe's newest run is down, 0 when all are up, no data without probes) and `certDaysLeft` (days
 * until the earliest certificate notAfter of its probes).
 */
export const AlertMetric = z.enum([
  'cpuPercent',
  'memPercent',
  'diskPercent',
  'netRxBps',
  'netTxBps',
  'restartCount',
  'restarts',
  'nodeNotReady',
  'exitedNonZero',
  'oomKilled',
  'oomKills',
  'cpuThrottledPercent',
  'execSessions',
  'privilegedStarts',
  'sensitiveMountStarts',
  'imageChanges',
  'latencyAvgSeconds',
  'latencyP95Seconds',
  'errorPercent',
  'probeDown',
  'certDaysLeft',
]);
export const Operator = z.enum(['>', '>=', '<', '<=', '==', '!=']);

/** Which metrics each target supports (the backend rejects other combinations, naming `metric`). */
export const METRICS_BY_TARGET: Record<z.infer<typeof AlertTarget>, z.infer<typeof AlertMetric>[]> = TARGET_METRICS;

/** Which entities a rule looks at: empty lists mean "all"; `namePattern` is a glob (`*`, `?`) on the entity's name. */
export const RuleFilters = z.object({
  clusters: z.array(z.string().min(1).max(128)).max(100).default([]),
  namespaces: z.array(z.string().min(1).max(253)).max(100).default([]),
  nodes: z.array(z.string().min(1).max(253)).max(500).default([]),
  namePattern: z.string().min(1).max(253).nullable().default(null),
});

const RuleFields = z.object({
  name: z.string().trim().min(1).max(128),
  description: z.string().max(1024).default(''),
  target: AlertTarget,
  metric: AlertMetric,
  operator: Operator,
  threshold: z.number().finite(),
  /** How long the condition must hold before the alert fires (0: at once). */
  forSeconds: z
    .number()
    .int()
    .min(0)
    .max(7 * 86_400)
    .default(0),
  /** Window of the `restarts`, `oomKills`, security-event and service metrics. */
  windowSeconds: z
    .number()
    .int()
    .min(60)
    .max(7 * 86_400)
    .default(600),
  severity: Severity,
  filters: RuleFilters.default({ clusters: [], namespaces: [], nodes: [], namePattern: null }),
  /** After an alert of this rule resolves, the same entity cannot fire again for this long. */
  cooldownSeconds: z
    .number()
    .int()
    .min(0)
    .max(7 * 86_400)
    .default(300),
  channelIds: z.array(Id).max(20).default([]),
  enabled: z.boolean().default(true),
});

const targetMetricCheck = (r: { target?: string; metric?: string }, ctx: z.RefinementCtx) => {
  if (!r.target || !r.metric) return;
  const ok = METRICS_BY_TARGET[r.target as keyof typeof METRICS_BY_TARGET]?.includes(r.metric as never);
  if (!ok)
    ctx.addIssue({
      code: 'custom',
      path: ['metric'],
      message: `metric "${r.metric}" does not apply to target "${r.target}" (allowed: ${METRICS_BY_TARGET[r.target as keyof typeof METRICS_BY_TARGET]?.join(', ')})`,
    });
};

/** POST /alert-rules and PUT /alert-rules/:id body. */
export const AlertRuleInput = RuleFields.strict().superRefine(targetMetricCheck);
/** PATCH /alert-rules/:id body: any subset of the fields (e.g. `{ "enabled": false }`). */
export const AlertRulePatch = z
  .object({
    name: RuleFields.shape.name,
    description: z.string().max(1024),
    target: AlertTarget,
    metric: AlertMetric,
    operator: Operator,
    threshold: z.number().finite(),
    forSeconds: RuleFields.shape.forSeconds.unwrap(),
    windowSeconds: RuleFields.shape.windowSeconds.unwrap(),
    severity: Severity,
    filters: RuleFilters,
    cooldownSeconds: RuleFields.shape.cooldownSeconds.unwrap(),
    channelIds: z.array(Id).max(20),
    enabled: z.boolean(),
  })
  .partial()
  .strict();

export const AlertRule = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  target: AlertTarget,
  metric: AlertMetric,
  operator: Operator,
  threshold: Num,
  forSeconds: Num,
  windowSeconds: Num,
  severity: Severity,
  filters: z.object({
    clusters: z.array(z.string()),
    namespaces: z.array(z.string()),
    nodes: z.array(z.string()),
    namePattern: z.string().nullable(),
  }),
  cooldownSeconds: Num,
  channelIds: z.array(z.string()),
  enabled: z.boolean(),
  /** One of the defaults a new install starts with. */
  builtin: z.boolean(),
  createdAt: Num,
  updatedAt: Num,
});
export const AlertRuleListReply = z.object({ items: z.array(AlertRule) });

/** A warning on a rule that was saved anyway: `duplicates-default` names the default rule it duplicates (see `duplicatedDefaults`). */
export const RuleWarning = z.object({
  code: z.enum(['duplicates-default']),
  ruleId: z.string(),
  ruleName: z.string(),
  message: z.string(),
});
/** POST /alert-rules reply: the rule as stored, with warnings (empty when none). */
export const AlertRuleCreated = AlertRule.extend({ warnings: z.array(RuleWarning) });

// ───────────────────────────── alerts ─────────────────────────────

export const AlertState = z.enum(['pending', 'firing', 'resolved']);

export const AlertEntity = z.object({
  kind: AlertTarget,
  id: z.string(),
  name: z.string(),
  clusterName: z.string(),
  namespace: z.string().nullable(),
  nodeName: z.string().nullable(),
});

export const Alert = z.object({
  id: z.string(),
  ruleId: z.string(),
  ruleName: z.string(),
  fingerprint: z.string(),
  severity: Severity,
  state: AlertState,
  silenced: z.boolean(),
  metric: AlertMetric,
  operator: Operator,
  threshold: Num,
  /** The value at the latest evaluation (or at resolve). */
  value: NullableNum,
  entity: AlertEntity,
  /** When the condition was first seen (pending since). */
  startedAt: Num,
  firedAt: NullableNum,
  resolvedAt: NullableNum,
  lastEvalAt: Num,
  /** Who acknowledged the (pending or firing) alert, when, and why; null when not, and cleared when it resolves. */
  acknowledgement: z.object({ by: z.string(), at: Num, comment: z.string() }).nullable(),
});

/** Alert filters shared by the list, the groups and the group acknowledgement. */
const AlertFilterQuery = z.object({
  state: csvOf(AlertState),
  severity: csvOf(Severity),
  ruleId: z.string().max(64).optional(),
  entityId: z.string().max(64).optional(),
  cluster: csv,
  /** `true`: only acknowledged alerts; `false`: only alerts nobody acknowledged. */
  acknowledged: z.enum(['true', 'false']).optional(),
});

export const AlertListQuery = AlertFilterQuery.extend({
  /** `newest` (the default): by start time, newest first; `severity`: critical, warning, info, each newest first. */
  sort: z.enum(['newest', 'severity']).optional(),
  /** Alerts active at some time in [from, to] (by start and resolve time). */
  from: qInt(0, 4102444800).optional(),
  to: qInt(0, 4102444800).optional(),
  page: qInt(1, 1_000_000).default(1),
  pageSize: qInt(1, 500).default(50),
});
export const AlertListReply = z.object({ total: Num, page: Num, pageSize: Num, items: z.array(Alert) });

/** GET /alerts/groups: the same filters as the list (without paging or time range). */
export const AlertGroupsQuery = AlertFilterQuery;
/** Alerts matching the filters, one group per rule: most severe first, then the largest. */
export const AlertGroupsReply = z.object({
  total: Num,
  items: z.array(
    z.object({
      ruleId: z.string(),
      ruleName: z.string(),
      severity: Severity,
      total: Num,
      acknowledged: Num,
    })
  ),
});

/** POST /alerts/:id/acknowledgement body. */
export const AlertAckInput = z.object({ comment: z.string().max(1024).default('') }).strict();
/** POST /alerts/acknowledgements body: every unacknowledged pending or firing alert of a rule in the caller's scope, narrowed like the list. */
export const AlertGroupAckInput = z
  .object({
    ruleId: Id,
    cluster: z.array(z.string().min(1).max(128)).max(100).default([]),
    severity: z.array(Severity).max(3).default([]),
    comment: z.string().max(1024).default(''),
  })
  .strict();
export const AlertGroupAckReply = z.object({ acknowledged: Num, ids: z.array(z.string()) });

export const AlertTransition = z.object({ ts: Num, from: AlertState.nullable(), to: AlertState, value: NullableNum });
export const DeliveryStatus = z.enum(['pending', 'sending', 'sent', 'failed']);
export const DeliveryEvent = z.enum(['firing', 'resolved', 'test']);
export const Delivery = z.object({
  id: z.string(),
  channelId: z.string(),
  channelName: z.string().nullable(),
  channelType: z.string().nullable(),
  alertId: z.string().nullable(),
  event: DeliveryEvent,
  status: DeliveryStatus,
  attempts: Num,
  lastError: z.string().nullable(),
  responseCode: NullableNum,
  createdAt: Num,
  nextAttemptAt: NullableNum,
  sentAt: NullableNum,
});
export const AlertDetailReply = Alert.extend({
  transitions: z.array(AlertTransition),
  deliveries: z.array(Delivery),
});

export const AlertStatsQuery = z.object({
  /** Length of the period in seconds (default one day); compared with the period before it. */
  period: qInt(60, 366 * 86_400).default(86_400),
  cluster: csv,
});
const StatCount = z.object({ current: Num, previous: Num, change: Num });
export const AlertStatsReply = z.object({
  now: Num,
  period: Num,
  /** Alerts firing now, by severity; `previous` is how many fired at the start of the period. */
  firing: z.object({ critical: StatCount, warning: StatCount, info: StatCount, total: StatCount }),
  /** Fired alerts resolved within the period, against the period before it. */
  resolved: z.object({ critical: StatCount, warning: StatCount, info: StatCount, total: StatCount }),
});

// ───────────────────────────── silences ─────────────────────────────

export const SilenceInput = z
  .object({
    ruleId: Id.nullable().default(null),
    entityId: Id.nullable().default(null),
    /** Start (default now) and end of the silence, epoch seconds. */
    startsAt: Epoch.optional(),
    endsAt: Epoch,
    comment: z.string().max(1024).default(''),
  })
  .strict()
  .refine((s) => s.ruleId !== null || s.entityId !== null, {
    message: 'a silence needs a ruleId, an entityId or both',
    path: ['ruleId'],
  })
  .refine((s) => s.startsAt === undefined || s.endsAt > s.startsAt, {
    message: 'must be after startsAt',
    path: ['endsAt'],
  });

export const Silence = z.object({
  id: z.string(),
  ruleId: z.string().nullable(),
  entityId: z.string().nullable(),
  startsAt: Num,
  endsAt: Num,
  comment: z.string(),
  createdBy: z.string().nullable(),
  createdAt: Num,
  active: z.boolean(),
});
export const SilenceListQuery = z.object({ active: z.enum(['true', 'false']).optional() });
export const SilenceListReply = z.object({ items: z.array(Silence) });

// ───────────────────────────── channels ─────────────────────────────

const HttpUrl = z
  .string()
  .max(2048)
  .url()
  .refine((u) => /^https?:\/\//i.test(u), 'must be an http or https URL');

export const WebhookChannelConfig = z
  .object({
    url: HttpUrl,
    /** Extra request headers (e.g. an Authorization header); values are secrets and masked in replies. */
    headers: z.record(z.string().min(1).max(128), z.string().max(4096)).default({}),
  })
  .strict();
export const SlackChannelConfig = z.object({ url: HttpUrl }).strict();
export const EmailChannelConfig = z
  .object({
    host: z.string().min(1).max(253),
    port: z.number().int().min(1).max(65535).default(587),
    /** TLS from the start (port 465); otherwise STARTTLS when the server offers it. */
    secure: z.boolean().default(false),
    username: z.string().max(256).nullable().default(null),
    password: z.string().max(1024).nullable().default(null),
    from: z.string().email().max(320),
    to: z.array(z.string().email().max(320)).min(1).max(50),
  })
  .strict();

export const ChannelType = z.enum(['webhook', 'slack', 'email']);
export const ChannelInput = z.discriminatedUnion('type', [
  z
    .object({
      name: z.string().trim().min(1).max(128),
      type: z.literal('webhook'),
      enabled: z.boolean().default(true),
      config: WebhookChannelConfig,
    })
    .strict(),
  z
    .object({
      name: z.string().trim().min(1).max(128),
      type: z.literal('slack'),
      enabled: z.boolean().default(true),
      config: SlackChannelConfig,
    })
    .strict(),
  z
    .object({
      name: z.string().trim().min(1).max(128),
      type: z.literal('email'),
      enabled: z.boolean().default(true),
      config: EmailChannelConfig,
    })
    .strict(),
]);

/** A channel as replies show it: secrets masked (URL paths and queries, header values, the SMTP password). */
export const Channel = z.object({
  id: z.string(),
  name: z.string(),
  type: ChannelType,
  enabled: z.boolean(),
  config: z.record(z.string(), z.unknown()),
  createdAt: Num,
  updatedAt: Num,
});
export const ChannelListReply = z.object({ items: z.array(Channel) });

export const DeliveryListQuery = z.object({
  channelId: z.string().max(64).optional(),
  alertId: z.string().max(64).optional(),
  status: csvOf(DeliveryStatus),
  page: qInt(1, 1_000_000).default(1),
  pageSize: qInt(1, 500).default(50),
});
export const DeliveryListReply = z.object({ total: Num, page: Num, pageSize: Num, items: z.array(Delivery) });
export const TestSendReply = Delivery;

// ───────────────────────────── events ─────────────────────────────

export const EventListQuery = z.object({
  cluster: csv,
  namespace: csv,
  node: csv,
  /** Object kind (e.g. `Pod`, `container`) and name (exact). */
  objectKind: z.string().max(64).optional(),
  object: z.string().max(512).optional(),
  type: csvOf(EventType),
  reason: csv,
  /** Only events of this category (`security`: exec sessions, privileged starts, …, issue 17; `autoscaling`: autoscaler decisions, decision 37). */
  category: z.enum(['security', 'autoscaling']).optional(),
  /** Container entity ids (as listed by /containers): events about those containers only. */
  container: csv,
  /** Case-insensitive substring of the message. */
  q: z.string().max(200).optional(),
  from: qInt(0, 4102444800).optional(),
  to: qInt(0, 4102444800).optional(),
  page: qInt(1, 1_000_000).default(1),
  pageSize: qInt(1, 500).default(50),
});
export const EventRow = z.object({
  id: z.string(),
  ts: Num,
  clusterId: z.string(),
  clusterName: z.string(),
  source: z.string(),
  type: EventType,
  reason: z.string(),
  message: z.string(),
  objectKind: z.string(),
  objectName: z.string(),
  namespace: z.string().nullable(),
  nodeName: z.string().nullable(),
  containerId: z.string().nullable(),
  exitCode: NullableNum,
  count: Num,
  /** `security` for security events (issue 17), else null. */
  category: z.string().nullable(),
});
export const EventListReply = z.object({ total: Num, page: Num, pageSize: Num, items: z.array(EventRow) });

export const EventCountsQuery = EventListQuery.omit({ page: true, pageSize: true })
  .extend({
    from: qInt(0, 4102444800),
    to: qInt(0, 4102444800),
    step: qInt(10, 86_400).optional(),
  })
  .refine((q) => q.to > q.from, { message: 'must be after from', path: ['to'] });
export const EventCountsReply = z.object({
  from: Num,
  to: Num,
  step: Num,
  /** One bucket per step from `from` (aligned down to the step): number of event records by type. */
  buckets: z.array(z.object({ ts: Num, normal: Num, warning: Num })),
  totals: z.object({ normal: Num, warning: Num }),
});

// ───────────────────────────── logs ─────────────────────────────

/** Which log lines: the filters shared by the lines and their volume. */
const LogFilters = z.object({
  /** Container entity ids (as listed by /containers). */
  container: csv,
  /** Pod uids or pod names. */
  pod: csv,
  cluster: csv,
  namespace: csv,
  /** One or more levels (comma-separated): lines of any of them. */
  level: csvOf(LogLevel),
  stream: csvOf(LogStream),
  /** Case-insensitive substring of the message; `%`, `_` and `!` match themselves. */
  q: z.string().max(200).optional(),
});
export const LogOrder = z.enum(['desc', 'asc']);
export const LogQuery = LogFilters.extend({
  from: qInt(0, 4102444800).optional(),
  to: qInt(0, 4102444800).optional(),
  limit: qInt(1, 1000).default(200),
  /** `desc` (the default): newest first; `asc`: oldest first, from the start of the range forward. */
  order: LogOrder.optional(),
  /** Opaque: `nextCursor` of the previous page (the lines after it in `order`: older for desc, newer for asc). */
  cursor: z.string().max(200).optional(),
  /** Opaque: `headCursor` of an earlier reply; only lines newer than it (live tail). */
  after: z.string().max(200).optional(),
  /** Offset paging, as an alternative to the cursor. */
  page: qInt(1, 1_000_000).optional(),
}).refine((q) => !(q.cursor && q.page), { message: 'use either cursor or page', path: ['page'] });
export const LogRow = z.object({
  id: z.string(),
  ts: Num,
  nanos: Num,
  stream: LogStream,
  level: LogLevel,
  message: z.string(),
  containerId: z.string(),
  containerName: z.string(),
  pod: z.string().nullable(),
  namespace: z.string().nullable(),
  nodeName: z.string(),
  clusterName: z.string(),
});
export const LogReply = z.object({
  items: z.array(LogRow),
  /** Pass as `cursor` for the next (older) page; null at the end. */
  nextCursor: z.string().nullable(),
  /** Cursor of the newest line returned (or the `after` given, when none is newer): pass as `after` to follow new lines. */
  headCursor: z.string().nullable(),
});

/** Most buckets one log-volume reply may have. */
export const MAX_LOG_VOLUME_BUCKETS = 1000;
export const LogVolumeQuery = LogFilters.extend({
  from: qInt(0, 4102444800),
  to: qInt(0, 4102444800),
  /** Bucket width in seconds; without it, a round width giving at most `buckets` buckets. */
  step: qInt(1, 86_400).optional(),
  /** Most buckets wanted when `step` is not given. */
  buckets: qInt(1, MAX_LOG_VOLUME_BUCKETS).default(60),
}).refine((q) => q.to > q.from, { message: 'must be after from', path: ['to'] });
const LevelCounts = z.object({ error: Num, warning: Num, info: Num, debug: Num, unknown: Num });
export const LogVolumeReply = z.object({
  from: Num,
  to: Num,
  step: Num,
  /** One bucket per step from `from` aligned down to the step (empty ones included): lines by level, ts in [ts, ts + step). */
  buckets: z.array(LevelCounts.extend({ ts: Num, total: Num })),
  /** Lines by level over from–to (equal to the buckets' sums). */
  totals: LevelCounts.extend({ total: Num }),
});

export type Severity = z.infer<typeof Severity>;
export type AlertTarget = z.infer<typeof AlertTarget>;
export type AlertMetric = z.infer<typeof AlertMetric>;
export type Operator = z.infer<typeof Operator>;
export type RuleFilters = z.infer<typeof RuleFilters>;
export type AlertRuleInput = z.infer<typeof AlertRuleInput>;
export type AlertRuleInputRaw = z.input<typeof AlertRuleInput>;
export type AlertRulePatch = z.infer<typeof AlertRulePatch>;
export type AlertRule = z.infer<typeof AlertRule>;
export type AlertRuleListReply = z.infer<typeof AlertRuleListReply>;
export type RuleWarning = z.infer<typeof RuleWarning>;
export type AlertRuleCreated = z.infer<typeof AlertRuleCreated>;
export type AlertGroupsQuery = z.infer<typeof AlertGroupsQuery>;
export type AlertGroupsReply = z.infer<typeof AlertGroupsReply>;
export type AlertAckInput = z.infer<typeof AlertAckInput>;
export type AlertGroupAckInput = z.infer<typeof AlertGroupAckInput>;
export type AlertGroupAckReply = z.infer<typeof AlertGroupAckReply>;
export type AlertState = z.infer<typeof AlertState>;
export type AlertEntity = z.infer<typeof AlertEntity>;
export type Alert = z.infer<typeof Alert>;
export type AlertListQuery = z.infer<typeof AlertListQuery>;
export type AlertListReply = z.infer<typeof AlertListReply>;
export type AlertTransition = z.infer<typeof AlertTransition>;
export type AlertDetailReply = z.infer<typeof AlertDetailReply>;
export type AlertStatsQuery = z.infer<typeof AlertStatsQuery>;
export type AlertStatsReply = z.infer<typeof AlertStatsReply>;
export type SilenceInput = z.infer<typeof SilenceInput>;
export type Silence = z.infer<typeof Silence>;
export type SilenceListReply = z.infer<typeof SilenceListReply>;
export type ChannelType = z.infer<typeof ChannelType>;
export type ChannelInput = z.infer<typeof ChannelInput>;
export type ChannelInputRaw = z.input<typeof ChannelInput>;
export type Channel = z.infer<typeof Channel>;
export type ChannelListReply = z.infer<typeof ChannelListReply>;
export type DeliveryStatus = z.infer<typeof DeliveryStatus>;
export type DeliveryEvent = z.infer<typeof DeliveryEvent>;
export type Delivery = z.infer<typeof Delivery>;
export type DeliveryListQuery = z.infer<typeof DeliveryListQuery>;
export type DeliveryListReply = z.infer<typeof DeliveryListReply>;
export type EventListQuery = z.infer<typeof EventListQuery>;
export type EventRow = z.infer<typeof EventRow>;
export type EventListReply = z.infer<typeof EventListReply>;
export type EventCountsQuery = z.infer<typeof EventCountsQuery>;
export type EventCountsReply = z.infer<typeof EventCountsReply>;
export type LogQuery = z.infer<typeof LogQuery>;
export type LogRow = z.infer<typeof LogRow>;
export type LogReply = z.infer<typeof LogReply>;
export type LogOrder = z.infer<typeof LogOrder>;
export type LogVolumeQuery = z.infer<typeof LogVolumeQuery>;
export type LogVolumeReply = z.infer<typeof LogVolumeReply>;

import { z } from 'zod';
import { EpochSeconds, Name, NonNegative } from './common';

/*
 * Service health on the wire (issue 16; decision 29): what agents measure about services, and the
 * probes the backend asks them to run. Two sources:
 *  - probes: HTTP(S)/TCP checks the agent runs from its node, discovered from Docker labels
 *    (`fleetlens.probe.*`) and pod annotations (`fleetlens.io/probe-*`), or defined by an editor
 *    and handed to the agent in the ingest reply (ProbeDefinition);
 *  - access logs: counts the agent derives from the container log lines it already ships
 *    (nginx/Apache combined, Traefik and Caddy JSON, a configured pattern), one RequestStats per
 *    container and interval. Lines are not stored twice.
 * Durations are seconds (float), like every time span in the product; pages format them as ms.
 */

/**
 * Which service a measurement belongs to. The agent names it (agent/src/services/identity.ts):
 * the `fleetlens.service` label or annotation if set; else, on Kubernetes, the pod's workload
 * name (or the pod name) in its namespace; else, on Docker, `<project>/<service>` from the Compose
 * labels (`com.docker.compose.project`, `com.docker.compose.service`); else the container name.
 * Only Kubernetes services have a namespace: scopes restrict by namespace, and a Compose project
 * is not one.
 */
export const ServiceRef = z.object({
  namespace: Name.nullable().default(null),
  name: Name,
});

/** Upper bounds (seconds) of the latency histogram of RequestStats; a last, implicit bucket is +Inf. */
export const LATENCY_BUCKETS_SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;

/** Probe kinds: an HTTP(S) request, or a TCP connect. */
export const ProbeKind = z.enum(['http', 'tcp']);

/** Where a probe comes from. */
export const ProbeSource = z.enum(['docker-label', 'pod-annotation', 'defined']);

/** Seconds, non-negative, at most an hour (a phase of one probe). */
const Phase = NonNegative.max(3600).nullable().default(null);

/** One probe run. */
export const ProbeResult = z.object({
  /** When the probe started. */
  ts: EpochSeconds,
  /**
   * Stable identity of the probe within the cluster: `def:<definitionId>` for a defined probe,
   * `ctr:<containerId>:<target>` for one discovered on a container's labels, `pod:<podUid>:<target>`
   * for one discovered on a pod's annotations (a pod's probe is the pod's, not one per container;
   * its containerId is null). The backend derives its id from cluster + key.
   */
  key: z.string().min(1).max(512),
  source: ProbeSource,
  /** The ProbeDefinition's id for a defined probe, else null. */
  definitionId: z.string().max(64).nullable().default(null),
  service: ServiceRef,
  /** The node whose agent ran the probe. */
  nodeName: Name,
  /** The container the probe was discovered on, else null. */
  containerId: z.string().max(128).nullable().default(null),
  kind: ProbeKind,
  /** The URL (http, https) or host:port (tcp) probed. */
  target: z.string().min(1).max(2048),
  up: z.boolean(),
  /** HTTP status code, null for TCP or when no response came. */
  statusCode: z.number().int().min(100).max(599).nullable().default(null),
  /** Why the probe is down (timeout, refused, unexpected status 503, body did not match, …), else null. */
  error: z.string().max(1024).nullable().default(null),
  /** Phases in seconds: DNS lookup, TCP connect, TLS handshake, time to first byte (from the start), total. */
  dnsSeconds: Phase,
  connectSeconds: Phase,
  tlsSeconds: Phase,
  firstByteSeconds: Phase,
  totalSeconds: Phase,
  /** The server certificate's notAfter (https only), else null. */
  certNotAfter: EpochSeconds.nullable().default(null),
});

/**
 * Requests one container served in one interval, derived from its access-log lines. Status
 * classes count by the first digit of the status (1xx counts in `requests` only). Latency fields
 * are null/zero when the format carries no duration.
 */
export const RequestStats = z.object({
  /** End of the interval (the agent's tick). */
  ts: EpochSeconds,
  intervalSeconds: z.number().finite().positive().max(86_400),
  containerId: z.string().min(1).max(128),
  service: ServiceRef,
  /** The log format recognised: nginx, apache, traefik, caddy, or custom (the configured pattern). */
  format: z.enum(['nginx', 'apache', 'traefik', 'caddy', 'custom']),
  requests: z.number().int().min(0),
  status2xx: z.number().int().min(0),
  status3xx: z.number().int().min(0),
  status4xx: z.number().int().min(0),
  status5xx: z.number().int().min(0),
  /** Requests whose line carried a duration, their sum (seconds) and histogram (LATENCY_BUCKETS_SECONDS + Inf, not cumulative). */
  latencyCount: z.number().int().min(0),
  latencySumSeconds: NonNegative,
  latencyBuckets: z
    .array(z.number().int().min(0))
    .length(LATENCY_BUCKETS_SECONDS.length + 1)
    .nullable()
    .default(null),
});

/**
 * HTTP status expectation: "200", "200-399", or a comma list of those ("200,204,300-399").
 * Default when absent: 200-399.
 */
export const ExpectStatus = z
  .string()
  .max(128)
  .regex(
    /^\s*\d{3}(\s*-\s*\d{3})?(\s*,\s*\d{3}(\s*-\s*\d{3})?)*\s*$/,
    'a status, a range (200-399) or a comma list of those'
  );

/** A probe an editor defined, as handed to the agent that runs it (ingest reply `probes`). */
export const ProbeDefinition = z.object({
  id: z.string().min(1).max(64),
  service: ServiceRef,
  kind: ProbeKind,
  /** http(s)://host[:port]/path for http; host:port for tcp. */
  target: z.string().min(1).max(2048),
  method: z.enum(['GET', 'HEAD', 'POST']).default('GET'),
  intervalSeconds: z.number().int().min(5).max(3600).default(30),
  timeoutSeconds: z.number().finite().min(0.1).max(60).default(5),
  expectStatus: ExpectStatus.nullable().default(null),
  /** An RE2 pattern the response body (first 64 KiB) must match, else null. */
  bodyMatch: z.string().max(256).nullable().default(null),
});

export type ServiceRef = z.infer<typeof ServiceRef>;
export type ProbeKind = z.infer<typeof ProbeKind>;
export type ProbeSource = z.infer<typeof ProbeSource>;
export type ProbeResult = z.infer<typeof ProbeResult>;
export type RequestStats = z.infer<typeof RequestStats>;
export type ProbeDefinition = z.infer<typeof ProbeDefinition>;

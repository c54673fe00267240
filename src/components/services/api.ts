import type {
  ProbeDefinitionInput,
  ProbeDefinitionListReply,
  ProbeDefinitionRow,
  ResponseTimesReply,
  ServiceDetailReply,
  ServiceListReply,
  ServiceMetric,
  ServiceSeriesReply,
  ServiceSortKey,
  StatusClass,
  StatusClassesReply,
} from '@fleetlens/protocol/api';
import type { FleetlensClient } from '../../api/client';

/*
 * The service-health reads and probe definitions of the query API (protocol/src/api/services.ts,
 * issue 16), on top of the one typed client: its `get`/`send` carry the version check, the proxy
 * route and the error mapping.
 */

/** The HTTP status classes, in the order the donut and the datasource show them. */
export const STATUS_CLASSES: StatusClass[] = ['2xx', '3xx', '4xx', '5xx'];

/** Filters of the service reads; a window [from, to) in epoch seconds. */
export interface ServiceWindow {
  cluster?: string[];
  namespace?: string[];
  from?: number;
  to?: number;
}

export interface ServiceListParams extends ServiceWindow {
  q?: string;
  sort?: ServiceSortKey;
  order?: 'asc' | 'desc';
  page?: number;
  pageSize?: number;
}

/** GET /services: one row per service with its figures over the window, sorted and paged on the backend. */
export function listServices(c: FleetlensClient, p: ServiceListParams, signal?: AbortSignal) {
  return c.get<ServiceListReply>('/services', { ...p }, signal);
}

/** GET /services/:id: one service with its probes and containers. */
export function getService(c: FleetlensClient, id: string, w: { from?: number; to?: number }, signal?: AbortSignal) {
  return c.get<ServiceDetailReply>(`/services/${encodeURIComponent(id)}`, { ...w }, signal);
}

/** GET /services/:id/series: a service's metrics over time. */
export function serviceSeries(
  c: FleetlensClient,
  id: string,
  p: { metrics: ServiceMetric[]; from: number; to: number; step?: number },
  signal?: AbortSignal
) {
  return c.get<ServiceSeriesReply>(`/services/${encodeURIComponent(id)}/series`, { ...p }, signal);
}

/** GET /services/response-times: average response time per service (the Monitoring chart). */
export function responseTimes(
  c: FleetlensClient,
  p: ServiceWindow & { from: number; to: number; step?: number; limit?: number },
  signal?: AbortSignal
) {
  return c.get<ResponseTimesReply>('/services/response-times', { ...p }, signal);
}

/** GET /services/status-classes: requests per status class (the donut). */
export function statusClasses(c: FleetlensClient, p: ServiceWindow & { service?: string }, signal?: AbortSignal) {
  return c.get<StatusClassesReply>('/services/status-classes', { ...p }, signal);
}

/** GET /probes: the probes editors defined, within the caller's scope. */
export function listProbes(c: FleetlensClient, p: { cluster?: string[] }, signal?: AbortSignal) {
  return c.get<ProbeDefinitionListReply>('/probes', { ...p }, signal);
}

/**
 * A probe definition as the form sends it: the input's fields, numbers possibly still as typed
 * (the backend, not the form, judges them and names the field it refuses).
 */
export type ProbeBody = { [K in keyof ProbeDefinitionInput]: ProbeDefinitionInput[K] | string };

/** POST /probes (editor or admin). */
export function createProbe(c: FleetlensClient, body: ProbeBody) {
  return c.send<ProbeDefinitionRow>('POST', '/probes', body);
}

/** PUT /probes/:id (editor or admin). */
export function replaceProbe(c: FleetlensClient, id: string, body: ProbeBody) {
  return c.send<ProbeDefinitionRow>('PUT', `/probes/${encodeURIComponent(id)}`, body);
}

/** DELETE /probes/:id (editor or admin). */
export function deleteProbe(c: FleetlensClient, id: string) {
  return c.send<void>('DELETE', `/probes/${encodeURIComponent(id)}`);
}

import { getBackendSrv } from '@grafana/runtime';
import { lastValueFrom } from 'rxjs';
import type {
  ClusterListReply,
  ContainerDetailReply,
  ContainerListReply,
  ContainerSortKey,
  DisplayState,
  HeatmapMetric,
  HeatmapReply,
  NamespaceListReply,
  NodeDetailReply,
  NodeListReply,
  NodeSortKey,
  OverviewReply,
  PodListReply,
  SeriesKind,
  SeriesReply,
  SortOrder,
  TopReply,
  VersionReply,
  WorkloadDetailReply,
  WorkloadListReply,
} from '@fleetlens/protocol/api';
import { EXPECTED_API_VERSION, PROXY_BASE } from '../constants';
import { ApiError, toApiError } from './errors';

type Param = string | number | boolean | undefined | null | string[];
type Params = Record<string, Param>;

/** Query parameters; arrays become the comma lists the backend expects, empty values are left out. */
export function queryString(params: Params): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === null || value === '') {
      continue;
    }
    if (Array.isArray(value)) {
      if (value.length > 0) {
        search.set(key, value.join(','));
      }
      continue;
    }
    search.set(key, String(value));
  }
  const s = search.toString();
  return s ? `?${s}` : '';
}

export interface NodeListParams {
  cluster?: string[];
  status?: string;
  q?: string;
  sort?: NodeSortKey;
  order?: SortOrder;
}

export interface ContainerListParams {
  cluster?: string[];
  node?: string[];
  namespace?: string[];
  state?: DisplayState[];
  q?: string;
  includeGone?: boolean;
  sort?: ContainerSortKey;
  order?: SortOrder;
  page?: number;
  pageSize?: number;
}

export interface SeriesParams {
  kind: SeriesKind;
  id?: string;
  metrics: string[];
  from: number;
  to: number;
  step?: number;
  agg?: 'avg' | 'max' | 'min';
  cluster?: string[];
}

export interface TopParams {
  metric?: string;
  window?: number;
  limit?: number;
  cluster?: string[];
  node?: string[];
  namespace?: string[];
}

export interface HeatmapParams {
  metric?: HeatmapMetric;
  cluster?: string[];
  from?: number;
  to?: number;
  step?: number;
}

/**
 * The one typed client of the Fleetlens query API. Every call goes through Grafana's backend
 * service to the app's proxy route, which adds the service key; errors come out as ApiError.
 */
export class FleetlensClient {
  private versionCheck?: Promise<VersionReply>;

  constructor(private readonly base: string = PROXY_BASE) {}

  /** GET a query API path (below /api/v1) and return the parsed JSON reply. */
  async get<T>(path: string, params: Params = {}, signal?: AbortSignal): Promise<T> {
    if (path !== '/version') {
      await this.ensureCompatible();
    }
    return this.request<T>(path, params, signal);
  }

  private async request<T>(path: string, params: Params, signal?: AbortSignal): Promise<T> {
    try {
      const reply = await lastValueFrom(
        getBackendSrv().fetch<T>({
          url: `${this.base}/api/v1${path}${queryString(params)}`,
          method: 'GET',
          showErrorAlert: false,
          showSuccessAlert: false,
          abortSignal: signal,
        })
      );
      // A JSON reply is an object; anything else (an HTML page, text) is another server.
      if (!reply.data || typeof reply.data !== 'object') {
        throw new ApiError(
          'not-fleetlens',
          'The backend URL answers, but not like a Fleetlens backend. Check the backend URL on the configuration page.',
          reply.status
        );
      }
      return reply.data;
    } catch (err) {
      throw toApiError(err);
    }
  }

  /** Checks once per client that the backend speaks this plugin's API version. */
  ensureCompatible(): Promise<VersionReply> {
    if (!this.versionCheck) {
      this.versionCheck = this.version().then(assertCompatible);
      // A failed check (backend down, for instance) is retried on the next call.
      this.versionCheck.catch(() => (this.versionCheck = undefined));
    }
    return this.versionCheck;
  }

  version(): Promise<VersionReply> {
    return this.request<VersionReply>('/version', {});
  }
  clusters(signal?: AbortSignal): Promise<ClusterListReply> {
    return this.get('/clusters', {}, signal);
  }
  overview(cluster: string[] | undefined, signal?: AbortSignal): Promise<OverviewReply> {
    return this.get('/overview', { cluster }, signal);
  }
  nodes(params: NodeListParams, signal?: AbortSignal): Promise<NodeListReply> {
    return this.get('/nodes', { ...params }, signal);
  }
  node(id: string, signal?: AbortSignal): Promise<NodeDetailReply> {
    return this.get(`/nodes/${encodeURIComponent(id)}`, {}, signal);
  }
  containers(params: ContainerListParams, signal?: AbortSignal): Promise<ContainerListReply> {
    return this.get('/containers', { ...params }, signal);
  }
  container(id: string, signal?: AbortSignal): Promise<ContainerDetailReply> {
    return this.get(`/containers/${encodeURIComponent(id)}`, {}, signal);
  }
  namespaces(cluster: string[] | undefined, signal?: AbortSignal): Promise<NamespaceListReply> {
    return this.get('/k8s/namespaces', { cluster }, signal);
  }
  workloads(params: { cluster?: string[]; namespace?: string[] }, signal?: AbortSignal): Promise<WorkloadListReply> {
    return this.get('/k8s/workloads', { ...params }, signal);
  }
  workload(id: string, signal?: AbortSignal): Promise<WorkloadDetailReply> {
    return this.get(`/k8s/workloads/${encodeURIComponent(id)}`, {}, signal);
  }
  pods(params: { cluster?: string[]; namespace?: string[] }, signal?: AbortSignal): Promise<PodListReply> {
    return this.get('/k8s/pods', { ...params }, signal);
  }
  series(params: SeriesParams, signal?: AbortSignal): Promise<SeriesReply> {
    return this.get('/series', { ...params }, signal);
  }
  top(params: TopParams, signal?: AbortSignal): Promise<TopReply> {
    return this.get('/top', { ...params }, signal);
  }
  heatmap(params: HeatmapParams, signal?: AbortSignal): Promise<HeatmapReply> {
    return this.get('/heatmap', { ...params }, signal);
  }
}

/** Rejects a backend whose API version differs from the one this plugin was built for. */
export function assertCompatible(v: VersionReply): VersionReply {
  if (!v || typeof v !== 'object' || typeof v.apiVersion !== 'string') {
    throw new ApiError(
      'not-fleetlens',
      'The backend URL answers, but not like a Fleetlens backend. Check the backend URL on the configuration page.'
    );
  }
  if (v.apiVersion !== EXPECTED_API_VERSION) {
    throw new ApiError(
      'version-mismatch',
      `The Fleetlens backend speaks API ${v.apiVersion}, but this plugin needs ${EXPECTED_API_VERSION}. Upgrade the ${
        v.apiVersion > EXPECTED_API_VERSION ? 'plugin' : 'backend'
      } so that both match (backend version ${v.version}).`
    );
  }
  return v;
}

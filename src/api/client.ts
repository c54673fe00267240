import { getBackendSrv } from '@grafana/runtime';
import { lastValueFrom } from 'rxjs';
import type {
  ClusterListReply,
  RiskCountsReply,
  RiskyContainerQueryInput,
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
import type {
  Alert,
  AlertGroupAckReply,
  AlertGroupsReply,
  AlertListReply,
  AlertRuleCreated,
  AlertRule,
  AlertRuleInputRaw,
  AlertRuleListReply,
  AlertRulePatch,
  AlertStatsReply,
  AlertState,
  Channel,
  ChannelInputRaw,
  ChannelListReply,
  Delivery,
  DeliveryListReply,
  EventCountsReply,
  EventListReply,
  LogReply,
  LogVolumeReply,
  Severity,
  Silence,
  SilenceListReply,
} from '@fleetlens/protocol/api/alerts';
import type {
  AgentToken,
  AgentTokenCreated,
  AgentTokenListReply,
  ApiKey,
  ApiKeyCreated,
  ApiKeyListReply,
  AuditListReply,
  MeReply,
  User,
  UserCreateInput,
  UserListReply,
  UserUpdateInput,
} from '@fleetlens/protocol/api/access';
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

export interface AlertListParams {
  state?: AlertState[];
  severity?: Severity[];
  ruleId?: string;
  entityId?: string;
  cluster?: string[];
  /** `true`: only acknowledged alerts; `false`: only unacknowledged ones. */
  acknowledged?: 'true' | 'false';
  /** `severity`: critical first, each severity newest first (the default is newest first). */
  sort?: 'newest' | 'severity';
  from?: number;
  to?: number;
  page?: number;
  pageSize?: number;
}

export interface EventListParams {
  cluster?: string[];
  namespace?: string[];
  node?: string[];
  objectKind?: string;
  object?: string;
  type?: string[];
  reason?: string[];
  /** `security`: exec sessions, privileged starts, OOM kills, crash loops (issue 17). */
  category?: 'security';
  /** Container entity ids: events about those containers only. */
  container?: string[];
  q?: string;
  from?: number;
  to?: number;
  page?: number;
  pageSize?: number;
}

export interface EventCountParams extends Omit<EventListParams, 'page' | 'pageSize' | 'from' | 'to'> {
  from: number;
  to: number;
  step?: number;
}

export interface LogParams {
  container?: string[];
  pod?: string[];
  cluster?: string[];
  namespace?: string[];
  level?: string[];
  stream?: string[];
  q?: string;
  from?: number;
  to?: number;
  limit?: number;
  /** `asc`: oldest first (the default is newest first). */
  order?: 'asc' | 'desc';
  cursor?: string;
  after?: string;
}

/** The lines' filters, over a required range, in `buckets` buckets (or of `step` seconds). */
export interface LogVolumeParams extends Omit<LogParams, 'from' | 'to' | 'limit' | 'order' | 'cursor' | 'after'> {
  from: number;
  to: number;
  step?: number;
  buckets?: number;
}

export interface AuditParams {
  actor?: string;
  action?: string;
  targetType?: string;
  from?: number;
  to?: number;
  page?: number;
  pageSize?: number;
}

export interface SilenceCreate {
  ruleId?: string | null;
  entityId?: string | null;
  startsAt?: number;
  endsAt: number;
  comment?: string;
}

type WriteMethod = 'POST' | 'PUT' | 'PATCH' | 'DELETE';

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

  /** Sends a change (POST, PUT, PATCH, DELETE) with a JSON body; 400 replies carry the backend's field issues. */
  async send<T>(method: WriteMethod, path: string, body?: unknown): Promise<T> {
    await this.ensureCompatible();
    try {
      const reply = await lastValueFrom(
        getBackendSrv().fetch<T>({
          url: `${this.base}/api/v1${path}`,
          method,
          data: body,
          showErrorAlert: false,
          showSuccessAlert: false,
        })
      );
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
  /** Containers with security risks (issue 17), filtered, sorted and paged on the backend. */
  riskyContainers(
    params: Pick<RiskyContainerQueryInput, 'q' | 'sort' | 'order'> & {
      cluster?: string[];
      namespace?: string[];
      risk?: string[];
      page?: number;
      pageSize?: number;
    },
    signal?: AbortSignal
  ): Promise<ContainerListReply> {
    return this.get('/security/containers', { ...params }, signal);
  }
  /** Containers per security risk. */
  riskCounts(params: { cluster?: string[]; namespace?: string[] }, signal?: AbortSignal): Promise<RiskCountsReply> {
    return this.get('/security/counts', { ...params }, signal);
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

  // ── who am I ──
  me(signal?: AbortSignal): Promise<MeReply> {
    return this.get('/me', {}, signal);
  }

  // ── alerts, rules, silences, channels ──
  alerts(params: AlertListParams, signal?: AbortSignal): Promise<AlertListReply> {
    return this.get('/alerts', { ...params }, signal);
  }
  alert(id: string, signal?: AbortSignal): Promise<Alert> {
    return this.get(`/alerts/${encodeURIComponent(id)}`, {}, signal);
  }
  alertStats(params: { period?: number; cluster?: string[] }, signal?: AbortSignal): Promise<AlertStatsReply> {
    return this.get('/alerts/stats', { ...params }, signal);
  }
  /** Alerts matching the list filters, counted per rule. */
  alertGroups(
    params: Omit<AlertListParams, 'sort' | 'from' | 'to' | 'page' | 'pageSize'>,
    signal?: AbortSignal
  ): Promise<AlertGroupsReply> {
    return this.get('/alerts/groups', { ...params }, signal);
  }
  /** Acknowledges an active alert as the signed-in user. */
  acknowledgeAlert(id: string, comment = ''): Promise<Alert> {
    return this.send('POST', `/alerts/${encodeURIComponent(id)}/acknowledgement`, { comment });
  }
  unacknowledgeAlert(id: string): Promise<Alert> {
    return this.send('DELETE', `/alerts/${encodeURIComponent(id)}/acknowledgement`);
  }
  /** Acknowledges every unacknowledged active alert of a rule that the user may see (narrowed by cluster and severity). */
  acknowledgeGroup(body: {
    ruleId: string;
    cluster?: string[];
    severity?: Severity[];
    comment?: string;
  }): Promise<AlertGroupAckReply> {
    return this.send('POST', '/alerts/acknowledgements', body);
  }
  rules(signal?: AbortSignal): Promise<AlertRuleListReply> {
    return this.get('/alert-rules', {}, signal);
  }
  createRule(rule: AlertRuleInputRaw | Record<string, unknown>): Promise<AlertRuleCreated> {
    return this.send('POST', '/alert-rules', rule);
  }
  replaceRule(id: string, rule: AlertRuleInputRaw | Record<string, unknown>): Promise<AlertRule> {
    return this.send('PUT', `/alert-rules/${encodeURIComponent(id)}`, rule);
  }
  patchRule(id: string, patch: AlertRulePatch): Promise<AlertRule> {
    return this.send('PATCH', `/alert-rules/${encodeURIComponent(id)}`, patch);
  }
  deleteRule(id: string): Promise<void> {
    return this.send('DELETE', `/alert-rules/${encodeURIComponent(id)}`);
  }
  silences(params: { active?: boolean }, signal?: AbortSignal): Promise<SilenceListReply> {
    return this.get('/silences', { active: params.active }, signal);
  }
  createSilence(silence: SilenceCreate): Promise<Silence> {
    return this.send('POST', '/silences', silence);
  }
  deleteSilence(id: string): Promise<void> {
    return this.send('DELETE', `/silences/${encodeURIComponent(id)}`);
  }
  channels(signal?: AbortSignal): Promise<ChannelListReply> {
    return this.get('/notification-channels', {}, signal);
  }
  createChannel(channel: ChannelInputRaw): Promise<Channel> {
    return this.send('POST', '/notification-channels', channel);
  }
  replaceChannel(id: string, channel: ChannelInputRaw): Promise<Channel> {
    return this.send('PUT', `/notification-channels/${encodeURIComponent(id)}`, channel);
  }
  deleteChannel(id: string): Promise<void> {
    return this.send('DELETE', `/notification-channels/${encodeURIComponent(id)}`);
  }
  testChannel(id: string): Promise<Delivery> {
    return this.send('POST', `/notification-channels/${encodeURIComponent(id)}/test`);
  }
  deliveries(
    params: { channelId?: string; alertId?: string; page?: number; pageSize?: number },
    signal?: AbortSignal
  ): Promise<DeliveryListReply> {
    return this.get('/notification-deliveries', { ...params }, signal);
  }

  // ── events and logs ──
  events(params: EventListParams, signal?: AbortSignal): Promise<EventListReply> {
    return this.get('/events', { ...params }, signal);
  }
  eventCounts(params: EventCountParams, signal?: AbortSignal): Promise<EventCountsReply> {
    return this.get('/events/counts', { ...params }, signal);
  }
  logs(params: LogParams, signal?: AbortSignal): Promise<LogReply> {
    return this.get('/logs', { ...params }, signal);
  }
  logVolume(params: LogVolumeParams, signal?: AbortSignal): Promise<LogVolumeReply> {
    return this.get('/logs/volume', { ...params }, signal);
  }

  // ── administration ──
  users(signal?: AbortSignal): Promise<UserListReply> {
    return this.get('/users', {}, signal);
  }
  createUser(user: UserCreateInput): Promise<User> {
    return this.send('POST', '/users', user);
  }
  updateUser(id: string, change: UserUpdateInput): Promise<User> {
    return this.send('PATCH', `/users/${encodeURIComponent(id)}`, change);
  }
  deleteUser(id: string): Promise<void> {
    return this.send('DELETE', `/users/${encodeURIComponent(id)}`);
  }
  agentTokens(signal?: AbortSignal): Promise<AgentTokenListReply> {
    return this.get('/agent-tokens', {}, signal);
  }
  createAgentToken(body: { name: string; cluster: string }): Promise<AgentTokenCreated> {
    return this.send('POST', '/agent-tokens', body);
  }
  revokeAgentToken(id: string): Promise<AgentToken | void> {
    return this.send('DELETE', `/agent-tokens/${encodeURIComponent(id)}`);
  }
  apiKeys(signal?: AbortSignal): Promise<ApiKeyListReply> {
    return this.get('/api-keys', {}, signal);
  }
  createApiKey(body: { name: string; userId?: string }): Promise<ApiKeyCreated> {
    return this.send('POST', '/api-keys', body);
  }
  revokeApiKey(id: string): Promise<ApiKey | void> {
    return this.send('DELETE', `/api-keys/${encodeURIComponent(id)}`);
  }
  audit(params: AuditParams, signal?: AbortSignal): Promise<AuditListReply> {
    return this.get('/audit', { ...params }, signal);
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

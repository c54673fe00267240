import Koa from 'koa';
import { silentAfterSeconds, type Config } from './config';
import { isDbUnavailable, type Db } from './db/connection';
import { HttpError } from './http';
import type { Logger } from './logger';
import { healthRoutes } from './routes/health';
import { ingestRoutes } from './routes/ingest';
import { openApiRoutes } from './routes/openapi';
import { prometheusErrors, prometheusRoutes } from './routes/prometheus';
import { queryRoutes } from './routes/query';
import { alertingRoutes } from './routes/alerting';
import { probeRoutes } from './routes/probes';
import { actionRoutes } from './routes/actions';
import { scalingRoutes } from './routes/scaling';
import { autoscalingRoutes } from './routes/autoscaling';
import { networkRoutes } from './routes/networks';
import { ACCESS_ROUTES } from './routes/auth';
import { mountRoutes } from './routes/mount';
import { AccessError, createAccess, type AccessServices } from './services/access';
import type { AgentAuth } from './services/agent-auth';
import { createAlertServices, type AlertServices } from './services/alerts';
import { EventQueries } from './services/events';
import { LogQueries } from './services/logs';
import { NotFoundError } from './services/context';
import { IngestService } from './services/ingest';
import { ProbeDefinitions } from './services/probe-definitions';
import { ActionsService } from './services/actions';
import { ScalingService } from './services/scaling';
import { Autoscaler, AutoscalingRules } from './services/autoscaling';
import { NetworkService } from './services/networks';
import { InventoryQueries } from './services/inventory';
import { KubernetesQueries } from './services/kubernetes';
import { QueryLimitError, QueryTimeoutError } from './services/limits';
import { PrometheusQueries } from './services/promql';
import { SecurityQueries } from './services/security';
import { ServiceQueries } from './services/services';
import { BadQueryError, TimeseriesQueries } from './services/timeseries';
import type { Telemetry } from './telemetry';

/** Everything the HTTP layer needs; built by `createDeps`, replaceable in tests. */
export interface AppDeps {
  config: Config;
  db: Db;
  log: Logger;
  telemetry: Telemetry;
  version: string;
  agentAuth: AgentAuth;
  ingest: IngestService;
  queries: {
    inventory: InventoryQueries;
    kubernetes: KubernetesQueries;
    timeseries: TimeseriesQueries;
    /** The Prometheus-compatible read API (docs/prometheus.md). */
    prometheus: PrometheusQueries;
    security: SecurityQueries;
    /** Service health (issue 16). */
    services: ServiceQueries;
  };
  access: AccessServices;
  /** Alert rules, evaluation, alerts, silences, channels, notifications (services/alerts). */
  alerts: AlertServices & { now: () => number };
  events: EventQueries;
  logs: LogQueries;
  /** Probes editors define, and which agent runs each (issue 16). */
  probes: ProbeDefinitions;
  /** Container actions: queue, hand-out to agents, results, expiry (services/actions.ts). */
  actions: ActionsService;
  /** Compose services and scale/restart requests (services/scaling.ts). */
  scaling: ScalingService;
  /** Autoscaling rules and the leader's evaluator (services/autoscaling; decision 37). */
  autoscaling: { rules: AutoscalingRules; autoscaler: Autoscaler };
  /** Docker networks and NetworkPolicies; network actions (services/networks.ts). */
  networks: NetworkService;
}

/** Wires services to a database and configuration. */
export function createDeps(
  config: Config,
  db: Db,
  log: Logger,
  telemetry: Telemetry,
  version: string,
  now: () => number = () => Math.floor(Date.now() / 1000)
): AppDeps {
  const ctx = { db, now, staleAfter: silentAfterSeconds(config) };
  const retention = { raw: config.retentionDays.raw * 86400, m1: config.retentionDays.m1 * 86400 };
  const access = createAccess(config, db, now);
  // A push older than the silent threshold is a spool replay (no actions in its reply).
  const actions = new ActionsService(
    db,
    access.audit,
    { livePushSeconds: silentAfterSeconds(config), resultGraceSeconds: 600 },
    now
  );
  const kubernetes = new KubernetesQueries(ctx);
  return {
    config,
    db,
    log,
    telemetry,
    version,
    agentAuth: access.agentAuth,
    ingest: new IngestService(
      db,
      {
        maxRows: config.ingestMaxRows,
        window: {
          maxSampleAgeSeconds: config.retentionDays.raw * 86_400,
          maxEventAgeSeconds: config.retentionDays.m1 * 86_400,
          maxLogAgeSeconds: config.logs.retentionDays * 86_400,
          maxFutureSeconds: config.ingestMaxFutureSeconds,
        },
      },
      (line) => log.warn(line),
      actions
    ),
    queries: {
      inventory: new InventoryQueries(ctx),
      kubernetes,
      timeseries: new TimeseriesQueries(ctx, retention, config.query),
      prometheus: new PrometheusQueries(ctx, retention, config.query),
      security: new SecurityQueries(ctx),
      services: new ServiceQueries(ctx, config.query, retention.raw),
    },
    access,
    actions,
    scaling: new ScalingService(db, actions, kubernetes),
    autoscaling: {
      rules: new AutoscalingRules(db, access.audit, now),
      autoscaler: new Autoscaler(db, access.audit, actions, { freshSeconds: silentAfterSeconds(config) }),
    },
    networks: new NetworkService(db, actions),
    alerts: {
      ...createAlertServices(
        db,
        {
          historyDays: config.alerts.historyDays,
          maxAttempts: config.alerts.notifyMaxAttempts,
          retryBaseSeconds: config.alerts.notifyRetryBaseSeconds,
          timeoutMs: config.alerts.notifyTimeoutSeconds * 1000,
          staleAfter: config.goneAfterSeconds,
        },
        log,
        now
      ),
      now,
    },
    events: new EventQueries(ctx, config.query),
    logs: new LogQueries(ctx, config.query),
    probes: new ProbeDefinitions(db, now, ctx.staleAfter),
  };
}

/** Builds the Koa app (no listen), so tests mount it in-process. */
export function buildApp(deps: AppDeps): Koa {
  const app = new Koa();
  // Client addresses (the per-address login limit) from X-Forwarded-For only behind a trusted
  // proxy, and then only the entry that proxy appended (docs/access.md).
  app.proxy = deps.config.access.trustProxy;
  app.maxIpsCount = 1;

  // Errors become JSON `{ error, issues? }`; a database outage is a 503 that agents retry.
  app.use(async (ctx, next) => {
    const started = process.hrtime.bigint();
    try {
      await next();
    } catch (err) {
      if (err instanceof HttpError) {
        ctx.status = err.status;
        ctx.set(err.headers);
        ctx.body = { error: err.message, ...(err.issues ? { issues: err.issues } : {}) };
      } else if (err instanceof AccessError) {
        ctx.status = err.status;
        if (err.retryAfter !== undefined) ctx.set('Retry-After', String(Math.ceil(err.retryAfter)));
        ctx.body = { error: err.message };
      } else if (err instanceof NotFoundError) {
        ctx.status = 404;
        ctx.body = { error: err.message };
      } else if (err instanceof BadQueryError || err instanceof QueryLimitError) {
        ctx.status = 400;
        ctx.body = { error: 'invalid query', issues: [{ path: err.path, message: err.message }] };
      } else if (err instanceof QueryTimeoutError) {
        ctx.status = 503;
        ctx.body = { error: err.message };
      } else if (isDbUnavailable(err)) {
        ctx.status = 503;
        ctx.set('Retry-After', '5');
        ctx.body = { error: 'database unavailable, retry later' };
        // One line: the code and the start of the message, never the statement (2 KB of SQL).
        const e = err as { code?: string; message?: string };
        deps.log.warn('database unavailable', {
          path: ctx.path,
          code: e?.code ?? null,
          error: String(e?.message ?? err)
            .split(' - ')
            .pop()!
            .slice(0, 200),
        });
      } else {
        ctx.status = 500;
        ctx.body = { error: 'internal error' };
        deps.log.error('request failed', { path: ctx.path, error: String((err as Error)?.stack ?? err) });
      }
    } finally {
      const route = (ctx as unknown as { _matchedRoute?: string })._matchedRoute ?? 'unmatched';
      deps.telemetry.requestSeconds.observe(
        { method: ctx.method, route: String(route), status: String(ctx.status) },
        Number(process.hrtime.bigint() - started) / 1e9
      );
      if (ctx.path === '/api/v1/ingest')
        deps.telemetry.ingestBatches.inc({ outcome: ctx.status < 300 ? 'stored' : String(ctx.status) });
    }
  });

  app.use(prometheusErrors);

  // Identity (docs/access.md): every /api/v1 and /prometheus route but ingest (agent tokens), the
  // OpenAPI document and login needs a caller: the service key naming a Grafana user (app route),
  // an API key (datasources, scripts; refined by a verified X-Grafana-Id) or a login token. The
  // caller's scope is what every read service applies.
  const open = new Set(['/api/v1/ingest', '/api/v1/openapi.json', '/api/v1/auth/login']);
  app.use(async (ctx, next) => {
    if ((ctx.path.startsWith('/api/v1/') || ctx.path.startsWith('/prometheus/')) && !open.has(ctx.path)) {
      const caller = await deps.access.identity.resolve({
        serviceKey: ctx.get('x-fleetlens-key') || null,
        grafanaUser: ctx.get('x-grafana-user') || null,
        grafanaContext: ctx.get('x-grafana-context') || null,
        authorization: ctx.get('authorization') || null,
        apiKey: ctx.get('x-api-key') || null,
        grafanaId: ctx.get('x-grafana-id') || null,
      });
      ctx.state.caller = caller;
      ctx.state.scope = caller.scope;
    }
    await next();
  });

  for (const r of [
    healthRoutes(deps),
    ingestRoutes(deps),
    openApiRoutes(deps),
    queryRoutes(deps),
    prometheusRoutes(deps),
    mountRoutes(deps, ACCESS_ROUTES),
    alertingRoutes(deps),
    probeRoutes(deps),
    actionRoutes(deps),
    scalingRoutes(deps),
    autoscalingRoutes(deps),
    networkRoutes(deps),
  ]) {
    app.use(r.routes()).use(r.allowedMethods());
  }
  return app;
}

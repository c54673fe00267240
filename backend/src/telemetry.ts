import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The backend's own Prometheus metrics, one registry per app instance (tests build several). */
export function createTelemetry() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    ingestBatches: new Counter({
      name: 'fleetlens_ingest_batches_total',
      help: 'Ingest batches by outcome',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    ingestSamples: new Counter({
      name: 'fleetlens_ingest_samples_total',
      help: 'Samples stored by family',
      labelNames: ['family'],
      registers: [registry],
    }),
    requestSeconds: new Histogram({
      name: 'fleetlens_http_request_duration_seconds',
      help: 'HTTP request latency by route and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    dbPool: new Gauge({
      name: 'fleetlens_db_pool_connections',
      help: 'Database pool connections by state',
      labelNames: ['state'],
      registers: [registry],
    }),
    jobRuns: new Counter({
      name: 'fleetlens_job_runs_total',
      help: 'Background job runs by job and outcome',
      labelNames: ['job', 'outcome'],
      registers: [registry],
    }),
    isLeader: new Gauge({
      name: 'fleetlens_jobs_leader',
      help: '1 while this replica holds the jobs lease',
      registers: [registry],
    }),
  };
}

export type Telemetry = ReturnType<typeof createTelemetry>;

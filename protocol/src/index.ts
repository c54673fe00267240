export * from './v1/common';
export * from './v1/ingest';
export * from './v1/issues';
export * from './v1/security';
export * as api from './api/v1';
export * as access from './api/access';
export * as alerts from './api/alerts';
export * as prometheus from './api/prometheus';
export { PROM_METRIC_NAMES } from './api/metrics';

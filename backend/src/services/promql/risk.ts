import { RISK_KINDS, parseRisks } from '../posture';

/*
 * The security risks of containers on the Prometheus-compatible API (issue 17): one info-style
 * series per container and risk, `fleetlens_container_security_risk{risk="privileged", …} 1`, with
 * the container's labels, so that Grafana alert rules can select on them. Its value is 1 wherever
 * the container has a sample (the base column's samples, each read as 1) and the risk is the one
 * the container has now: risks are current posture, not history.
 */

/** The metric's name. */
export const RISK_METRIC = 'fleetlens_container_security_risk';
/** HELP text of the metric. */
export const RISK_HELP = `1 for each security risk a container has now (label risk: ${RISK_KINDS.join(', ')}; docs/security.md)`;
/** The pseudo column of its series refs; their samples are read from RISK_BASE_COLUMN. */
export const RISK_COLUMN = '__security_risk';
/** A column every container sample carries while the container runs. */
export const RISK_BASE_COLUMN = 'mem_bytes';

/** The risk labels of a container from its stored risk list. */
export const riskLabels = (stored: unknown): string[] => parseRisks(stored);

import { readFileSync } from 'node:fs';
import { type AgentConfig, ConfigError } from '../config';
import { customParser } from './access-log/formats';
import { AccessLogStats } from './access-log/stats';
import { ProbeCollector } from './collector';
import { OnceLog, definedTarget } from './discovery';
import type { ServiceHooks } from './hooks';
import { ProbeRunner } from './runner';
import type { ProbeDefinition } from '@fleetlens/protocol';

export type { ServiceHooks } from './hooks';

/** Service health as configured: the hooks for the runtime collectors, the probe collector, and where defined probes go. */
export interface Services {
  hooks: ServiceHooks;
  /** The probe collector to add to the agent's collectors; null with probes turned off. */
  collector: ProbeCollector | null;
  /** Replaces the defined probes (the ingest reply's `probes`). */
  setDefined(probes: ProbeDefinition[]): void;
}

/** Builds service health from the configuration (probes, their runner, access-log stats). */
export function buildServices(config: AgentConfig, log: (msg: string) => void = (m) => console.error(m)): Services {
  const once = new OnceLog(log);
  let ca: string[] | undefined;
  try {
    ca = config.probeCaFile ? [readFileSync(config.probeCaFile, 'utf8')] : undefined;
  } catch (e) {
    throw new ConfigError(
      `invalid agent configuration:\n  probeCaFile (FLEETLENS_PROBE_CA_FILE): ${(e as Error).message}`
    );
  }
  const runner = config.probesEnabled
    ? new ProbeRunner({
        nodeName: config.nodeName,
        concurrency: config.probeConcurrency,
        maxProbes: config.probeMax,
        probe: { ca, userAgent: 'fleetlens-agent' },
        log,
      })
    : null;
  const accessLogs =
    config.accessLogsEnabled && config.logsEnabled
      ? new AccessLogStats({
          custom: config.accessLogPattern ? customParser(config.accessLogPattern, config.accessLogDurationUnit) : null,
          once,
        })
      : null;
  return {
    hooks: { probes: runner, accessLogs, once },
    collector: runner ? new ProbeCollector(runner) : null,
    setDefined: (probes) => runner?.setTargets('defined', probes.map(definedTarget)),
  };
}

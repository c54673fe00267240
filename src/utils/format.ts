import { formattedValueToString, getValueFormat } from '@grafana/data';
import { METRIC_UNITS } from '@fleetlens/protocol/api/units';

/** What a missing value looks like everywhere (no sample yet, not applicable). */
export const NO_VALUE = '–';

/** Formats a value with a Grafana unit id ('bytes', 'Bps', 'percent', …). */
export function formatUnit(unit: string, value: number | null | undefined, decimals?: number): string {
  if (value === null || value === undefined || !Number.isFinite(value)) {
    return NO_VALUE;
  }
  return formattedValueToString(getValueFormat(unit)(value, decimals));
}

/** Formats a value of a query-API metric with the unit the protocol assigns it. */
export function formatMetric(metric: string, value: number | null | undefined, decimals?: number): string {
  return formatUnit(unitOf(metric), value, decimals);
}

/** The Grafana unit id of a query-API metric. */
export function unitOf(metric: string): string {
  return METRIC_UNITS[metric] ?? 'short';
}

/** CPU in cores, e.g. "0.25 cores"; the unit is spelled out because 'short' carries none. */
export function formatCores(value: number | null | undefined): string {
  return value === null || value === undefined ? NO_VALUE : `${formatMetric('cpuCores', value, 2)} cores`;
}

/**
 * A filesystem's figures beside its use percentage (which is df's: used / (used + available)):
 * "40 MiB used, 2 MiB available of 55 MiB" — the gap is the root reserve; "used of total" where
 * the agent reports no available bytes.
 */
export function fsDetail(fs: {
  fsUsedBytes: number | null;
  fsAvailBytes?: number | null;
  fsTotalBytes: number | null;
}): string {
  const used = formatUnit('bytes', fs.fsUsedBytes);
  const total = formatUnit('bytes', fs.fsTotalBytes);
  if (fs.fsAvailBytes === null || fs.fsAvailBytes === undefined) {
    return `${used} of ${total}`;
  }
  return `${used} used, ${formatUnit('bytes', fs.fsAvailBytes)} available of ${total}`;
}

/** A percentage 0–100. */
export function formatPercent(value: number | null | undefined): string {
  return formatUnit('percent', value, 1);
}

/** A duration in seconds, e.g. "3 day" → Grafana's 'dtdurations' style ("3 days, 2 hours"). */
export function formatDuration(seconds: number | null | undefined): string {
  return formatUnit('dtdurations', seconds);
}

/** An epoch-seconds timestamp as a local date and time. */
export function formatTime(epochSeconds: number | null | undefined): string {
  return formatUnit(
    'dateTimeAsSystem',
    epochSeconds === null || epochSeconds === undefined ? null : epochSeconds * 1000
  );
}

/** "a ago" relative time of an epoch-seconds timestamp. */
export function formatAgo(epochSeconds: number | null | undefined): string {
  return formatUnit(
    'dateTimeFromNow',
    epochSeconds === null || epochSeconds === undefined ? null : epochSeconds * 1000
  );
}

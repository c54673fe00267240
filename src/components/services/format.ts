import { formatAgo, formatUnit, NO_VALUE } from '../../utils/format';

/** Certificates closer to expiry than this many days show in red. */
export const CERT_WARN_DAYS = 14;

/**
 * A duration in seconds, shown in ms below a second ("35 ms") by Grafana's `s` unit. Rounded to the
 * microsecond first: averages of float sums carry noise (0.05500000000000001) that would otherwise
 * change the decimals Grafana picks ("55.0 ms" beside "50 ms").
 */
export function formatLatency(seconds: number | null | undefined): string {
  return formatUnit('s', seconds === null || seconds === undefined ? seconds : Math.round(seconds * 1e6) / 1e6);
}

/** Requests per second ("1.00 req/s"). */
export function formatRate(perSecond: number | null | undefined): string {
  return formatUnit('reqps', perSecond);
}

/** A share 0–100 with two decimals: error rates of a percent or less must not round to 0. */
export function formatShare(percent: number | null | undefined): string {
  return formatUnit('percent', percent, 2);
}

/** Days from `now` (epoch ms) until an epoch-seconds instant; negative once past. */
export function daysUntil(epochSeconds: number, now = Date.now()): number {
  return (epochSeconds * 1000 - now) / 86_400_000;
}

/** "in 20 days" / "3 days ago" for a certificate's notAfter. */
export function formatExpiry(epochSeconds: number | null | undefined): string {
  return epochSeconds === null || epochSeconds === undefined ? NO_VALUE : formatAgo(epochSeconds);
}

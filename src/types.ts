/** The app's non-secret settings (plugin jsonData). */
export interface AppSettings {
  /** Where Grafana's proxy reaches the Fleetlens backend, e.g. http://fleetlens-backend:8080. */
  backendUrl?: string;
  /** Usage bar thresholds in percent: yellow from `warnPercent`, red from `critPercent`. */
  warnPercent?: number;
  critPercent?: number;
}

/** The app's secret settings (plugin secureJsonData); only ever written, never read back. */
export interface AppSecureSettings {
  serviceKey?: string;
}

export interface Thresholds {
  warn: number;
  crit: number;
}

export const DEFAULT_THRESHOLDS: Thresholds = { warn: 70, crit: 90 };

/** The thresholds from settings, falling back to the defaults when unset or inconsistent. */
export function thresholdsFrom(settings: AppSettings | undefined): Thresholds {
  const warn = settings?.warnPercent ?? DEFAULT_THRESHOLDS.warn;
  const crit = settings?.critPercent ?? DEFAULT_THRESHOLDS.crit;
  return warn > 0 && crit > warn && crit <= 100 ? { warn, crit } : DEFAULT_THRESHOLDS;
}

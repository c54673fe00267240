import React, { createContext, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import { rangeUtil, type RawTimeRange, type TimeRange, type TimeZone } from '@grafana/data';
import { FleetlensClient } from '../api/client';
import { thresholdsFrom, type AppSettings, type Thresholds } from '../types';

/** Refresh choices offered by the refresh picker; '' is "off". */
export const REFRESH_INTERVALS = ['5s', '10s', '30s', '1m', '5m', '15m'];
export const DEFAULT_REFRESH = '5s';
export const DEFAULT_RANGE: RawTimeRange = { from: 'now-1h', to: 'now' };

export interface FleetlensState {
  client: FleetlensClient;
  settings: AppSettings;
  thresholds: Thresholds;
  /** The chosen range as typed (may be relative, "now-1h"). */
  rawRange: RawTimeRange;
  /** The range resolved to instants at the last refresh tick. */
  range: TimeRange;
  timeZone: TimeZone;
  refresh: string;
  /** Increments at every auto-refresh and manual refresh; data hooks reload on it. */
  tick: number;
  /** Cluster names to show; empty means all clusters. */
  clusters: string[];
  setRawRange(raw: RawTimeRange): void;
  setTimeZone(tz: TimeZone): void;
  setRefresh(interval: string): void;
  setClusters(names: string[]): void;
  refreshNow(): void;
}

const Ctx = createContext<FleetlensState | null>(null);

/** The shared state of every page (client, settings, time range, refresh, cluster). */
export function useFleetlens(): FleetlensState {
  const value = useContext(Ctx);
  if (!value) {
    throw new Error('useFleetlens must be used inside <FleetlensProvider>');
  }
  return value;
}

interface ProviderProps {
  settings: AppSettings;
  client?: FleetlensClient;
  /** Initial values, typically from the URL (from, to, refresh, timezone, cluster). */
  initial?: { rawRange?: RawTimeRange; refresh?: string; timeZone?: TimeZone; clusters?: string[] };
  children: React.ReactNode;
}

/** Holds the page state at the app root, so it survives moving between pages. */
export function FleetlensProvider({ settings, client, initial, children }: ProviderProps) {
  const [ownClient] = useState(() => client ?? new FleetlensClient());
  const [rawRange, setRawRange] = useState<RawTimeRange>(initial?.rawRange ?? DEFAULT_RANGE);
  const [timeZone, setTimeZone] = useState<TimeZone>(initial?.timeZone ?? 'browser');
  const [refresh, setRefresh] = useState<string>(initial?.refresh ?? DEFAULT_REFRESH);
  const [clusters, setClusters] = useState<string[]>(initial?.clusters ?? []);
  const [tick, setTick] = useState(0);
  const refreshNow = useCallback(() => setTick((t) => t + 1), []);

  useAutoRefresh(refresh, refreshNow);

  // Relative ranges ("now-1h") move with every tick; absolute ones stay put. `tick` is a
  // dependency on purpose: it re-reads "now".
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const range = useMemo(() => rangeUtil.convertRawToRange(rawRange, timeZone), [rawRange, timeZone, tick]);
  const thresholds = useMemo(() => thresholdsFrom(settings), [settings]);

  const value = useMemo<FleetlensState>(
    () => ({
      client: ownClient,
      settings,
      thresholds,
      rawRange,
      range,
      timeZone,
      refresh,
      tick,
      clusters,
      setRawRange,
      setTimeZone,
      setRefresh,
      setClusters,
      refreshNow,
    }),
    [ownClient, settings, thresholds, rawRange, range, timeZone, refresh, tick, clusters, refreshNow]
  );
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

/** Calls `onTick` every `interval` ('5s', '1m'; '' = off), skipping ticks while the tab is hidden. */
function useAutoRefresh(interval: string, onTick: () => void) {
  useEffect(() => {
    const ms = interval ? rangeUtil.intervalToMs(interval) : 0;
    if (!ms) {
      return undefined;
    }
    const timer = window.setInterval(() => {
      if (typeof document === 'undefined' || !document.hidden) {
        onTick();
      }
    }, ms);
    return () => window.clearInterval(timer);
  }, [interval, onTick]);
}

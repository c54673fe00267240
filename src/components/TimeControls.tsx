import React, { useCallback } from 'react';
import { dateTime, type TimeRange } from '@grafana/data';
import { RefreshPicker, TimeRangePicker } from '@grafana/ui';
import { REFRESH_INTERVALS, useFleetlens } from './FleetlensContext';

/** Grafana's time range and refresh pickers bound to the app's shared state. */
export function TimeControls({ loading }: { loading?: boolean }) {
  const { range, timeZone, refresh, setRawRange, setTimeZone, setRefresh, refreshNow } = useFleetlens();

  const onChange = useCallback((r: TimeRange) => setRawRange(r.raw), [setRawRange]);
  // Shifting and zooming make the range absolute, as on Grafana dashboards.
  const shift = useCallback(
    (factor: number) => {
      const span = range.to.valueOf() - range.from.valueOf();
      const from = dateTime(range.from.valueOf() + factor * span);
      const to = dateTime(range.to.valueOf() + factor * span);
      setRawRange({ from, to });
    },
    [range, setRawRange]
  );
  const onZoom = useCallback(() => {
    const span = range.to.valueOf() - range.from.valueOf();
    const center = range.from.valueOf() + span / 2;
    setRawRange({ from: dateTime(center - span), to: dateTime(center + span) });
  }, [range, setRawRange]);

  return (
    <>
      <TimeRangePicker
        value={range}
        timeZone={timeZone}
        onChange={onChange}
        onChangeTimeZone={setTimeZone}
        onMoveBackward={() => shift(-0.5)}
        onMoveForward={() => shift(0.5)}
        onZoom={onZoom}
      />
      <RefreshPicker
        value={refresh}
        intervals={REFRESH_INTERVALS}
        onIntervalChanged={setRefresh}
        onRefresh={refreshNow}
        isLoading={loading}
        tooltip="Refresh now"
      />
    </>
  );
}

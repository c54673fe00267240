import React, { useMemo } from 'react';
import { css } from '@emotion/css';
import {
  applyFieldOverrides,
  dateTimeFormat,
  formattedValueToString,
  type DataFrame,
  type GrafanaTheme2,
  type TimeRange,
} from '@grafana/data';
import { LegendDisplayMode, SeriesTable, TimeSeries, TooltipPlugin2, useStyles2, useTheme2 } from '@grafana/ui';
import { useMeasuredWidth } from '../utils/useMeasure';
import { AnnotationsPlugin } from './ChartAnnotations';

interface Props {
  title: string;
  frames: DataFrame[];
  timeRange: TimeRange;
  height?: number;
  /** Shown instead of the chart when there is nothing to draw. */
  emptyText?: string;
  testId?: string;
  /**
   * Annotation frames (`meta.dataTopic = 'annotations'`), drawn as markers on the time axis. Pass
   * an array (empty until loaded) on charts that may get annotations; undefined draws none.
   */
  annotations?: DataFrame[];
}

/** A titled time-series chart (Grafana's TimeSeries) that fills its container's width. */
export const TimeSeriesChart = React.memo(function TimeSeriesChart({
  title,
  frames,
  timeRange,
  height = 220,
  emptyText,
  testId,
  annotations,
}: Props) {
  const styles = useStyles2(getStyles);
  const theme = useTheme2();
  const [ref, width] = useMeasuredWidth<HTMLDivElement>();

  // Field display processors, as a panel would get them. Colours and line style are set on each
  // field explicitly: outside a dashboard panel Grafana's field-config registry fills no defaults.
  const prepared = useMemo(() => {
    const palette = theme.visualization.palette;
    const styled = frames.map((frame, i) => ({
      ...frame,
      fields: frame.fields.map((field, j) =>
        j === 0
          ? field
          : {
              ...field,
              config: {
                ...field.config,
                // A colour the frame brings (e.g. a capacity line) wins over the palette's.
                color: field.config.color?.fixedColor
                  ? { mode: 'fixed', fixedColor: theme.visualization.getColorByName(field.config.color.fixedColor) }
                  : { mode: 'fixed', fixedColor: theme.visualization.getColorByName(palette[i % palette.length]) },
                custom: {
                  drawStyle: 'line',
                  lineInterpolation: 'smooth',
                  lineWidth: 1,
                  fillOpacity: 12,
                  gradientMode: 'opacity',
                  showPoints: 'never',
                  spanNulls: false,
                  axisPlacement: 'auto',
                  ...field.config.custom,
                },
              },
            }
      ),
    }));
    return applyFieldOverrides({
      data: styled,
      fieldConfig: { defaults: {}, overrides: [] },
      replaceVariables: (v: string) => v,
      theme,
      timeZone: 'browser',
    });
  }, [frames, theme]);
  const empty = frames.length === 0 || frames.every((f) => f.fields[1]?.values.every((v) => v === null));

  return (
    <section className={styles.panel} aria-label={title} data-testid={testId}>
      <h3 className={styles.title}>{title}</h3>
      <div ref={ref} className={styles.body} style={{ height }}>
        {empty ? (
          <div className={styles.empty}>{emptyText ?? 'No samples in this time range'}</div>
        ) : (
          width > 0 && (
            <TimeSeries
              frames={prepared}
              width={width}
              height={height}
              timeRange={timeRange}
              timeZone="browser"
              legend={{
                displayMode: LegendDisplayMode.List,
                placement: 'bottom',
                showLegend: true,
                calcs: ['lastNotNull', 'max'],
              }}
            >
              {(builder, alignedFrame) => (
                <>
                  <TooltipPlugin2
                    config={builder}
                    hoverMode={0}
                    render={(_u, dataIdxs, seriesIdx) => (
                      <ChartTooltip frame={alignedFrame} dataIdxs={dataIdxs} seriesIdx={seriesIdx} />
                    )}
                  />
                  {/* Mounted with the plot even while empty: its uPlot hooks exist only from creation. */}
                  {annotations && <AnnotationsPlugin config={builder} annotations={annotations} />}
                </>
              )}
            </TimeSeries>
          )
        )}
      </div>
    </section>
  );
});

/** Time and every series' value at the hovered point. */
function ChartTooltip({
  frame,
  dataIdxs,
  seriesIdx,
}: {
  frame: DataFrame;
  dataIdxs: Array<number | null>;
  seriesIdx: number | null;
}) {
  const theme = useTheme2();
  const idx = dataIdxs.find((i) => i !== null && i !== undefined);
  if (idx === undefined || idx === null) {
    return null;
  }
  const time = frame.fields[0].values[idx];
  const rows = frame.fields.slice(1).map((field, i) => {
    const v = dataIdxs[i + 1] === null ? null : field.values[dataIdxs[i + 1]!];
    const display = field.display ? field.display(v) : undefined;
    return {
      label: field.state?.displayName ?? field.name,
      value: display ? formattedValueToString(display) : String(v),
      color: display?.color ?? theme.colors.text.primary,
      isActive: seriesIdx === i + 1,
    };
  });
  return (
    <div
      className={css({
        background: theme.colors.background.primary,
        padding: theme.spacing(1),
        boxShadow: theme.shadows.z3,
      })}
    >
      <SeriesTable timestamp={dateTimeFormat(time)} series={rows} />
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  panel: css({
    background: theme.colors.background.primary,
    border: `1px solid ${theme.colors.border.weak}`,
    borderRadius: theme.shape.radius.default,
    padding: theme.spacing(1, 1.5),
    minWidth: 0,
  }),
  title: css({ fontSize: theme.typography.h6.fontSize, margin: 0, marginBottom: theme.spacing(1) }),
  body: css({ position: 'relative', width: '100%' }),
  empty: css({
    display: 'flex',
    alignItems: 'center',
    justifyContent: 'center',
    height: '100%',
    color: theme.colors.text.secondary,
  }),
});

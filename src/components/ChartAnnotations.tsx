import React, { useEffect, useLayoutEffect, useMemo, useReducer, useRef, useState } from 'react';
import { createPortal } from 'react-dom';
import { css } from '@emotion/css';
import type uPlot from 'uplot';
import { createDataFrame, DataTopic, FieldType, type DataFrame, type GrafanaTheme2 } from '@grafana/data';
import { DEFAULT_ANNOTATION_COLOR, Tooltip, useStyles2, useTheme2, type UPlotConfigBuilder } from '@grafana/ui';

/** One point annotation: a row of a Grafana annotation frame. */
export interface ChartAnnotation {
  /** Epoch milliseconds, like the frame's time field. */
  time: number;
  title: string;
  text: string;
  /** A colour name of the theme's palette (e.g. `orange`) or a CSS colour. */
  color?: string;
  /** Extra text under the title in the marker's tooltip (e.g. the formatted time). */
  detail?: string;
}

/**
 * Point annotations as the data frame Grafana's panels carry them: `meta.dataTopic =
 * 'annotations'`, fields time, title, text, color (Grafana's annotation frames, read by
 * public/app/plugins/panel/timeseries/plugins/AnnotationsPlugin2.tsx).
 */
export function annotationFrame(name: string, items: ChartAnnotation[]): DataFrame {
  return createDataFrame({
    name,
    meta: { dataTopic: DataTopic.Annotations },
    fields: [
      { name: 'time', type: FieldType.time, values: items.map((a) => a.time) },
      { name: 'title', type: FieldType.string, values: items.map((a) => a.title) },
      { name: 'text', type: FieldType.string, values: items.map((a) => a.text) },
      { name: 'color', type: FieldType.string, values: items.map((a) => a.color ?? DEFAULT_ANNOTATION_COLOR) },
      { name: 'detail', type: FieldType.string, values: items.map((a) => a.detail ?? '') },
    ],
  });
}

/** The rows of the annotation frames among `frames` (others are ignored). */
export function annotationsOf(frames: DataFrame[]): ChartAnnotation[] {
  return frames
    .filter((f) => f.meta?.dataTopic === DataTopic.Annotations)
    .flatMap((f) => {
      const col = (n: string) => f.fields.find((x) => x.name === n)?.values;
      const time = col('time') ?? [];
      return time.map((t: number, i: number) => ({
        time: t,
        title: String(col('title')?.[i] ?? ''),
        text: String(col('text')?.[i] ?? ''),
        color: col('color')?.[i] as string | undefined,
        detail: String(col('detail')?.[i] ?? ''),
      }));
    });
}

/**
 * Draws annotations on a uPlot chart the way Grafana's time-series panel does
 * (AnnotationsPlugin2.tsx): a dashed vertical line per annotation across the plotting area, drawn
 * in uPlot's `draw` hook, and a marker under it on the x axis (rendered into the axis element)
 * that shows the title and text on hover or focus. Markers outside the x range are not shown.
 */
export function AnnotationsPlugin({ config, annotations }: { config: UPlotConfigBuilder; annotations: DataFrame[] }) {
  const styles = useStyles2(getStyles);
  const theme = useTheme2();
  const [plot, setPlot] = useState<uPlot>();
  const [, forceUpdate] = useReducer((x: number) => x + 1, 0);
  const annos = useMemo(() => annotationsOf(annotations), [annotations]);
  const colorOf = (c?: string) => theme.visualization.getColorByName(c || DEFAULT_ANNOTATION_COLOR);
  // The draw hook is registered once per config; it reads the newest annotations from here
  // (updated before the plot is created or redrawn: layout effects run first).
  const annoRef = useRef(annos);
  const colorRef = useRef(colorOf);
  useLayoutEffect(() => {
    annoRef.current = annos;
    colorRef.current = colorOf;
  });

  useLayoutEffect(() => {
    config.addHook('ready', (u) => setPlot(u));
    config.addHook('draw', (u) => {
      const ctx = u.ctx;
      ctx.save();
      ctx.beginPath();
      ctx.rect(u.bbox.left, u.bbox.top, u.bbox.width, u.bbox.height);
      ctx.clip();
      ctx.lineWidth = 2;
      ctx.setLineDash([5, 5]);
      for (const a of annoRef.current) {
        const x = u.valToPos(a.time, 'x', true);
        ctx.beginPath();
        ctx.moveTo(x, u.bbox.top);
        ctx.lineTo(x, u.bbox.top + u.bbox.height);
        ctx.strokeStyle = colorRef.current(a.color);
        ctx.stroke();
      }
      ctx.restore();
    });
  }, [config]);

  // Redraw when the annotations change; the second render places the markers once uPlot has
  // the new scales (as AnnotationsPlugin2 does).
  useEffect(() => {
    if (!plot) {
      return undefined;
    }
    plot.redraw();
    const t = setTimeout(forceUpdate, 0);
    return () => clearTimeout(t);
  }, [annos, plot]);

  const axis = plot?.root.querySelector<HTMLDivElement>('.u-axis');
  if (!plot || !axis) {
    return null;
  }
  const markers = annos.map((a, i) => {
    const left = Math.round(plot.valToPos(a.time, 'x')) || 0;
    if (left < 0 || left > plot.bbox.width / (window.devicePixelRatio || 1) + 1) {
      return null;
    }
    return (
      <Tooltip
        key={`${a.time}:${i}`}
        placement="bottom"
        content={
          <div className={styles.tooltip}>
            <strong>{a.title}</strong>
            {a.detail && <div className={styles.detail}>{a.detail}</div>}
            <div>{a.text}</div>
          </div>
        }
      >
        <button
          type="button"
          className={styles.marker}
          style={{ left, borderBottomColor: colorOf(a.color) }}
          aria-label={`${a.title}: ${a.text}${a.detail ? ` (${a.detail})` : ''}`}
          data-testid="chart-annotation"
          data-time={a.time}
        />
      </Tooltip>
    );
  });
  return createPortal(markers, axis);
}

const getStyles = (theme: GrafanaTheme2) => ({
  // The triangle of Grafana's annotation marker, as a focusable button.
  marker: css({
    position: 'absolute',
    top: 0,
    width: 0,
    height: 0,
    padding: 0,
    background: 'transparent',
    borderTop: 0,
    borderLeft: '6px solid transparent',
    borderRight: '6px solid transparent',
    borderBottomWidth: '8px',
    borderBottomStyle: 'solid',
    transform: 'translateX(-50%)',
    cursor: 'pointer',
    zIndex: 1,
    '&:focus-visible': { outline: `2px solid ${theme.colors.primary.main}`, outlineOffset: 2 },
  }),
  tooltip: css({ maxWidth: 360, whiteSpace: 'normal', wordBreak: 'break-word' }),
  detail: css({ color: theme.colors.text.secondary, fontSize: theme.typography.bodySmall.fontSize }),
});

import type { DataFrame, Field } from '@grafana/data';

/** The field of a frame by name (case-insensitive), or undefined. */
export function fieldOf(frame: DataFrame, name: string): Field | undefined {
  const lower = name.toLowerCase();
  return frame.fields.find((f) => f.name.toLowerCase() === lower);
}

/** The first frame that has every one of these fields. */
export function frameWith(frames: DataFrame[], names: string[]): DataFrame | undefined {
  return frames.find((f) => names.every((n) => fieldOf(f, n)));
}

/** A row's value of a field, or a fallback when the field is missing or the value empty. */
export function cell<T>(frame: DataFrame, name: string, row: number, fallback: T): T {
  const v = fieldOf(frame, name)?.values[row];
  return v === undefined || v === null ? fallback : (v as T);
}

export function numOrNull(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

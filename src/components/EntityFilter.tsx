import React from 'react';
import type { SelectableValue } from '@grafana/data';
import { Select } from '@grafana/ui';

interface Props {
  label: string;
  allLabel: string;
  options: Array<SelectableValue<string>>;
  value: string;
  onChange(value: string): void;
  width?: number;
}

/** A single-choice filter with an "all" entry (node, namespace, state…). */
export function EntityFilter({ label, allLabel, options, value, onChange, width = 24 }: Props) {
  const all: SelectableValue<string> = { label: allLabel, value: '' };
  const list = [all, ...options];
  const current = list.find((o) => o.value === value) ?? { label: value, value };
  return (
    <Select
      aria-label={label}
      width={width}
      options={list}
      value={current}
      onChange={(o) => onChange(o?.value ?? '')}
      isSearchable
    />
  );
}

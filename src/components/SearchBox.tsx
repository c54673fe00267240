import React, { useEffect, useState } from 'react';
import { Icon, Input } from '@grafana/ui';

interface Props {
  value: string;
  onChange(value: string): void;
  placeholder: string;
  label: string;
  /** Wait this long after the last keystroke before searching (ms). */
  debounceMs?: number;
}

/** A text search field that reports its value after typing pauses, so each key is not a request. */
export function SearchBox({ value, onChange, placeholder, label, debounceMs = 300 }: Props) {
  const [text, setText] = useState(value);
  // What this box reported and has not seen come back yet: when one returns as `value` (later,
  // e.g. through the URL, possibly after a newer one was sent), it is an echo and leaves the text
  // typed since alone.
  const [sent, setSent] = useState<string[]>([]);
  // A new value from outside (Back, a reset) replaces what is typed; adjusted while rendering.
  const [outside, setOutside] = useState(value);
  if (value !== outside) {
    setOutside(value);
    const echo = sent.indexOf(value);
    if (echo >= 0) {
      setSent(sent.slice(echo + 1));
    } else {
      setSent([]);
      setText(value);
    }
  }
  useEffect(() => {
    if (text === value) {
      return undefined;
    }
    const t = window.setTimeout(() => {
      setSent((s) => [...s, text].slice(-20));
      onChange(text);
    }, debounceMs);
    return () => window.clearTimeout(t);
  }, [text, value, onChange, debounceMs]);
  return (
    <Input
      aria-label={label}
      prefix={<Icon name="search" />}
      width={30}
      placeholder={placeholder}
      value={text}
      onChange={(e) => setText(e.currentTarget.value)}
    />
  );
}

import React from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { useStyles2 } from '@grafana/ui';

/** Splits `text` around case-insensitive occurrences of `search` (the backend's keyword match). */
export function splitMatches(text: string, search: string): Array<{ text: string; match: boolean }> {
  if (!search) {
    return [{ text, match: false }];
  }
  const out: Array<{ text: string; match: boolean }> = [];
  const lower = text.toLowerCase();
  const needle = search.toLowerCase();
  let at = 0;
  for (let i = lower.indexOf(needle); i !== -1; i = lower.indexOf(needle, i + needle.length)) {
    if (i > at) {
      out.push({ text: text.slice(at, i), match: false });
    }
    out.push({ text: text.slice(i, i + needle.length), match: true });
    at = i + needle.length;
  }
  if (at < text.length) {
    out.push({ text: text.slice(at), match: false });
  }
  return out;
}

/** Text with the keyword's matches marked (React elements only; the text is never parsed as HTML). */
export function Highlight({ text, search }: { text: string; search: string }) {
  const styles = useStyles2(getStyles);
  return (
    <>
      {splitMatches(text, search).map((part, i) =>
        part.match ? (
          <mark key={i} className={styles.mark}>
            {part.text}
          </mark>
        ) : (
          <React.Fragment key={i}>{part.text}</React.Fragment>
        )
      )}
    </>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  mark: css({
    background: theme.colors.warning.transparent,
    color: theme.colors.text.maxContrast,
    borderRadius: 2,
    padding: '0 1px',
  }),
});

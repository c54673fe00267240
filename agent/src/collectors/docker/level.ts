import type { LogLevel } from '@fleetlens/protocol';

const WORDS: Array<[RegExp, LogLevel]> = [
  [/^(fatal|panic|crit(ical)?|emerg(ency)?|alert|err(or)?|severe)$/i, 'error'],
  [/^(warn(ing)?)$/i, 'warning'],
  [/^(info|notice|information)$/i, 'info'],
  [/^(debug|trace|verbose)$/i, 'debug'],
];

function fromWord(word: string): LogLevel | null {
  for (const [re, level] of WORDS) if (re.test(word)) return level;
  return null;
}

/**
 * Detects a log line's level: a JSON object's `level`/`lvl`/`severity` field, logfmt `level=`,
 * or the usual textual forms (`ERROR`, `[warn]`, `W0102`-less plain words in upper case,
 * `error:` at the start). Lower-case words in the middle of prose ("no error") do not count.
 */
export function detectLevel(line: string): LogLevel {
  const s = line.trimStart();
  if (s.startsWith('{')) {
    try {
      const obj = JSON.parse(s) as Record<string, unknown>;
      for (const key of ['level', 'lvl', 'severity', 'log.level', 'loglevel']) {
        const v = obj[key];
        if (typeof v === 'string') return fromWord(v) ?? 'unknown';
        // pino/bunyan numeric levels
        if (typeof v === 'number') return v >= 50 ? 'error' : v >= 40 ? 'warning' : v >= 30 ? 'info' : 'debug';
      }
    } catch {
      // not JSON after all: fall through to the textual forms
    }
  }
  const head = s.slice(0, 200);
  const kv = /\b(?:level|lvl|severity)=["']?([A-Za-z]+)/.exec(head);
  if (kv) return fromWord(kv[1]) ?? 'unknown';
  const bracket = /[[<(]([A-Za-z]+)[\]>)]/.exec(head);
  if (bracket) {
    const l = fromWord(bracket[1]);
    if (l) return l;
  }
  const lead = /^([A-Za-z]+):/.exec(head);
  if (lead) {
    const l = fromWord(lead[1]);
    if (l) return l;
  }
  for (const m of head.matchAll(/\b([A-Z]{4,9})\b/g)) {
    const l = fromWord(m[1]);
    if (l) return l;
  }
  return 'unknown';
}

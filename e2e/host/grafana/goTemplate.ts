import type { PluginSettings } from './types';

/**
 * Templates: pkg/api/pluginproxy/utils.go `interpolateString` (Go text/template, with its
 * `orEmpty` function), as plugin.json routes use them.
 */

export interface TemplateData {
  JsonData: Record<string, unknown>;
  SecureJsonData: Record<string, string>;
  /** templateData.URL: the datasource URL for datasource routes, "" for app routes. */
  URL?: string;
}

const NO_VALUE = Symbol('no value');

/** Go's fmt of a decoded JSON value (`{{ . }}` printing). */
function goPrint(v: unknown): string {
  if (v === NO_VALUE) {
    return '<no value>';
  }
  if (v === null || v === undefined) {
    return '<nil>';
  }
  if (typeof v === 'number') {
    return Number.isInteger(v) && Math.abs(v) < 1e21 ? String(v) : String(v).replace(/e\+?/, 'e+');
  }
  if (Array.isArray(v)) {
    return `[${v.map(goPrint).join(' ')}]`;
  }
  if (typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `map[${entries.map(([k, x]) => `${k}:${goPrint(x)}`).join(' ')}]`;
  }
  return String(v);
}

/** Go template truth (`if`): false, 0, nil, empty string/map/slice, and a missing map key are false. */
function goTruth(v: unknown): boolean {
  if (v === NO_VALUE || v === null || v === undefined || v === false || v === 0 || v === '') {
    return false;
  }
  if (Array.isArray(v)) {
    return v.length > 0;
  }
  if (typeof v === 'object') {
    return Object.keys(v as object).length > 0;
  }
  return true;
}

/**
 * Evaluates a field chain like `.SecureJsonData.apiKey`. A missing key of `map[string]any`
 * (JsonData) is "no value" (printed `<no value>`); of `map[string]string` (SecureJsonData) it is
 * the zero value "". (Go text/template, default `missingkey` option.)
 */
function evalField(expr: string, data: TemplateData): unknown {
  if (expr === '.') {
    return data;
  }
  const parts = expr.slice(1).split('.');
  let cur: unknown = data;
  let stringMap = false;
  for (const [i, p] of parts.entries()) {
    if (i === 0) {
      if (p === 'JsonData') {
        cur = data.JsonData ?? {};
      } else if (p === 'SecureJsonData') {
        cur = data.SecureJsonData ?? {};
        stringMap = true;
      } else if (p === 'URL') {
        cur = data.URL ?? '';
      } else {
        throw new Error(`can't evaluate field ${p} in type pluginproxy.templateData`);
      }
      continue;
    }
    if (cur === NO_VALUE || cur === null || cur === undefined) {
      return NO_VALUE;
    }
    if (typeof cur !== 'object' || Array.isArray(cur)) {
      throw new Error(`can't evaluate field ${p}`);
    }
    const obj = cur as Record<string, unknown>;
    cur = Object.prototype.hasOwnProperty.call(obj, p) ? obj[p] : stringMap ? '' : NO_VALUE;
  }
  return cur;
}

function evalPipeline(src: string, data: TemplateData): unknown {
  const words = src.trim().split(/\s+/);
  if (words.length === 1 && words[0].startsWith('.')) {
    return evalField(words[0], data);
  }
  if (words.length === 2 && words[0] === 'orEmpty' && words[1].startsWith('.')) {
    const v = evalField(words[1], data);
    return v === NO_VALUE || v === null || v === undefined ? '' : v;
  }
  throw new Error(`template action not emulated: {{${src}}}`);
}

/**
 * Go text/template as pluginproxy uses it (utils.go `interpolateString`, with its `orEmpty`
 * function), for the subset plugin.json routes use: `{{ .JsonData.x }}`, `{{ .SecureJsonData.x }}`,
 * `{{ .URL }}`, `{{ orEmpty .JsonData.x }}` and `{{if …}}…{{else}}…{{end}}`. Anything else throws
 * (Grafana would either render it or fail with "could not parse template").
 */
export function interpolateTemplate(text: string, data: TemplateData): string {
  const tokens: Array<{ t: 'text'; v: string } | { t: 'action'; v: string }> = [];
  const re = /\{\{(-?)\s*([\s\S]*?)\s*(-?)\}\}/g;
  let last = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    let before = text.slice(last, m.index);
    if (m[1] === '-') {
      before = before.replace(/\s+$/, '');
    }
    tokens.push({ t: 'text', v: before });
    tokens.push({ t: 'action', v: m[2] });
    last = m.index + m[0].length;
    if (m[3] === '-') {
      const rest = text.slice(last);
      last += rest.length - rest.replace(/^\s+/, '').length;
    }
  }
  tokens.push({ t: 'text', v: text.slice(last) });
  if (text.slice(last).includes('{{')) {
    throw new Error(`could not parse template ${text}`);
  }
  let i = 0;
  const render = (stopAt: Set<string>): { out: string; stop: string | undefined } => {
    let out = '';
    while (i < tokens.length) {
      const tok = tokens[i++];
      if (tok.t === 'text') {
        out += tok.v;
        continue;
      }
      const a = tok.v;
      if (stopAt.has(a)) {
        return { out, stop: a };
      }
      if (a.startsWith('if ')) {
        const cond = goTruth(evalPipeline(a.slice(3), data));
        const yes = render(new Set(['else', 'end']));
        let no = { out: '', stop: yes.stop };
        if (yes.stop === 'else') {
          no = render(new Set(['end']));
        }
        if (no.stop !== 'end') {
          throw new Error(`could not parse template ${text}`);
        }
        out += cond ? yes.out : no.out;
        continue;
      }
      if (a === 'else' || a === 'end') {
        throw new Error(`could not parse template ${text}`);
      }
      out += goPrint(evalPipeline(a, data));
    }
    return { out, stop: undefined };
  };
  const result = render(new Set());
  if (result.stop !== undefined) {
    throw new Error(`could not parse template ${text}`);
  }
  return result.out;
}

/** Kept for callers of the previous host: templates a string from settings' jsonData/secureJsonData. */
export function interpolateRoute(template: string, settings: PluginSettings): string {
  return interpolateTemplate(template, { JsonData: settings.jsonData, SecureJsonData: settings.secureJsonData });
}

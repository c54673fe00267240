import type { EntityKind } from './types';

/** Variable query words and the entity kind each lists. */
export const VARIABLE_KINDS = {
  clusters: 'cluster',
  nodes: 'node',
  namespaces: 'namespace',
  workloads: 'workload',
  containers: 'container',
  pods: 'pod',
} as const satisfies Record<string, EntityKind>;

export type VariableKind = keyof typeof VARIABLE_KINDS;

export interface VariableQuery {
  kind: VariableKind;
  filters: Partial<Record<'cluster' | 'node' | 'namespace' | 'name', string>>;
}

/**
 * Parses `nodes`, `nodes(cluster=$cluster)`, `containers(cluster=a, namespace=$ns, name=api-*)`.
 * Values may contain commas only inside braces (`{a,b}`, Grafana's multi-value format).
 */
export function parseVariableQuery(text: string): VariableQuery {
  const m = /^\s*([a-z]+)\s*(?:\((.*)\))?\s*$/i.exec(text);
  if (!m || !(m[1].toLowerCase() in VARIABLE_KINDS)) {
    throw new Error(
      `Unknown variable query "${text}". Use one of ${Object.keys(VARIABLE_KINDS).join(', ')}, optionally with filters, e.g. nodes(cluster=$cluster).`
    );
  }
  const filters: VariableQuery['filters'] = {};
  const body = m[2]?.trim();
  if (body) {
    for (const part of splitTop(body)) {
      const kv = /^\s*(cluster|node|namespace|name)\s*=\s*(.*?)\s*$/.exec(part);
      if (!kv) {
        throw new Error(`Unknown filter "${part.trim()}" in variable query; use cluster=, node=, namespace= or name=.`);
      }
      filters[kv[1] as keyof VariableQuery['filters']] = kv[2].replace(/^\{(.*)\}$/, '$1');
    }
  }
  return { kind: m[1].toLowerCase() as VariableKind, filters };
}

function splitTop(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '{') {
      depth++;
    } else if (ch === '}') {
      depth--;
    }
    if (ch === ',' && depth === 0) {
      out.push(cur);
      cur = '';
    } else {
      cur += ch;
    }
  }
  out.push(cur);
  return out.filter((p) => p.trim());
}

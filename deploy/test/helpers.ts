/**
 * Shared helpers for the deployment checks: YAML loading, Compose-style variable
 * interpolation, a Dockerfile parser and a .dockerignore matcher. No network, no cluster.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import YAML from 'yaml';

/** A parsed YAML/JSON document: shapes are checked by the tests themselves. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Doc = any;

export const ROOT = resolve(__dirname, '..', '..');
export const K8S_DIR = join(ROOT, 'deploy', 'kubernetes');

export const read = (rel: string) => readFileSync(join(ROOT, rel), 'utf8');
export const exists = (rel: string) => existsSync(join(ROOT, rel));

/** Every document of a YAML file (empty documents dropped); throws on any parse error. */
export function loadYamlDocs(file: string): Doc[] {
  const text = readFileSync(file, 'utf8');
  const docs = YAML.parseAllDocuments(text);
  const out: Doc[] = [];
  for (const d of docs) {
    if (d.errors.length) throw new Error(`${relative(ROOT, file)}: ${d.errors.map((e) => e.message).join('; ')}`);
    const v = d.toJSON();
    if (v != null) out.push(v);
  }
  return out;
}

/** A single-document YAML file. */
export function loadYaml(rel: string): Doc {
  const docs = loadYamlDocs(join(ROOT, rel));
  if (docs.length !== 1) throw new Error(`${rel}: expected one YAML document, found ${docs.length}`);
  return docs[0];
}

/** KEY=VALUE lines of a dotenv file (comments and blank lines skipped). */
export function parseDotenv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) throw new Error(`dotenv: not KEY=VALUE: ${line}`);
    out[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  }
  return out;
}

/** Variables a Compose string refers to, with how: plain, `:-default`, or `:?required`. */
export function composeVars(s: string): Array<{ name: string; op: '' | ':-' | '-' | ':?' | '?'; arg: string }> {
  const out: Array<{ name: string; op: '' | ':-' | '-' | ':?' | '?'; arg: string }> = [];
  const re = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:-|-|:\?|\?)([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g;
  for (const m of s.matchAll(re)) {
    if (m[0] === '$$') continue;
    out.push({ name: m[1] ?? m[4], op: (m[2] ?? '') as '' | ':-' | '-' | ':?' | '?', arg: m[3] ?? '' });
  }
  return out;
}

/** Compose interpolation of one string: ${V}, ${V:-d}, ${V-d}, ${V:?e}, ${V?e}, $V, $$. */
export function interpolate(s: string, env: Record<string, string | undefined>): string {
  return s.replace(
    /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:-|-|:\?|\?)([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (all, braced: string | undefined, op: string | undefined, arg: string | undefined, bare: string | undefined) => {
      if (all === '$$') return '$';
      const name = (braced ?? bare)!;
      const v = env[name];
      switch (op) {
        case ':-':
          return v ? v : (arg ?? '');
        case '-':
          return v !== undefined ? v : (arg ?? '');
        case ':?':
          if (!v) throw new Error(`required variable ${name} is missing: ${arg}`);
          return v;
        case '?':
          if (v === undefined) throw new Error(`required variable ${name} is missing: ${arg}`);
          return v;
        default:
          return v ?? '';
      }
    }
  );
}

/** Deep interpolation of every string in a parsed Compose document. */
export function interpolateDeep<T>(value: T, env: Record<string, string | undefined>): T {
  if (typeof value === 'string') return interpolate(value, env) as unknown as T;
  if (Array.isArray(value)) return value.map((v) => interpolateDeep(v, env)) as unknown as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolateDeep(v, env)])) as T;
  }
  return value;
}

/** Every string anywhere in a value. */
export function allStrings(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) value.forEach((v) => allStrings(v, out));
  else if (value && typeof value === 'object') Object.values(value).forEach((v) => allStrings(v, out));
  return out;
}

/** Compose `environment:` as a map (it may be a list of KEY=VALUE). */
export function envMap(environment: unknown): Record<string, string> {
  if (!environment) return {};
  if (Array.isArray(environment)) {
    return Object.fromEntries(
      environment.map((e: string) => {
        const eq = e.indexOf('=');
        return eq < 0 ? [e, ''] : [e.slice(0, eq), e.slice(eq + 1)];
      })
    );
  }
  return Object.fromEntries(
    Object.entries(environment as Record<string, unknown>).map(([k, v]) => [k, v == null ? '' : String(v)])
  );
}

/** Compose volumes in long form (short `src:dst[:mode]` strings expanded). */
export interface Mount {
  type: 'bind' | 'volume';
  source: string;
  target: string;
  readOnly: boolean;
  propagation?: string;
}
export function mounts(volumes: unknown[] | undefined): Mount[] {
  return (volumes ?? []).map((v) => {
    if (typeof v === 'string') {
      const [source, target, mode = ''] = v.split(':');
      const isBind = source.startsWith('.') || source.startsWith('/') || source.startsWith('~');
      return { type: isBind ? 'bind' : 'volume', source, target, readOnly: mode.split(',').includes('ro') };
    }
    const o = v as {
      type: 'bind' | 'volume';
      source: string;
      target: string;
      read_only?: boolean;
      bind?: { propagation?: string };
    };
    return {
      type: o.type,
      source: o.source,
      target: o.target,
      readOnly: o.read_only === true,
      propagation: o.bind?.propagation,
    };
  });
}

// ---------------------------------------------------------------------------------------------
// Dockerfiles

export interface Instruction {
  cmd: string; // upper-case instruction
  args: string; // the rest of the line, continuations joined
  line: number;
}
export interface Stage {
  index: number;
  name: string | null;
  /** FROM image with global ARG defaults substituted. */
  from: string;
  instructions: Instruction[];
}
export interface Dockerfile {
  globalArgs: Record<string, string>;
  stages: Stage[];
}

/** A small Dockerfile parser: comments, `\` continuations, global ARGs, FROM … AS stages. */
export function parseDockerfile(text: string): Dockerfile {
  const lines = text.split('\n');
  const logical: Instruction[] = [];
  let buf = '';
  let start = 0;
  lines.forEach((raw, i) => {
    const t = raw.trim();
    if (!buf && (t === '' || t.startsWith('#'))) return;
    if (buf && t.startsWith('#')) return; // comment lines inside a continuation are dropped
    if (!buf) start = i + 1;
    if (t.endsWith('\\')) {
      buf += t.slice(0, -1) + ' ';
      return;
    }
    buf += t;
    const m = /^(\S+)\s*(.*)$/s.exec(buf)!;
    logical.push({ cmd: m[1].toUpperCase(), args: m[2].trim(), line: start });
    buf = '';
  });
  if (buf) throw new Error('Dockerfile ends inside a line continuation');
  const globalArgs: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const ins of logical) {
    if (ins.cmd === 'FROM') {
      const m = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(ins.args);
      if (!m) throw new Error(`line ${ins.line}: cannot parse FROM ${ins.args}`);
      const from = m[1].replace(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g, (_, n: string) => {
        if (!(n in globalArgs)) throw new Error(`line ${ins.line}: FROM uses ARG ${n} without a default`);
        return globalArgs[n];
      });
      stages.push({ index: stages.length, name: m[2] ?? null, from, instructions: [] });
    } else if (!stages.length) {
      if (ins.cmd !== 'ARG') throw new Error(`line ${ins.line}: ${ins.cmd} before the first FROM`);
      const m = /^([A-Za-z_][A-Za-z0-9_]*)(?:=(.*))?$/.exec(ins.args)!;
      globalArgs[m[1]] = (m[2] ?? '').replace(/^"(.*)"$/, '$1');
    } else {
      stages[stages.length - 1].instructions.push(ins);
    }
  }
  return { globalArgs, stages };
}

/** Base images that must come from a registry (FROM a previous stage excluded). */
export function externalBases(df: Dockerfile): string[] {
  const names = new Set(df.stages.map((s) => s.name).filter(Boolean));
  return [...new Set(df.stages.map((s) => s.from).filter((f) => !names.has(f) && f !== 'scratch'))];
}

/** Arguments of an instruction in exec form (JSON array) or shell form (split on spaces). */
export function instructionWords(ins: Instruction): { flags: string[]; words: string[]; json: boolean } {
  let rest = ins.args;
  const flags: string[] = [];
  for (;;) {
    const m = /^(--[a-z-]+=\S+)\s+/.exec(rest);
    if (!m) break;
    flags.push(m[1]);
    rest = rest.slice(m[0].length);
  }
  if (rest.startsWith('[')) return { flags, words: JSON.parse(rest) as string[], json: true };
  return { flags, words: rest.split(/\s+/).filter(Boolean), json: false };
}

/** Environment set by ENV instructions of a stage (KEY=VALUE pairs, quotes removed). */
export function stageEnv(stage: Stage): Record<string, string> {
  const env: Record<string, string> = {};
  for (const ins of stage.instructions.filter((i) => i.cmd === 'ENV')) {
    for (const m of ins.args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("([^"]*)"|\S+)/g)) env[m[1]] = m[3] ?? m[2];
  }
  return env;
}

/** .dockerignore rules (Docker's semantics: last match wins, `!` re-includes, `**` spans dirs). */
export function dockerignore(text: string): (path: string) => boolean {
  const rules = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const negate = l.startsWith('!');
      const pat = (negate ? l.slice(1) : l).replace(/^\/+/, '').replace(/\/+$/, '');
      let re = '';
      for (let i = 0; i < pat.length; i++) {
        const c = pat[i];
        if (c === '*' && pat[i + 1] === '*') {
          // `**/` matches zero or more directories; a trailing `**` matches everything.
          if (pat[i + 2] === '/') {
            re += '(?:.*/)?';
            i += 2;
          } else {
            re += '.*';
            i += 1;
          }
        } else if (c === '*') re += '[^/]*';
        else if (c === '?') re += '[^/]';
        else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
      }
      return { negate, re: new RegExp(`^${re}$`) };
    });
  return (path: string) => {
    // A path is excluded when it, or one of its parent directories, is excluded.
    const parts = path.replace(/^\.\//, '').split('/');
    let excluded = false;
    for (let n = 1; n <= parts.length; n++) {
      const p = parts.slice(0, n).join('/');
      for (const r of rules) if (r.re.test(p)) excluded = !r.negate;
      if (excluded && n < parts.length) return true;
    }
    return excluded;
  };
}

/** Files under a directory (relative to ROOT), skipping node_modules and dist. */
export function walk(relDir: string): string[] {
  const out: string[] = [];
  const go = (d: string) => {
    for (const e of readdirSync(join(ROOT, d))) {
      if (e === 'node_modules' || e === 'dist') continue;
      const p = `${d}/${e}`;
      if (statSync(join(ROOT, p)).isDirectory()) go(p);
      else out.push(p);
    }
  };
  go(relDir);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Local tools

/** Runs a command; null when it is not installed or fails to start. */
export function tryRun(
  cmd: string,
  args: string[],
  opts: { timeout?: number; cwd?: string } = {}
): { ok: boolean; out: string } | null {
  try {
    const out = execFileSync(cmd, args, {
      cwd: opts.cwd ?? ROOT,
      timeout: opts.timeout ?? 30_000,
      stdio: ['ignore', 'pipe', 'pipe'],
      encoding: 'utf8',
    });
    return { ok: true, out };
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stdout?: string; stderr?: string; status?: number | null };
    if (err.code === 'ENOENT') return null;
    return { ok: false, out: `${err.stdout ?? ''}${err.stderr ?? ''}` };
  }
}

/** True when the Docker daemon answers. */
export function dockerAvailable(): boolean {
  return tryRun('docker', ['info', '--format', '{{.ServerVersion}}'], { timeout: 15_000 })?.ok === true;
}

/** True when the image exists in the local Docker engine (never pulls). */
export function localImage(ref: string): boolean {
  return tryRun('docker', ['image', 'inspect', '--format', '{{.Id}}', ref], { timeout: 15_000 })?.ok === true;
}

// ---------------------------------------------------------------------------------------------
// JSON Schema (the subset the Compose Specification schema uses)

/**
 * Validates against a JSON schema: type, enum, const, required, properties,
 * patternProperties, additionalProperties, items, minimum, oneOf/anyOf (as "at least one
 * branch": lenient where the real `oneOf` wants exactly one), allOf, and local `$ref`s.
 * `format` and other annotations are ignored. Returns the errors, empty when valid.
 */
export function validateSchema(root: Doc, value: unknown, schema: Doc = root, path = ''): string[] {
  if (schema === true || schema == null) return [];
  if (schema === false) return [`${path || '/'}: not allowed`];
  if (schema.$ref) {
    const target = String(schema.$ref)
      .replace(/^#\//, '')
      .split('/')
      .reduce((o: Doc, k: string) => o?.[k], root);
    if (!target) return [`${path}: unresolved $ref ${schema.$ref}`];
    return validateSchema(root, value, target, path);
  }
  const errors: string[] = [];
  const at = path || '/';
  if (schema.type) {
    const types: string[] = Array.isArray(schema.type) ? schema.type : [schema.type];
    const actual = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
    const ok = types.some(
      (t) => t === actual || (t === 'integer' && Number.isInteger(value)) || (t === 'number' && actual === 'number')
    );
    if (!ok) return [`${at}: expected ${types.join('|')}, got ${actual}`];
  }
  if (schema.enum && !schema.enum.includes(value))
    errors.push(`${at}: ${JSON.stringify(value)} not in ${JSON.stringify(schema.enum)}`);
  if ('const' in schema && schema.const !== value) errors.push(`${at}: expected ${JSON.stringify(schema.const)}`);
  if (typeof value === 'number' && typeof schema.minimum === 'number' && value < schema.minimum)
    errors.push(`${at}: below ${schema.minimum}`);
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const obj = value as Record<string, unknown>;
    for (const r of schema.required ?? []) if (!(r in obj)) errors.push(`${at}: missing ${r}`);
    for (const [k, v] of Object.entries(obj)) {
      const p = `${path}/${k}`;
      let matched = false;
      if (schema.properties && k in schema.properties) {
        matched = true;
        errors.push(...validateSchema(root, v, schema.properties[k], p));
      }
      for (const [pat, sub] of Object.entries(schema.patternProperties ?? {})) {
        if (new RegExp(pat).test(k)) {
          matched = true;
          errors.push(...validateSchema(root, v, sub, p));
        }
      }
      if (!matched && schema.additionalProperties !== undefined) {
        if (schema.additionalProperties === false) errors.push(`${p}: unknown property`);
        else errors.push(...validateSchema(root, v, schema.additionalProperties, p));
      }
    }
  }
  if (Array.isArray(value) && schema.items)
    value.forEach((v, i) => errors.push(...validateSchema(root, v, schema.items, `${path}/${i}`)));
  for (const sub of schema.allOf ?? []) errors.push(...validateSchema(root, value, sub, path));
  for (const key of ['oneOf', 'anyOf'] as const) {
    if (!schema[key]) continue;
    const branches = (schema[key] as Doc[]).map((s) => validateSchema(root, value, s, path));
    if (!branches.some((b) => b.length === 0)) {
      errors.push(`${at}: matches no ${key} branch (${branches.map((b) => b[0]).join(' / ')})`);
    }
  }
  return errors;
}

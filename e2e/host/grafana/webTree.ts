import { goPathUnescape } from './goUrl';

/**
 * Route path matching: pkg/web/tree.go (Macaron's router tree, one pattern per route), as
 * pkg/api/pluginproxy/pluginproxy.go `HandleRequest` uses it for app routes.
 */

type PatternType = 0 | 1 | 2 | 3 | 4; // static, regexp, path-ext (*.*), holder (:name), match-all (*)

interface Segment {
  typ: PatternType;
  pattern: string;
  wildcards: string[];
  reg?: RegExp;
}

/** tree.go `getWildcards`/`checkPattern`: classifies one path segment of a route pattern. */
function classifySegment(segment: string): Segment {
  const pattern = segment.replace(/^\?+/, '');
  if (pattern === '*') {
    return { typ: 4, pattern: segment, wildcards: [] };
  }
  if (pattern === '*.*') {
    return { typ: 2, pattern: segment, wildcards: [] };
  }
  if (!pattern.includes(':')) {
    return { typ: 0, pattern: segment, wildcards: [] };
  }
  let rest = pattern;
  const wildcards: string[] = [];
  for (;;) {
    const m = /:[a-zA-Z0-9]+/.exec(rest);
    if (!m) {
      break;
    }
    const wildcard = m[0];
    const end = m.index + wildcard.length;
    wildcards.push(wildcard);
    if (end === rest.length || rest[end] !== '(') {
      if (rest.startsWith(':int', end)) {
        rest = rest.replace(':int', '([0-9]+)');
      } else if (rest.startsWith(':string', end)) {
        rest = rest.replace(':string', '([\\w]+)');
      } else {
        rest = rest.replace(wildcard, '(.+)');
        continue;
      }
    }
    rest = rest.slice(0, m.index) + rest.slice(end);
  }
  if (rest === '(.+)') {
    return { typ: 3, pattern: segment, wildcards };
  }
  return { typ: 1, pattern: segment, wildcards, reg: new RegExp(rest) };
}

/** tree.go `matchLeaf`/`matchSubtree`: the URL segment(s), unescaped; undefined for a bad escape (no match). */
function unescaped(raw: string): string | undefined {
  try {
    return goPathUnescape(raw);
  } catch {
    return undefined;
  }
}

/** A regexp segment (`:name(…)`, `:int`, `:string`, text around a `:name`): its groups fill the wildcards. */
function matchRegexpSegment(seg: Segment, url: string, params: Record<string, string>): boolean {
  const r = seg.reg!.exec(url);
  if (!r || r.length - 1 !== seg.wildcards.length) {
    return false;
  }
  seg.wildcards.forEach((w, j) => (params[w] = r[j + 1]));
  return true;
}

/** A path-ext (`*.*`: `:path`, `:ext`) or match-all (`*`: `*`, `*<level>`) leaf takes the URL. */
function matchCatchAll(leaf: Segment, level: number, url: string, params: Record<string, string>): void {
  if (leaf.typ === 4) {
    params['*'] = url;
    params[`*${level}`] = url;
    return;
  }
  const j = url.lastIndexOf('.');
  params[':path'] = j > -1 ? url.slice(0, j) : url;
  if (j > -1) {
    params[':ext'] = url.slice(j + 1);
  }
}

class TreeNode {
  subtrees: Array<{ seg: Segment; node: TreeNode }> = [];
  leaves: Segment[] = [];

  constructor(
    readonly parent?: TreeNode,
    readonly seg?: Segment
  ) {}

  private addLeaf(pattern: string): void {
    if (this.leaves.some((l) => l.pattern === pattern)) {
      return;
    }
    const leaf = classifySegment(pattern);
    if (pattern.startsWith('?')) {
      // An optional last segment also matches without it (tree.go `addLeaf`).
      if (this.parent && this.seg) {
        this.parent.addLeaf(this.seg.pattern);
      } else {
        this.addLeaf('');
      }
    }
    const at = this.leaves.findIndex((l) => leaf.typ < l.typ);
    this.leaves.splice(at === -1 ? this.leaves.length : at, 0, leaf);
  }

  addNext(pattern: string): void {
    const p = pattern.startsWith('/') ? pattern.slice(1) : pattern;
    const i = p.indexOf('/');
    if (i === -1) {
      this.addLeaf(p);
      return;
    }
    const segment = p.slice(0, i);
    let sub = this.subtrees.find((s) => s.seg.pattern === segment);
    if (!sub) {
      const seg = classifySegment(segment);
      sub = { seg, node: new TreeNode(this, seg) };
      const at = this.subtrees.findIndex((s) => seg.typ < s.seg.typ);
      this.subtrees.splice(at === -1 ? this.subtrees.length : at, 0, sub);
    }
    sub.node.addNext(p.slice(i + 1));
  }

  matchLeaf(level: number, raw: string, params: Record<string, string>): boolean {
    const url = unescaped(raw);
    if (url === undefined) {
      return false;
    }
    for (const leaf of this.leaves) {
      switch (leaf.typ) {
        case 0:
          if (leaf.pattern === url) {
            return true;
          }
          break;
        case 1:
          if (matchRegexpSegment(leaf, url, params)) {
            return true;
          }
          break;
        case 2:
        case 4:
          matchCatchAll(leaf, level, url, params);
          return true;
        case 3:
          params[leaf.wildcards[0]] = url;
          return true;
      }
    }
    return false;
  }

  matchSubtree(level: number, segment: string, rest: string, params: Record<string, string>): boolean {
    const segmentUrl = unescaped(segment);
    if (segmentUrl === undefined) {
      return false;
    }
    for (const { seg, node } of this.subtrees) {
      switch (seg.typ) {
        case 0:
          if (seg.pattern === segmentUrl && node.matchNext(level, rest, params)) {
            return true;
          }
          break;
        case 1:
          if (matchRegexpSegment(seg, segmentUrl, params) && node.matchNext(level, rest, params)) {
            return true;
          }
          break;
        case 3:
          if (node.matchNext(level + 1, rest, params)) {
            params[seg.wildcards[0]] = segmentUrl;
            return true;
          }
          break;
        case 4:
          if (node.matchNext(level + 1, rest, params)) {
            params[`*${level}`] = segmentUrl;
            return true;
          }
          break;
        default:
          break;
      }
    }
    // Nothing deeper matched: a trailing `*` (or `*.*`) here takes the whole remainder.
    const leaf = this.leaves[this.leaves.length - 1];
    if (leaf && (leaf.typ === 2 || leaf.typ === 4)) {
      const url = unescaped(`${segment}/${rest}`);
      if (url === undefined) {
        return false;
      }
      matchCatchAll(leaf, level, url, params);
      return true;
    }
    return false;
  }

  matchNext(level: number, url: string, params: Record<string, string>): boolean {
    const i = url.indexOf('/');
    if (i === -1) {
      return this.matchLeaf(level, url, params);
    }
    return this.matchSubtree(level, url.slice(0, i), url.slice(i + 1), params);
  }
}

/**
 * `t := web.NewTree(); t.Add(pattern, nil); _, params, ok := t.Match(url)` (pkg/web/tree.go):
 * one trailing `/` of the pattern and one leading and one trailing `/` of the URL are ignored;
 * literal segments are compared case-sensitively after unescaping; `:name` takes one segment;
 * a final `*` takes one or more segments (`api/*` matches `api/x` and `api/x/y`, not `api`) and
 * is returned as `params["*"]`; `?:name` makes the last segment optional.
 */
export function matchRoutePath(pattern: string, url: string): Record<string, string> | undefined {
  const root = new TreeNode();
  root.addNext(pattern.endsWith('/') ? pattern.slice(0, -1) : pattern);
  let u = url.startsWith('/') ? url.slice(1) : url;
  u = u.endsWith('/') ? u.slice(0, -1) : u;
  const params: Record<string, string> = {};
  return root.matchNext(0, u, params) ? params : undefined;
}

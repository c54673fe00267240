import { RE2JS } from 're2js';
import { parser } from '@prometheus-io/lezer-promql';
import type { SyntaxNode } from '@lezer/common';
import { prometheus } from '@fleetlens/protocol';

/**
 * The subset of PromQL the Prometheus-compatible API evaluates (docs/prometheus.md), parsed with
 * the Prometheus project's own grammar into a small tree. Anything outside the subset is refused
 * with a message that names the construct, never answered approximately.
 */

export type MatchOp = '=' | '!=' | '=~' | '!~';
export interface Matcher {
  label: string;
  op: MatchOp;
  value: string;
}

export const AGGREGATIONS = ['sum', 'avg', 'min', 'max', 'count'] as const;
export type AggOp = (typeof AGGREGATIONS)[number];
/** Aggregations that take a scalar parameter first: topk(3, v), quantile(0.9, v). */
export const PARAM_AGGREGATIONS = ['topk', 'bottomk', 'quantile'] as const;
export type ParamAggOp = (typeof PARAM_AGGREGATIONS)[number];
export const RANGE_FUNCTIONS = [
  'avg_over_time',
  'min_over_time',
  'max_over_time',
  'sum_over_time',
  'count_over_time',
  'last_over_time',
  'quantile_over_time',
  'deriv',
  'predict_linear',
] as const;
export type RangeFn = (typeof RANGE_FUNCTIONS)[number];
/** Range functions whose scalar parameter comes first (quantile_over_time) or last (predict_linear). */
const PARAM_FIRST: readonly RangeFn[] = ['quantile_over_time'];
const PARAM_LAST: readonly RangeFn[] = ['predict_linear'];
export type ArithOp = '+' | '-' | '*' | '/' | '%' | '^';
export type CompareOp = '==' | '!=' | '>' | '<' | '>=' | '<=';
export type SetOp = 'and' | 'or' | 'unless';
export const isComparison = (op: ArithOp | CompareOp | SetOp): op is CompareOp =>
  ['==', '!=', '>', '<', '>=', '<='].includes(op);
export const isSetOp = (op: ArithOp | CompareOp | SetOp): op is SetOp => ['and', 'or', 'unless'].includes(op);

/** on(...)/ignoring(...), and group_left/group_right with the labels they copy from the "one" side. */
export interface VectorMatching {
  on: boolean;
  labels: string[];
  group: { side: 'left' | 'right'; include: string[] } | null;
}

export type Expr =
  | { type: 'number'; value: number }
  /** `offset` is in seconds (negative looks ahead), as the offset modifier writes it. */
  | { type: 'selector'; matchers: Matcher[]; offset: number }
  | { type: 'range'; fn: RangeFn; matchers: Matcher[]; seconds: number; offset: number; param: Expr | null }
  | { type: 'aggregate'; op: AggOp; grouping: { by: boolean; labels: string[] } | null; expr: Expr }
  | {
      type: 'paramAggregate';
      op: ParamAggOp;
      grouping: { by: boolean; labels: string[] } | null;
      param: Expr;
      expr: Expr;
    }
  | {
      type: 'binary';
      op: ArithOp | CompareOp | SetOp;
      bool: boolean;
      matching: VectorMatching | null;
      left: Expr;
      right: Expr;
    }
  | { type: 'negate'; expr: Expr }
  /** sort()/sort_desc(): ordered by value in instant queries; range results stay ordered by labels. */
  | { type: 'sort'; desc: boolean; expr: Expr }
  | { type: 'labelReplace'; expr: Expr; dst: string; replacement: string; src: string; regex: string };

/** A query the API cannot answer; `position` is the character offset it concerns. */
export class PromqlError extends Error {
  constructor(
    message: string,
    readonly position = 0
  ) {
    super(message);
  }
}

const OPS: Record<string, ArithOp | CompareOp | SetOp> = {
  And: 'and',
  Or: 'or',
  Unless: 'unless',
  Add: '+',
  Sub: '-',
  Mul: '*',
  Div: '/',
  Mod: '%',
  Pow: '^',
  EqlSingle: '==',
  Eql: '==',
  Neq: '!=',
  Gtr: '>',
  Lss: '<',
  Gte: '>=',
  Lte: '<=',
};
const MATCH_OPS: Record<string, MatchOp> = { EqlSingle: '=', Neq: '!=', EqlRegex: '=~', NeqRegex: '!~' };

/** Parses a query into the subset's tree, or throws PromqlError. */
export function parsePromql(text: string): Expr {
  const tree = parser.parse(text);
  tree.iterate({
    enter: (n) => {
      if (n.type.isError) throw new PromqlError(`parse error at character ${n.from + 1}: unexpected input`, n.from);
    },
  });
  const top = tree.topNode.firstChild;
  if (!top) throw new PromqlError('query is empty');
  return new Converter(text).expr(top);
}

class Converter {
  constructor(private readonly text: string) {}

  private src(n: SyntaxNode) {
    return this.text.slice(n.from, n.to);
  }

  private unsupported(n: SyntaxNode, what: string): never {
    throw new PromqlError(
      `${what} is not supported by the Fleetlens Prometheus API (at character ${n.from + 1})`,
      n.from
    );
  }

  private children(n: SyntaxNode): SyntaxNode[] {
    const out: SyntaxNode[] = [];
    for (let c = n.firstChild; c; c = c.nextSibling) out.push(c);
    return out;
  }

  expr(n: SyntaxNode): Expr {
    switch (n.name) {
      case 'NumberDurationLiteral':
        return { type: 'number', value: this.number(n) };
      case 'ParenExpr':
        return this.expr(n.firstChild!);
      case 'UnaryExpr': {
        const [op, inner] = this.children(n);
        const e = this.expr(inner);
        return this.src(op) === '-' ? { type: 'negate', expr: e } : e;
      }
      case 'VectorSelector':
        return { type: 'selector', matchers: this.selector(n), offset: 0 };
      case 'MatrixSelector':
        return this.unsupported(n, 'a range vector outside avg/min/max/sum/count/last_over_time');
      case 'FunctionCall':
        return this.call(n);
      case 'AggregateExpr':
        return this.aggregate(n);
      case 'BinaryExpr':
        return this.binary(n);
      case 'OffsetExpr': {
        const [inner] = this.children(n);
        if (inner.name !== 'VectorSelector')
          return this.unsupported(n, "the offset modifier outside a selector or a range function's selector");
        return { type: 'selector', matchers: this.selector(inner), offset: this.offset(n) };
      }
      case 'StepInvariantExpr':
        return this.unsupported(n, 'the @ modifier');
      case 'SubqueryExpr':
        return this.unsupported(n, 'a subquery');
      case 'StringLiteral':
        return this.unsupported(n, 'a string expression');
      default:
        return this.unsupported(n, `"${this.src(n)}"`);
    }
  }

  private number(n: SyntaxNode): number {
    const s = this.src(n).toLowerCase();
    if (s === 'inf' || s === '+inf') return Infinity;
    if (s === '-inf') return -Infinity;
    if (s === 'nan') return NaN;
    const v = /^0x[0-9a-f]+$/.test(s) ? parseInt(s, 16) : Number(s);
    if (Number.isNaN(v)) this.unsupported(n, `the duration literal "${this.src(n)}" as a number`);
    return v;
  }

  private string(n: SyntaxNode): string {
    const raw = this.src(n);
    if (raw.startsWith('`')) return raw.slice(1, -1);
    const body = raw.slice(1, -1);
    // Go-style escapes; JSON covers those PromQL users write (\\ \" \n \t \uXXXX).
    const json = raw.startsWith("'") ? body.replace(/\\'/g, "'").replace(/"/g, '\\"') : body;
    try {
      return JSON.parse(`"${json}"`) as string;
    } catch {
      throw new PromqlError(`invalid escape in string at character ${n.from + 1}`, n.from);
    }
  }

  private selector(n: SyntaxNode): Matcher[] {
    const matchers: Matcher[] = [];
    for (const c of this.children(n)) {
      if (c.name === 'Identifier') matchers.push({ label: '__name__', op: '=', value: this.src(c) });
      else if (c.name === 'LabelMatchers') {
        for (const m of this.children(c)) {
          const parts = this.children(m);
          if (m.name === 'UnquotedLabelMatcher' || m.name === 'QuotedLabelMatcher') {
            const [name, op, value] = parts;
            const label = name.name === 'QuotedLabelName' ? this.string(name.firstChild!) : this.src(name);
            const matcher: Matcher = { label, op: MATCH_OPS[op.firstChild!.name], value: this.string(value) };
            try {
              matcherTest(matcher);
            } catch (err) {
              throw new PromqlError(
                `invalid regular expression "${matcher.value.slice(0, 200)}" at character ${value.from + 1}: ${
                  (err as Error).message
                }`,
                value.from
              );
            }
            matchers.push(matcher);
          } else if (m.name === 'QuotedLabelName') {
            matchers.push({ label: '__name__', op: '=', value: this.string(m.firstChild!) });
          } else this.unsupported(m, `"${this.src(m)}"`);
        }
      }
    }
    if (!matchers.some((m) => !matcherTest(m)('')))
      throw new PromqlError(
        `vector selector ${this.src(n)} must contain at least one matcher that does not match the empty string`,
        n.from
      );
    return matchers;
  }

  /** The offset modifier's duration in seconds (`offset -5m` looks 5 minutes ahead). */
  private offset(n: SyntaxNode): number {
    let d = n.getChild('OffsetDurationExpr')!;
    let sign = 1;
    while (d.getChild('UnaryOp')) {
      if (this.src(d.getChild('UnaryOp')!) === '-') sign = -sign;
      d = d.getChild('OffsetDurationExpr')!;
    }
    const seconds = prometheus.parseDuration(this.src(d));
    if (seconds === null || seconds === undefined || Number.isNaN(seconds))
      throw new PromqlError(`invalid offset "${this.src(d)}" at character ${d.from + 1}`, d.from);
    return sign * seconds;
  }

  /** `metric[5m]` or `metric[5m] offset 1m`: its matchers, range and offset. */
  private matrix(n: SyntaxNode, fn: string): { matchers: Matcher[]; seconds: number; offset: number } {
    let m = n;
    let offset = 0;
    if (m.name === 'OffsetExpr') {
      offset = this.offset(m);
      m = m.firstChild!;
    }
    if (m.name === 'SubqueryExpr') return this.unsupported(m, 'a subquery');
    if (m.name !== 'MatrixSelector')
      throw new PromqlError(`${fn}() takes a range vector, like ${fn}(metric[5m])`, n.from);
    const [vs, dur] = this.children(m);
    const seconds = prometheus.parseDuration(this.src(dur));
    if (!seconds) throw new PromqlError(`invalid range "${this.src(dur)}" at character ${dur.from + 1}`, dur.from);
    return { matchers: this.selector(vs), seconds, offset };
  }

  private call(n: SyntaxNode): Expr {
    const [ident, body] = this.children(n);
    const name = this.src(ident);
    const args = this.children(body);
    const arity = (k: number, usage: string) => {
      if (args.length !== k) throw new PromqlError(`${name}() takes ${usage}`, n.from);
    };
    if (name === 'sort' || name === 'sort_desc') {
      arity(1, 'one instant vector');
      return { type: 'sort', desc: name === 'sort_desc', expr: this.expr(args[0]) };
    }
    if (name === 'label_replace') {
      arity(5, 'an instant vector and four strings: destination, replacement, source, regex');
      const strings = args.slice(1).map((a) => {
        if (a.name !== 'StringLiteral')
          throw new PromqlError(`${name}() expects a string at character ${a.from + 1}`, a.from);
        return this.string(a);
      });
      const [dst, replacement, src, regex] = strings;
      if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(dst))
        throw new PromqlError(`invalid destination label name in label_replace(): ${dst}`, n.from);
      try {
        RE2JS.compile(`^(?:${regex})$`, RE2JS.DOTALL);
      } catch (err) {
        throw new PromqlError(`invalid regular expression in label_replace(): ${(err as Error).message}`, n.from);
      }
      return { type: 'labelReplace', expr: this.expr(args[0]), dst, replacement, src, regex };
    }
    const fn = name as RangeFn;
    if (!RANGE_FUNCTIONS.includes(fn)) return this.unsupported(ident, `the function ${name}()`);
    const first = PARAM_FIRST.includes(fn);
    const last = PARAM_LAST.includes(fn);
    const usage = first
      ? `a scalar and a range vector, like ${fn}(0.9, metric[5m])`
      : last
        ? `a range vector and a scalar, like ${fn}(metric[1h], 3600)`
        : `one range vector, like ${fn}(metric[5m])`;
    arity(first || last ? 2 : 1, usage);
    const matrixArg = first ? args[1] : args[0];
    const param = first ? this.expr(args[0]) : last ? this.expr(args[1]) : null;
    return { type: 'range', fn, ...this.matrix(matrixArg, fn), param };
  }

  private labelList(labels: SyntaxNode | null): string[] {
    return labels
      ? this.children(labels).map((l) => (l.name === 'QuotedLabelName' ? this.string(l.firstChild!) : this.src(l)))
      : [];
  }

  private grouping(n: SyntaxNode): string[] {
    return this.labelList(n.getChild('GroupingLabels'));
  }

  /** on/ignoring and group_left/group_right: the clause holds one label list each. */
  private matching(m: SyntaxNode): VectorMatching {
    const lists = m.getChildren('GroupingLabels');
    const side = m.getChild('GroupLeft') ? 'left' : m.getChild('GroupRight') ? 'right' : null;
    return {
      on: !!m.getChild('On'),
      labels: this.labelList(lists[0] ?? null),
      group: side ? { side, include: this.labelList(lists[1] ?? null) } : null,
    };
  }

  private aggregate(n: SyntaxNode): Expr {
    const opNode = n.getChild('AggregateOp')!;
    const op = this.src(opNode);
    const args = this.children(n.getChild('FunctionCallBody')!);
    const mod = n.getChild('AggregateModifier');
    const grouping = mod ? { by: !!mod.getChild('By'), labels: this.grouping(mod) } : null;
    if ((PARAM_AGGREGATIONS as readonly string[]).includes(op)) {
      if (args.length !== 2)
        throw new PromqlError(`${op}() takes a scalar and an expression, like ${op}(5, metric)`, n.from);
      return {
        type: 'paramAggregate',
        op: op as ParamAggOp,
        grouping,
        param: this.expr(args[0]),
        expr: this.expr(args[1]),
      };
    }
    if (!(AGGREGATIONS as readonly string[]).includes(op)) return this.unsupported(opNode, `the aggregation ${op}`);
    if (args.length !== 1) throw new PromqlError(`${op}() takes one expression`, n.from);
    return { type: 'aggregate', op: op as AggOp, grouping, expr: this.expr(args[0]) };
  }

  private binary(n: SyntaxNode): Expr {
    const parts = this.children(n);
    const left = parts[0];
    const right = parts[parts.length - 1];
    const opNode = parts[1];
    const op = OPS[opNode.name];
    if (!op) return this.unsupported(opNode, `the operator ${this.src(opNode)}`);
    let bool = false;
    let matching: VectorMatching | null = null;
    for (const m of parts.slice(2, -1)) {
      if (m.name === 'BoolModifier') bool = true;
      else if (m.name === 'MatchingModifierClause') matching = this.matching(m);
      else this.unsupported(m, `"${this.src(m)}"`);
    }
    if (bool && !isComparison(op))
      throw new PromqlError(`bool modifier can only be used on comparison operators`, opNode.from);
    if (matching?.group && isSetOp(op)) throw new PromqlError(`no grouping allowed for "${op}" operation`, opNode.from);
    return { type: 'binary', op, bool, matching, left: this.expr(left), right: this.expr(right) };
  }
}

/** Longest regular expression a matcher may carry (Grafana's multi-value variables make long alternations). */
export const MAX_REGEX_LENGTH = 4096;

/**
 * A predicate for a label value (absent labels are the empty string). Regular expressions are RE2,
 * as in Prometheus (Go's regexp: `^(?s:value)$`, fully anchored, `.` matches a newline): linear
 * time whatever the pattern, and RE2's syntax, so that Perl-only constructs (lookaround,
 * backreferences) are refused as Prometheus refuses them. Answers are memoised per value, since
 * many series share a label value.
 */
export function matcherTest(m: Matcher): (value: string) => boolean {
  if (m.op === '=') return (v) => v === m.value;
  if (m.op === '!=') return (v) => v !== m.value;
  if (m.value.length > MAX_REGEX_LENGTH)
    throw new RegexError(`is ${m.value.length} characters long, more than the limit of ${MAX_REGEX_LENGTH}`);
  let re: RE2JS;
  try {
    re = RE2JS.compile(`^(?:${m.value})$`, RE2JS.DOTALL);
  } catch (err) {
    throw new RegexError((err as Error).message);
  }
  const memo = new Map<string, boolean>();
  const test = (v: string) => {
    let hit = memo.get(v);
    if (hit === undefined) {
      hit = re.matches(v);
      if (memo.size < 10_000) memo.set(v, hit);
    }
    return hit;
  };
  return m.op === '=~' ? test : (v) => !test(v);
}

/** A regular expression RE2 does not accept (or one beyond the length limit). */
export class RegexError extends Error {}

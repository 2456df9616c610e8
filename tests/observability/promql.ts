// Just enough PromQL reading for the monitoring suites: the vector selectors an expression reads (with their
// matchers), the labels it groups or matches on, Grafana's variables filled in, and an alert's final threshold
// taken off. Prometheus itself parses and evaluates; this only says what to ask it about each part.

/** One label matcher of a vector selector. */
export interface Matcher {
  label: string;
  op: '=' | '!=' | '=~' | '!~';
  value: string;
}

/** A vector selector as written in an expression, e.g. `up{namespace="pastemesh"}`. */
export interface Selector {
  /** The selector's text, ready to send to Prometheus on its own. */
  text: string;
  /** The metric name (undefined for a bare `{…}` selector). */
  name: string | undefined;
  matchers: Matcher[];
}

/** What an expression reads and the labels it groups by (by/without) or matches on (on/ignoring/group_*). */
export interface PromqlParts {
  selectors: Selector[];
  groupingLabels: string[];
}

/** Aggregation operators: keywords, never metric names, and may be followed by `by (…)` before their `(`. */
const AGGREGATIONS = new Set([
  'sum',
  'min',
  'max',
  'avg',
  'group',
  'stddev',
  'stdvar',
  'count',
  'count_values',
  'bottomk',
  'topk',
  'quantile',
]);
/** Keywords that take a label list in parentheses. */
const LABEL_LIST_KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right']);
/** Other keywords and literals that are not selectors. */
const OTHER_KEYWORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'atan2', 'inf', 'nan']);

const MATCHER = /\s*([a-zA-Z_]\w*)\s*(=~|!~|!=|=)\s*("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`)\s*,?/y;

function unquote(literal: string): string {
  if (literal.startsWith('"')) return JSON.parse(literal) as string;
  return literal.slice(1, -1).replace(/\\(.)/g, '$1');
}

/** Index just past the string literal that starts at `i`. */
function skipString(text: string, i: number): number {
  const quote = text[i];
  let j = i + 1;
  while (j < text.length && text[j] !== quote) j += text[j] === '\\' && quote !== '`' ? 2 : 1;
  return j + 1;
}

/** Index just past the `{…}` block that starts at `i`, with its matchers. */
function readMatchers(text: string, i: number): { end: number; matchers: Matcher[] } {
  const matchers: Matcher[] = [];
  let j = i + 1;
  for (;;) {
    MATCHER.lastIndex = j;
    const m = MATCHER.exec(text);
    if (!m) break;
    matchers.push({ label: m[1]!, op: m[2] as Matcher['op'], value: unquote(m[3]!) });
    j = MATCHER.lastIndex;
  }
  while (j < text.length && /\s/.test(text[j]!)) j++;
  if (text[j] !== '}') throw new Error(`cannot read the label matchers at ${i} in: ${text}`);
  return { end: j + 1, matchers };
}

/** The selectors and grouping labels of a PromQL expression (after Grafana's variables are filled in). */
export function promqlParts(expr: string): PromqlParts {
  const selectors: Selector[] = [];
  const groupingLabels: string[] = [];
  let i = 0;
  while (i < expr.length) {
    const c = expr[i]!;
    if (c === '"' || c === "'" || c === '`') {
      i = skipString(expr, i);
    } else if (c === '[') {
      i = expr.indexOf(']', i) + 1 || expr.length;
    } else if (/\d/.test(c) || (c === '.' && /\d/.test(expr[i + 1] ?? ''))) {
      // a number, or a duration such as `5m` or `1h30m` (after offset or @)
      i += /^(0x[0-9a-f]+|(\d+(ms|[smhdwy]))+|\d*\.?\d+(e[+-]?\d+)?)/i.exec(expr.slice(i))?.[0].length ?? 1;
    } else if (/[a-zA-Z_:]/.test(c)) {
      const start = i;
      const ident = /^[a-zA-Z_:][\w:]*/.exec(expr.slice(i))![0];
      i += ident.length;
      let next = i;
      while (next < expr.length && /\s/.test(expr[next]!)) next++;
      const lower = ident.toLowerCase();
      if (LABEL_LIST_KEYWORDS.has(lower)) {
        if (expr[next] !== '(') continue; // group_left without labels
        const close = expr.indexOf(')', next);
        for (const label of expr.slice(next + 1, close).split(',')) if (label.trim()) groupingLabels.push(label.trim());
        i = close + 1;
      } else if (AGGREGATIONS.has(lower) || OTHER_KEYWORDS.has(lower) || expr[next] === '(') {
        // an aggregation, keyword or function call: its arguments are read as the loop goes on
      } else if (expr[next] === '{') {
        const { end, matchers } = readMatchers(expr, next);
        selectors.push({ text: expr.slice(start, end), name: ident, matchers });
        i = end;
      } else {
        selectors.push({ text: ident, name: ident, matchers: [] });
      }
    } else if (c === '{') {
      const { end, matchers } = readMatchers(expr, i);
      const name = matchers.find((m) => m.label === '__name__' && m.op === '=')?.value;
      selectors.push({ text: expr.slice(i, end), name, matchers });
      i = end;
    } else {
      i++;
    }
  }
  return { selectors, groupingLabels: [...new Set(groupingLabels)] };
}

/** Values for Grafana's built-in variables, sized for a Prometheus that scrapes every second. */
export interface GrafanaTimes {
  /** `$__rate_interval` (Grafana: at least four scrape intervals). */
  rateInterval: string;
  /** `$__interval` (one step of the graph). */
  interval: string;
  /** `$__range` (the dashboard's time range). */
  range: string;
}

/**
 * Fills in Grafana's variables as a dashboard set to "All" would: built-ins from `times`, a template variable
 * from `variables` (its allValue), `$__…` built-ins in any of the three spellings.
 */
export function fillGrafanaVariables(expr: string, variables: Record<string, string>, times: GrafanaTimes): string {
  const builtIns: Record<string, string> = {
    __rate_interval: times.rateInterval,
    __interval: times.interval,
    __range: times.range,
  };
  return expr.replace(/\$\{(\w+)(?::\w+)?\}|\[\[(\w+)\]\]|\$(\w+)/g, (whole, a, b, c) => {
    const name = (a ?? b ?? c) as string;
    const value = builtIns[name] ?? variables[name];
    if (value === undefined) throw new Error(`no value for Grafana variable ${whole} in: ${expr}`);
    return value;
  });
}

/** An alert expression without its final `<op> <number>` threshold, or undefined when it ends in none. */
export function withoutThreshold(expr: string): string | undefined {
  const m = /\s*(?:==|!=|>=|<=|>|<)\s*(?:bool\s+)?[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[-+]?\d+)?\s*$/i.exec(expr.trim());
  return m ? expr.trim().slice(0, m.index) : undefined;
}

/** `label_values(selector, label)` as Grafana's Prometheus variable query writes it. */
export function parseLabelValues(query: string): { match: string | undefined; label: string } | undefined {
  const m = /^\s*label_values\(\s*(?:(.*),\s*)?([a-zA-Z_]\w*)\s*\)\s*$/s.exec(query);
  return m ? { match: m[1]?.trim(), label: m[2]! } : undefined;
}

/** The labels a Grafana legend format names (`{{service}} → {{grpc_service}}`). */
export function legendLabels(legendFormat: string | undefined): string[] {
  return [...(legendFormat ?? '').matchAll(/\{\{\s*([a-zA-Z_]\w*)\s*\}\}/g)].map((m) => m[1]!);
}

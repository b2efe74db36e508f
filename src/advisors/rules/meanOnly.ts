/**
 * LAT007 — latency samples reported as a mean only (Python).
 *
 * Flags a list of latencies — a name `lat` with `lat.append(<latency>)` in the body of a
 * per-iteration timing loop (see `timingLoops.ts`) — when, in the scope holding the loop (the
 * function, or the whole file for a module-level list), every use of `lat` is one of:
 * - `lat = []` / `lat = list()`, `lat.append(...)`, `len(lat)`;
 * - a mean: `statistics.mean/fmean(lat)`, `np.mean/np.average(lat)`, `torch.mean(torch.tensor(lat))`,
 *   `np.array(lat).mean()`, `sum(lat) / <anything>`;
 * and at least one is a mean. Any other use (a percentile, `sorted(lat)`, `max(lat)`, passing
 * the list on, returning it, slicing it) means the rule cannot tell that only a mean is
 * reported, so nothing is flagged.
 *
 * Fix: after the statement with the first mean (before it when it is a `return`), when that
 * statement comes after the loop, print p50 / p95 / p99 (`statistics.quantiles(lat, n=100)`:
 * cut points 49 / 94 / 98) and the CV (`statistics.pstdev(lat) / statistics.mean(lat)`), adding
 * `import statistics` once if needed. It does not change what is measured, only adds output;
 * it is marked safe when the loop is known to run at least twice (`quantiles` needs two
 * samples before Python 3.13), unsafe otherwise.
 */
import type { Node } from '@vscode/tree-sitter-wasm';
import { docsLink, type Finding, type Fix } from '../findings';
import { insertLinesAfter, insertLinesBefore, lineIndent, pythonNameFor, rangeOfNode } from '../pyEdit';
import type { PythonRuleContext, Rule } from '../rule';
import { findTimingLoops, loopHeaderEnd, startsLine, statementOf, type TimingLoop } from '../timingLoops';
import { unparen } from '../nodes';

export const MEAN_ONLY_CODE = 'LAT007';

const MEAN_FUNCS = new Set(['statistics.mean', 'statistics.fmean', 'numpy.mean', 'numpy.average', 'torch.mean']);
const WRAPPERS = new Set(['numpy.array', 'numpy.asarray', 'numpy.asanyarray', 'torch.tensor', 'torch.as_tensor', 'torch.Tensor']);

type Use = { kind: 'init' | 'append' | 'neutral' | 'other' } | { kind: 'mean'; node: Node };

function onlyArg(call: Node): Node | undefined {
  const args = (call.childForFieldName('arguments')?.namedChildren ?? []).filter((a): a is Node => !!a && a.type !== 'comment');
  return args.length === 1 && args[0]!.type !== 'keyword_argument' ? args[0] : undefined;
}

function isCallFunction(fn: Node): Node | null {
  const p = fn.parent;
  return p && p.type === 'call' && p.childForFieldName('function')?.id === fn.id ? p : null;
}

/** `x` climbed through parentheses holding only it. */
function outerOf(x: Node): Node {
  let cur = x;
  while (cur.parent?.type === 'parenthesized_expression' && unparen(cur.parent)?.id === cur.id) cur = cur.parent;
  return cur;
}

function classify(ctx: PythonRuleContext, id: Node): Use {
  const p = id.parent;
  if (!p) return { kind: 'other' };
  if (p.type === 'attribute' && p.childForFieldName('attribute')?.id === id.id) return { kind: 'neutral' }; // `obj.lat`: another name
  if (p.type === 'keyword_argument' && p.childForFieldName('name')?.id === id.id) return { kind: 'neutral' };
  if (p.type === 'assignment' && p.childForFieldName('left')?.id === id.id) {
    const right = unparen(p.childForFieldName('right'));
    if (right?.type === 'list' && right.namedChildCount === 0) return { kind: 'init' };
    if (right?.type === 'call' && right.childForFieldName('function')?.text === 'list' && right.childForFieldName('arguments')?.namedChildCount === 0) return { kind: 'init' };
    return { kind: 'other' };
  }
  if (p.type === 'attribute' && p.childForFieldName('object')?.id === id.id) {
    return p.childForFieldName('attribute')?.text === 'append' && isCallFunction(p) ? { kind: 'append' } : { kind: 'other' };
  }
  if (p.type !== 'argument_list') return { kind: 'other' };
  const call = p.parent;
  if (!call || call.type !== 'call' || onlyArg(call)?.id !== id.id) return { kind: 'other' };
  const fn = call.childForFieldName('function');
  if (fn?.type === 'identifier' && ctx.imports.resolveName(fn.text, fn).status === 'unbound') {
    if (fn.text === 'len') return { kind: 'neutral' };
    if (fn.text === 'sum') {
      const o = outerOf(call);
      const b = o.parent;
      if (b?.type === 'binary_operator' && b.childForFieldName('operator')?.type === '/' && b.childForFieldName('left')?.id === o.id) return { kind: 'mean', node: b };
    }
    return { kind: 'other' };
  }
  const q = ctx.imports.qualifiedName(call);
  if (q && MEAN_FUNCS.has(q)) return { kind: 'mean', node: call };
  if (q && WRAPPERS.has(q)) {
    const o = outerOf(call);
    const up = o.parent;
    if (up?.type === 'attribute' && up.childForFieldName('object')?.id === o.id && up.childForFieldName('attribute')?.text === 'mean') {
      const outer = isCallFunction(up);
      if (outer && (outer.childForFieldName('arguments')?.namedChildCount ?? 0) === 0) return { kind: 'mean', node: outer };
    }
    if (up?.type === 'argument_list') {
      const outer = up.parent;
      if (outer?.type === 'call' && onlyArg(outer)?.id === o.id) {
        const oq = ctx.imports.qualifiedName(outer);
        if (oq && MEAN_FUNCS.has(oq)) return { kind: 'mean', node: outer };
      }
    }
  }
  return { kind: 'other' };
}

function freshName(ctx: PythonRuleContext, base: string): string {
  for (let i = 0; ; i++) {
    const name = i === 0 ? base : `${base}${i + 1}`;
    if (ctx.index.named(name).length === 0) return name;
  }
}

function percentileFix(ctx: PythonRuleContext, l: TimingLoop, list: string, mean: Node): Fix | undefined {
  const stmt = statementOf(mean);
  if (!stmt || stmt.startIndex < l.loop.endIndex) return undefined;
  const st = pythonNameFor(ctx.source, ctx.root, ctx.imports, stmt, 'statistics');
  if (!st) return undefined;
  const q = freshName(ctx, `${list}_q`);
  const s = st.spelling;
  const lines = [
    `${q} = ${s}.quantiles(${list}, n=100)  # 99 cut points: p50 = [49], p95 = [94], p99 = [98]`,
    `print(f"${list}: p50={${q}[49]:.4g} p95={${q}[94]:.4g} p99={${q}[98]:.4g} CV={${s}.pstdev(${list}) / ${s}.mean(${list}):.1%}")`,
  ];
  const indent = lineIndent(ctx.source, stmt.startPosition.row);
  let edit;
  if (stmt.type === 'return_statement') {
    if (!startsLine(ctx.source, stmt)) return undefined;
    edit = insertLinesBefore(stmt.startPosition.row, indent, lines, ctx.eol);
  } else {
    edit = insertLinesAfter(ctx.source, stmt, indent, lines, ctx.eol);
  }
  return {
    title: 'Also report p50 / p95 / p99 and the coefficient of variation',
    safety: l.count && l.count.value >= 2 ? 'safe' : 'unsafe',
    edits: [edit],
    imports: st.import ? [st.import] : [],
  };
}

export function checkMeanOnly(ctx: PythonRuleContext): Finding[] {
  const findings: Finding[] = [];
  const done = new Set<string>();
  for (const l of findTimingLoops(ctx)) {
    const scope = l.fn ?? ctx.root;
    for (const sample of l.samples) {
      const key = `${scope.id}:${sample.list}`;
      if (done.has(key)) continue;
      done.add(key);
      const ids =
        scope === ctx.root
          ? ctx.index.named(sample.list)
          : (ctx.index.identifiers([sample.list], scope.startIndex, scope.endIndex).get(sample.list) ?? []);
      const means: Node[] = [];
      let ok = true;
      for (const id of ids) {
        const u = classify(ctx, id);
        if (u.kind === 'other') {
          ok = false;
          break;
        }
        if (u.kind === 'mean' && !means.some((m) => m.id === u.node.id)) means.push(u.node);
      }
      if (!ok || means.length === 0) continue;
      means.sort((a, b) => a.startIndex - b.startIndex);
      const mean = means.find((m) => m.startIndex >= l.loop.endIndex) ?? means[0]!;
      const fix = percentileFix(ctx, l, sample.list, mean);
      findings.push({
        code: MEAN_ONLY_CODE,
        severity: 'information',
        range: rangeOfNode(mean),
        message:
          `Only the mean of ${sample.list} is reported: latency distributions are skewed, so the mean hides the tail users ` +
          'feel (p95 / p99) and how stable the runs were (CV; steady-state runs measured 1–13% on one host). Report ' +
          'percentiles and the CV as well.',
        docs: docsLink(MEAN_ONLY_CODE),
        related: [
          { range: rangeOfNode(sample.append), message: 'latency samples collected here' },
          { range: { start: rangeOfNode(l.loop).start, end: rangeOfNode(loopHeaderEnd(l.loop)).end }, message: 'timing loop' },
        ],
        fixes: fix ? [fix] : [],
      });
    }
  }
  return findings;
}

export const MEAN_ONLY_RULE: Rule = {
  code: MEAN_ONLY_CODE,
  id: 'mean-only',
  title: 'Latency samples reported as a mean only',
  kind: 'pitfall',
  defaultSeverity: 'information',
  checkPython: checkMeanOnly,
};

/**
 * LAT108 — onnxruntime session created with default threading / optimization settings (Python).
 *
 * Flags `onnxruntime.InferenceSession(...)` (any import form or alias) when
 * - no session options are passed (no `sess_options=`, no second positional argument), or
 * - the options are a variable `so` created as `so = <onnxruntime>.SessionOptions()` in the
 *   same scope (function or module) that never sets `graph_optimization_level`,
 *   `intra_op_num_threads` or `inter_op_num_threads`, and is otherwise only configured through
 *   its own attributes / methods (passed to any other call, rebound, returned: not flagged).
 * Calls with `*args` / `**kwargs`, options that are a parameter or come from elsewhere, and
 * `sess_options=None` are not flagged. Anchored on the identifier `InferenceSession`.
 *
 * Fix (unsafe: threading changes latency and throughput): with no options, insert before the
 * statement a `SessionOptions` under a free name setting graph optimization level, one intra-op
 * thread and sequential execution, and pass it as `sess_options=`; with an options variable,
 * insert the missing settings after its creation. Written with the module's existing alias.
 */
import type { Node } from '@vscode/tree-sitter-wasm';
import { docsLink, type Finding, type Fix, type FixImport, type TextEdit } from '../findings';
import {
  argsOf,
  enclosingStatement,
  indentOf,
  endsLine,
  keywordArg,
  methodCallOf,
  positionalArgs,
  rangeOfOffsets,
  scopeLookup,
  startsLine,
} from '../pyGeneration';
import { unparen } from '../nodes';
import { insertLinesAfter, insertLinesBefore, pythonNameFor, rangeOfNode } from '../pyEdit';
import type { PythonRuleContext } from '../rule';

export const ORT_SESSION_OPTIONS_CODE = 'LAT108';

const THREAD_COMMENT = '# measure: default threading gave CV 10-200% on 2-vCPU VMs, 10-20% with 1 thread';
const KEY_SETTINGS = ['graph_optimization_level', 'intra_op_num_threads', 'inter_op_num_threads'];
const WHY =
  'By default onnxruntime uses one spinning intra-op thread per physical core, which on small or shared machines makes latency noisy (onnxruntime-node on 2-vCPU VMs: CV 10–200% with default threading, 10–20% with 1 intra-op thread). ' +
  'Set intra_op_num_threads (and state graph_optimization_level, default ORT_ENABLE_ALL, and execution_mode) explicitly, then compare p50 and p99 for 1 thread vs the physical core count on the target machine — the best value depends on the model and host.';

function settingLines(opts: string, ort: string, missing: Set<string>): string[] {
  const lines: string[] = [];
  if (missing.has('graph_optimization_level')) lines.push(`${opts}.graph_optimization_level = ${ort}.GraphOptimizationLevel.ORT_ENABLE_ALL`);
  if (missing.has('intra_op_num_threads')) lines.push(`${opts}.intra_op_num_threads = 1  ${THREAD_COMMENT}`);
  if (missing.has('execution_mode')) lines.push(`${opts}.execution_mode = ${ort}.ExecutionMode.ORT_SEQUENTIAL`);
  return lines;
}

/** A free name for the new options variable at `at` (not bound anywhere visible, nor at module level). */
function freeName(ctx: PythonRuleContext, at: Node): string | undefined {
  for (const n of ['sess_options', 'session_options', 'ort_options', 'sess_options_1', 'sess_options_2']) {
    if (ctx.imports.resolveName(n, at).status === 'unbound' && !ctx.imports.moduleBinds(n)) {
      const fn = scopeLookup(ctx.index, ctx.root).functionOf(at);
      const range = fn ?? ctx.root;
      if ((ctx.index.identifiers([n], range.startIndex, range.endIndex).get(n) ?? []).length === 0) return n;
    }
  }
  return undefined;
}

interface OptionsVar {
  creation: Node; // the `so = ...SessionOptions()` assignment
  set: Set<string>;
}

/**
 * The options variable `name` used at `call`: created once as `name = <ort>.SessionOptions()` in
 * the same scope before the call, and otherwise only configured (`name.x = ...`, `name.m(...)`)
 * or passed as session options. Undefined when anything else happens to it.
 */
function optionsVariable(ctx: PythonRuleContext, name: string, call: Node): OptionsVar | undefined {
  const scopes = scopeLookup(ctx.index, ctx.root);
  const scope = scopes.scopeOf(call);
  const range = scope ?? ctx.root;
  let creation: Node | undefined;
  const set = new Set<string>();
  for (const id of ctx.index.identifiers([name], range.startIndex, range.endIndex).get(name) ?? []) {
    const p = id.parent;
    if (!p) return undefined;
    if ((scopes.scopeOf(id)?.id ?? null) !== (scope?.id ?? null)) {
      if (scope !== null) return undefined; // used from a nested def: unknown
      // Module-level options: a function may configure the global (`so.x = ...`); other uses there are its own.
      const up = p.parent;
      if (p.type === 'attribute' && p.childForFieldName('object')?.id === id.id && up?.type === 'assignment' && up.childForFieldName('left')?.id === p.id) {
        set.add(p.childForFieldName('attribute')?.text ?? '');
      }
      continue;
    }
    if (p.type === 'assignment' && p.childForFieldName('left')?.id === id.id) {
      if (creation) return undefined;
      const rhs = unparen(p.childForFieldName('right'));
      if (!rhs || rhs.type !== 'call' || ctx.imports.qualifiedName(rhs) !== 'onnxruntime.SessionOptions' || argsOf(rhs).length > 0) return undefined;
      if (p.endIndex > call.startIndex) return undefined;
      creation = p;
      continue;
    }
    if (p.type === 'attribute' && p.childForFieldName('object')?.id === id.id) {
      const attr = p.childForFieldName('attribute')?.text ?? '';
      const up = p.parent;
      if (up && up.type === 'assignment' && up.childForFieldName('left')?.id === p.id) set.add(attr);
      else if (up && up.type === 'call' && up.childForFieldName('function')?.id === p.id) {
        // so.add_session_config_entry(...) etc.: configuration, fine.
      } else if (up && up.type === 'augmented_assignment') set.add(attr);
      else continue; // a read such as print(so.intra_op_num_threads)
      continue;
    }
    // Passed as the options of an InferenceSession (this or another).
    const arg = p.type === 'keyword_argument' ? p : id;
    const list = arg.parent;
    const c = list?.parent;
    if (list?.type === 'argument_list' && c?.type === 'call' && ctx.imports.qualifiedName(c) === 'onnxruntime.InferenceSession') {
      if (p.type === 'keyword_argument' ? p.childForFieldName('name')?.text === 'sess_options' : positionalArgs(c)[1]?.id === id.id) continue;
    }
    return undefined;
  }
  if (!creation) return undefined;
  const stmt = creation.parent;
  if (!stmt || stmt.type !== 'expression_statement') return undefined;
  return { creation, set };
}

/** The module spelling for onnxruntime at `at`, with the import it needs. */
function ortSpelling(ctx: PythonRuleContext, callee: Node, at: Node): { ort: string; imports: FixImport[] } | undefined {
  if (callee.type === 'attribute') {
    const obj = callee.childForFieldName('object');
    if (obj && ctx.imports.qualifiedName(obj) === 'onnxruntime') return { ort: obj.text, imports: [] };
  }
  const n = pythonNameFor(ctx.source, ctx.root, ctx.imports, at, 'onnxruntime');
  if (!n) return undefined;
  return { ort: n.spelling, imports: n.import ? [n.import] : [] };
}

/** The edit adding `sess_options=<name>` as the call's last argument. */
function addKeywordEdit(ctx: PythonRuleContext, call: Node, name: string): TextEdit | undefined {
  const list = call.childForFieldName('arguments');
  const args = argsOf(call);
  const last = args[args.length - 1];
  if (!list || !last) return undefined;
  const close = list.child(list.childCount - 1);
  if (!close || close.type !== ')') return undefined;
  const between = ctx.source.slice(last.endIndex, close.startIndex);
  if (between.includes('#')) return undefined;
  const text = `sess_options=${name}`;
  if (/^\s*,\s*$/.test(between) && between.includes('\n') && startsLine(ctx.source, last)) {
    // Exploded call with a trailing comma: a line of its own, indented like the last argument.
    const lastLineEnd = ctx.source.indexOf('\n', last.endIndex);
    const row = rangeOfOffsets(ctx.source, lastLineEnd + 1, lastLineEnd + 1).start.line;
    return insertLinesBefore(row, indentOf(ctx.source, last), [`${text},`], ctx.eol);
  }
  const at = rangeOfNode(last).end;
  return { range: { start: at, end: { ...at } }, newText: `, ${text}` };
}

export function checkOrtSessionOptions(ctx: PythonRuleContext): Finding[] {
  const ids = ctx.index.named('InferenceSession');
  if (ids.length === 0) return [];
  const findings: Finding[] = [];
  for (const id of ids) {
    const call = id.parent?.type === 'attribute' ? methodCallOf(id) : id.parent?.type === 'call' ? id.parent : null;
    if (!call || call.childForFieldName('function')?.id !== (id.parent?.type === 'attribute' ? id.parent.id : id.id)) continue;
    if (ctx.imports.qualifiedName(call) !== 'onnxruntime.InferenceSession') continue;
    const args = argsOf(call);
    if (args.length === 0 || args.some((a) => a.type === 'list_splat' || a.type === 'dictionary_splat')) continue;
    const kw = keywordArg(call, 'sess_options');
    const opts = kw ? unparen(kw.childForFieldName('value')) : (positionalArgs(call)[1] ?? null);
    const callee = call.childForFieldName('function')!;
    const base = { code: ORT_SESSION_OPTIONS_CODE, severity: 'information' as const, range: rangeOfNode(call), docs: docsLink(ORT_SESSION_OPTIONS_CODE) };

    if (!opts) {
      let fixes: Fix[] = [];
      const stmt = enclosingStatement(call);
      const name = freeName(ctx, call);
      const spelled = stmt && name ? ortSpelling(ctx, callee, call) : undefined;
      if (stmt && name && spelled && startsLine(ctx.source, stmt) && stmt.type !== 'while_statement') {
        const kwEdit = addKeywordEdit(ctx, call, name);
        if (kwEdit) {
          const lines = [`${name} = ${spelled.ort}.SessionOptions()`, ...settingLines(name, spelled.ort, new Set(['graph_optimization_level', 'intra_op_num_threads', 'execution_mode']))];
          fixes = [
            {
              title: 'Create SessionOptions with explicit threading and optimization level',
              safety: 'unsafe',
              edits: [insertLinesBefore(stmt.startPosition.row, indentOf(ctx.source, stmt), lines, ctx.eol), kwEdit],
              imports: spelled.imports,
            },
          ];
        }
      }
      findings.push({
        ...base,
        message: `onnxruntime.InferenceSession is created without SessionOptions. ${WHY}`,
        related: [],
        fixes,
      });
      continue;
    }
    if (opts.type !== 'identifier') continue;
    const v = optionsVariable(ctx, opts.text, call);
    if (!v || KEY_SETTINGS.some((k) => v.set.has(k))) continue;
    const missing = new Set(['graph_optimization_level', 'intra_op_num_threads', 'execution_mode'].filter((k) => !v.set.has(k)));
    let fixes: Fix[] = [];
    const stmt = v.creation.parent!;
    const rhs = unparen(v.creation.childForFieldName('right'))!;
    const spelled = ortSpelling(ctx, rhs.childForFieldName('function')!, v.creation);
    if (spelled && startsLine(ctx.source, stmt) && endsLine(ctx.source, stmt)) {
      fixes = [
        {
          title: `Set threading and optimization level on ${opts.text}`,
          safety: 'unsafe',
          edits: [insertLinesAfter(ctx.source, stmt, indentOf(ctx.source, stmt), settingLines(opts.text, spelled.ort, missing), ctx.eol)],
          imports: spelled.imports,
        },
      ];
    }
    findings.push({
      ...base,
      message: `The SessionOptions ${opts.text} set neither graph_optimization_level nor intra_op_num_threads / inter_op_num_threads. ${WHY}`,
      related: [{ range: rangeOfNode(v.creation), message: 'SessionOptions created here' }],
      fixes,
    });
  }
  return findings;
}

/**
 * LAT108 — onnxruntime-node session created without explicit optimisation / threading options
 * (JavaScript / TypeScript; information).
 *
 * Precise rule: `InferenceSession.create(model)` resolving (through the file's imports) to
 * `onnxruntime-node` — onnxruntime-web has no `intraOpNumThreads` — called with one argument,
 * or with two whose second is an object literal (no spread) that sets none of
 * `graphOptimizationLevel`, `intraOpNumThreads`, `interOpNumThreads`. An options argument that is
 * not a literal (a variable, a call), a spread, or the `(buffer, byteOffset, …)` form is never
 * reported: what it sets is not known here.
 *
 * Fix (unsafe: graph optimisation level `all` may change results in the last bits, and one
 * intra-op thread can be slower for large models on many cores): add the options object
 * `{ graphOptimizationLevel: 'all', intraOpNumThreads: 1, executionMode: 'sequential' }`, or
 * add the missing ones of those keys to the existing literal (first, keeping its layout).
 * When the call sits in a request handler that LAT002 would hoist, the finding has no fix
 * (the edits would overlap); it gets one on the hoisted call.
 */
import type { Node } from '@vscode/tree-sitter-wasm';
import { docsLink, type Finding, type Fix, type TextEdit } from '../findings';
import { pointRange } from '../pyEdit';
import type { Rule, ScriptRuleContext } from '../rule';
import { coldStartHits } from './scriptColdStart';
import { children, indentOf, rangeOf, sessionCreateCalls, startsLine } from './scriptShared';

export const SCRIPT_SESSION_OPTIONS_CODE = 'LAT108';

const TUNING_KEYS = new Set(['graphOptimizationLevel', 'intraOpNumThreads', 'interOpNumThreads']);

function keyName(prop: Node): string | undefined {
  if (prop.type === 'shorthand_property_identifier') return prop.text;
  if (prop.type !== 'pair') return undefined;
  const key = prop.childForFieldName('key');
  if (!key) return undefined;
  if (key.type === 'property_identifier') return key.text;
  if (key.type === 'string') return key.text.slice(1, -1);
  return undefined;
}

function quoteOf(call: Node): string {
  const t = call.text;
  return t.includes('"') && !t.includes("'") ? '"' : "'";
}

function additions(q: string, present: ReadonlySet<string>): string[] {
  const all: [string, string][] = [
    ['graphOptimizationLevel', `${q}all${q}`],
    ['intraOpNumThreads', '1'],
    ['executionMode', `${q}sequential${q}`],
  ];
  return all.filter(([k]) => !present.has(k)).map(([k, v]) => `${k}: ${v}`);
}

export function checkScriptSessionOptions(ctx: ScriptRuleContext): Finding[] {
  const calls = sessionCreateCalls(ctx).filter((c) => ctx.imports.qualifiedName(c) === 'onnxruntime-node.InferenceSession.create');
  if (calls.length === 0) return [];
  let hoisted: Set<number> | undefined;
  const findings: Finding[] = [];
  for (const call of calls) {
    const argsNode = call.childForFieldName('arguments');
    const args = children(argsNode);
    if (args.length === 0 || args.length > 2 || args.some((a) => a.type === 'spread_element')) continue;
    const q = quoteOf(call);
    let range = rangeOf(call.childForFieldName('function')!);
    let edit: TextEdit;
    if (args.length === 1) {
      const end = args[0]!;
      edit = { range: pointRange({ line: end.endPosition.row, character: end.endPosition.column }), newText: `, { ${additions(q, new Set()).join(', ')} }` };
    } else {
      const obj = args[1]!;
      if (obj.type !== 'object') continue;
      const props = children(obj);
      if (props.some((p) => p.type === 'spread_element')) continue;
      const present = new Set(props.map(keyName).filter((k): k is string => !!k));
      if ([...TUNING_KEYS].some((k) => present.has(k))) continue;
      range = rangeOf(obj);
      const add = additions(q, present);
      const first = obj.namedChildren.find((c) => c !== null) ?? null;
      if (!first) {
        edit = { range: rangeOf(obj), newText: `{ ${add.join(', ')} }` };
      } else if (first.startPosition.row > obj.startPosition.row && startsLine(ctx.source, first)) {
        const indent = indentOf(ctx.source, first);
        edit = { range: pointRange({ line: first.startPosition.row, character: 0 }), newText: add.map((a) => `${indent}${a},${ctx.eol}`).join('') };
      } else {
        edit = { range: pointRange({ line: first.startPosition.row, character: first.startPosition.column }), newText: add.map((a) => `${a}, `).join('') };
      }
    }
    hoisted ??= new Set(coldStartHits(ctx).filter((h) => h.fix).map((h) => h.call.id));
    const fix: Fix | undefined = hoisted.has(call.id)
      ? undefined
      : {
          title: 'Set graphOptimizationLevel, intraOpNumThreads and executionMode explicitly',
          safety: 'unsafe',
          edits: [edit],
          imports: [],
        };
    findings.push({
      code: SCRIPT_SESSION_OPTIONS_CODE,
      severity: 'information',
      range,
      message:
        'InferenceSession.create() sets neither graphOptimizationLevel nor intraOpNumThreads / interOpNumThreads, so onnxruntime-node picks its ' +
        'thread pools from the machine: on 2-vCPU VMs small models showed a run-to-run CV of 10–200% with the default threading against ' +
        '10–20% with intraOpNumThreads: 1 in our measurements. Setting them explicitly makes latency reproducible; the gain and the ' +
        'variance depend on model and machine (one thread can be slower for a large model on many cores) — measure yours.' +
        (fix ? '' : ' (No quick fix here while LAT002 would move this call out of the handler.)'),
      docs: docsLink(SCRIPT_SESSION_OPTIONS_CODE),
      related: [],
      fixes: fix ? [fix] : [],
    });
  }
  return findings;
}

export const SCRIPT_SESSION_OPTIONS: Rule = {
  code: SCRIPT_SESSION_OPTIONS_CODE,
  id: 'ort-session-options',
  title: 'onnxruntime session without explicit optimisation and threading options',
  kind: 'optimization',
  defaultSeverity: 'information',
  checkScript: checkScriptSessionOptions,
};

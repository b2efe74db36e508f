/**
 * LAT109 — a model too large for one device loaded onto one device.
 *
 * Flags a transformers `from_pretrained` (PyTorch model class) whose model id — a string
 * literal argument, or a module-level name assigned one string literal once — names ≥30B
 * parameters (`70b`, `70B`, `405B`, `34b`, `8x7b` → 56B; the MoE active count `-A3B` is not a
 * size), adjusted for precision (weights ≥ 60 GB: 30B at 16 bits, 60B at 8 bits, 120B at 4
 * bits; 8/4-bit from `load_in_8bit` / `load_in_4bit` / `quantization_config` or an AWQ / GPTQ /
 * 4bit / int8 / fp8 checkpoint name), when it is loaded
 * - without `device_map=` (and without `tp_plan=` or `**kwargs`), or
 * - with a single-device `device_map` (`"cuda"`, `"cuda:0"`, `0`, `torch.device(...)`,
 *   `{"": 0}`), or
 * - moved with `.to(...)` / `.cuda()`.
 *
 * Fix (unsafe: needs accelerate, changes placement and memory): add `device_map="auto"` — only
 * when there is no `device_map` and the model is not moved with `.to` / `.cuda`.
 */
import type { Node } from '@vscode/tree-sitter-wasm';
import { docsLink, type Finding, type Fix } from '../findings';
import { rangeOfNode } from '../pyEdit';
import { addKeywordArgument, type ArgList, argsOf, findModelLoads, loadRange, modelFacts, modelIdOf, parameterBillions, stringValue } from '../pyModels';
import type { PythonRuleContext, Rule } from '../rule';

export const MODEL_PARALLELISM_CODE = 'LAT109';

const SHARDING = new Set(['auto', 'balanced', 'balanced_low_0', 'sequential']);

/** Whether a device_map value puts the whole model on one device. */
function singleDevice(ctx: PythonRuleContext, v: Node): boolean {
  const s = stringValue(v);
  if (s !== undefined) return !SHARDING.has(s.trim().toLowerCase());
  if (v.type === 'integer') return true;
  if (v.type === 'call') return ctx.imports.qualifiedName(v) === 'torch.device';
  if (v.type === 'dictionary') {
    const pairs = v.namedChildren.filter((c): c is Node => !!c && c.type !== 'comment');
    if (pairs.length !== 1 || pairs[0]!.type !== 'pair') return false;
    return stringValue(pairs[0]!.childForFieldName('key')) === '';
  }
  return false;
}

/** Bytes per parameter: from quantization arguments, the checkpoint name, or the dtype (16-bit by default). */
function bytesPerParam(ctx: PythonRuleContext, args: ArgList, modelId: string): number {
  const id = modelId.toLowerCase();
  if (args.keyword('load_in_4bit') || args.keyword('quantization_config') || /awq|gptq|4bit|int4|nf4|bnb|gguf|exl2|w4a16/.test(id)) return 0.5;
  if (args.keyword('load_in_8bit') || /8bit|int8|fp8|w8a8/.test(id)) return 1;
  const dt = args.value('torch_dtype') ?? args.value('dtype');
  if (dt) {
    const q = ctx.imports.qualifiedName(dt) ?? stringValue(dt) ?? '';
    if (/(^|\.)(float32|float)$/.test(q)) return 4;
  }
  return 2;
}

const fmt = (n: number): string => (Number.isInteger(n) ? String(n) : n.toFixed(1));

export function checkModelParallelism(ctx: PythonRuleContext): Finding[] {
  const findings: Finding[] = [];
  for (const load of findModelLoads(ctx)) {
    if (load.source !== 'transformers' || !load.args) continue;
    const args = load.args;
    const al = argsOf(ctx, args);
    if (al.splat || al.keyword('tp_plan')) continue;
    const model = modelIdOf(ctx, load);
    if (!model) continue;
    const billions = parameterBillions(model.id);
    if (billions === undefined) continue;
    const bytes = bytesPerParam(ctx, al, model.id);
    const gb = billions * bytes;
    if (gb < 60) continue;
    const dm = al.value('device_map');
    const moves = modelFacts(ctx, load).devices.filter((d) => d.node.type === 'call');
    let where: string;
    let related: Node | undefined;
    let fixable = false;
    if (dm) {
      if (!singleDevice(ctx, dm)) continue;
      where = `device_map=${dm.text} puts it on a single device`;
      related = dm;
    } else if (moves.length > 0) {
      where = 'it is moved to one device with .to() / .cuda()';
      related = moves[0]!.node;
    } else {
      where = 'it is loaded without device_map, all on one device';
      fixable = true;
    }
    let fix: Fix | undefined;
    if (fixable) {
      const edits = addKeywordArgument(ctx, args, 'device_map="auto"');
      if (edits) fix = { title: 'Shard across the GPUs with device_map="auto" (needs accelerate)', safety: 'unsafe', edits, imports: [] };
    }
    const bits = bytes === 0.5 ? '4-bit' : bytes === 1 ? '8-bit' : bytes === 4 ? 'float32' : '16-bit';
    const inCall = al.positional.some((a) => a.id === model.node.id) || al.value('pretrained_model_name_or_path')?.id === model.node.id;
    findings.push({
      code: MODEL_PARALLELISM_CODE,
      severity: 'hint',
      range: rangeOfNode(inCall && model.node.type === 'string' ? model.node : loadRange(load)),
      message:
        `${model.id} has about ${fmt(billions)}B parameters (≈${Math.round(gb)} GB of ${bits} weights) and ${where}: one device's ` +
        'memory is likely insufficient, or saturated with no room left for the KV cache and activations. Shard it with ' +
        'device_map="auto" (needs accelerate; splits the layers across the visible GPUs) or serve it with tensor parallelism ' +
        '(e.g. vLLM tensor_parallel_size) — latency differs between the two, so measure yours.',
      docs: docsLink(MODEL_PARALLELISM_CODE),
      related: related ? [{ range: rangeOfNode(related), message: 'single-device placement' }] : [],
      fixes: fix ? [fix] : [],
    });
  }
  return findings;
}

export const MODEL_PARALLELISM: Rule = {
  code: MODEL_PARALLELISM_CODE,
  id: 'model-parallelism',
  title: 'Model too large for one device loaded onto one device',
  kind: 'optimization',
  defaultSeverity: 'hint',
  checkPython: checkModelParallelism,
};

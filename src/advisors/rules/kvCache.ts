/**
 * LAT107 — KV cache turned off for generation (Python).
 *
 * Flags `use_cache=False` where it slows decoding:
 * - passed to `<x>.generate(...)` in a file that imports transformers;
 * - passed to `<transformers>.<...>ForCausalLM.from_pretrained(...)` (or set as
 *   `model.config.use_cache = False` / `model.generation_config.use_cache = False`) for a model
 *   the same file calls `.generate(...)` on, unless the file enables gradient checkpointing
 *   (training scripts need `use_cache=False` there) or sets `use_cache = True` elsewhere;
 * - passed to `transformers.GenerationConfig(...)`.
 * Anchored on the identifier `use_cache`: comments and strings never match.
 *
 * Fix (unsafe: the cache costs memory): delete the argument (with its comma / line), or set the
 * attribute to `True`.
 */
import type { Node } from '@vscode/tree-sitter-wasm';
import { docsLink, type Finding, type Fix } from '../findings';
import { causalLmGenerateCalls, causalLms, importsTransformers, removeArgumentEdit, resolveCausalLm } from '../pyGeneration';
import { unparen } from '../nodes';
import { rangeOfNode } from '../pyEdit';
import type { PythonRuleContext } from '../rule';

export const KV_CACHE_CODE = 'LAT107';

const WHY =
  'each new token then re-runs attention over the whole prefix (prompt + tokens so far) instead of reusing cached keys/values, so per-token cost grows with length and a whole generation is quadratic';
const ADVICE =
  'Keep the cache (the default is use_cache=True); it costs memory (layers × batch × length), which paged-KV-cache servers (vLLM, TGI) manage when serving many sequences. The gain grows with output length — measure it on your prompts.';

function trainingFile(ctx: PythonRuleContext): boolean {
  if (ctx.index.named('gradient_checkpointing_enable').length > 0) return true;
  return ctx.index.named('gradient_checkpointing').some((id) => {
    const p = id.parent;
    return !!p && p.type === 'keyword_argument' && p.childForFieldName('value')?.type === 'true';
  });
}

export function checkKvCache(ctx: PythonRuleContext): Finding[] {
  const ids = ctx.index.named('use_cache');
  if (ids.length === 0) return [];
  const findings: Finding[] = [];
  let generates: ReturnType<typeof causalLmGenerateCalls> | undefined;
  const generateCallsOf = (load: Node): Node[] => {
    generates ??= causalLmGenerateCalls(ctx);
    return generates.filter((g) => g.lm.load.id === load.id).map((g) => g.call);
  };
  let training: boolean | undefined;
  const isTraining = (): boolean => (training ??= trainingFile(ctx));
  const enabledElsewhere = (): boolean =>
    ids.some((id) => {
      const p = id.parent;
      if (!p) return false;
      if (p.type === 'keyword_argument') return p.childForFieldName('value')?.type === 'true';
      const asg = p.parent;
      return p.type === 'attribute' && !!asg && asg.type === 'assignment' && asg.childForFieldName('right')?.type === 'true';
    });
  const fixOf = (title: string, edit: Fix['edits'][number] | undefined): Fix[] =>
    edit ? [{ title, safety: 'unsafe', edits: [edit], imports: [] }] : [];
  const related = (calls: Node[]): Finding['related'] => calls.map((c) => ({ range: rangeOfNode(c), message: 'the model generates here' }));

  for (const id of ids) {
    const p = id.parent;
    if (!p) continue;
    if (p.type === 'keyword_argument' && p.childForFieldName('name')?.id === id.id) {
      if (unparen(p.childForFieldName('value'))?.type !== 'false') continue;
      const call = p.parent?.parent;
      if (!call || call.type !== 'call') continue;
      const fn = call.childForFieldName('function');
      const fnName = fn?.type === 'attribute' ? fn.childForFieldName('attribute')?.text : fn?.text;
      let message: string | undefined;
      let rel: Finding['related'] = [];
      if (fnName === 'generate' && fn?.type === 'attribute' && importsTransformers(ctx)) {
        message = `use_cache=False in generate(): ${WHY}. ${ADVICE}`;
      } else if (fnName === 'from_pretrained' && fn?.type === 'attribute') {
        const lm = causalLms(ctx).find((l) => l.load.id === call.id);
        if (!lm || isTraining()) continue;
        const gens = generateCallsOf(lm.load);
        if (gens.length === 0) continue;
        message = `use_cache=False when loading a causal LM that this file uses with generate(): ${WHY}. ${ADVICE}`;
        rel = related(gens);
      } else if (ctx.imports.qualifiedName(call) === 'transformers.GenerationConfig') {
        message = `GenerationConfig(use_cache=False): ${WHY}. ${ADVICE}`;
      } else continue;
      findings.push({
        code: KV_CACHE_CODE,
        severity: 'information',
        range: rangeOfNode(p),
        message,
        docs: docsLink(KV_CACHE_CODE),
        related: rel,
        fixes: fixOf('Remove use_cache=False (keep the KV cache)', removeArgumentEdit(ctx.source, p)),
      });
      continue;
    }
    // model.config.use_cache = False / model.generation_config.use_cache = False
    if (p.type !== 'attribute' || p.childForFieldName('attribute')?.id !== id.id) continue;
    const asg = p.parent;
    if (!asg || asg.type !== 'assignment' || asg.childForFieldName('left')?.id !== p.id) continue;
    const value = asg.childForFieldName('right');
    if (value?.type !== 'false') continue;
    const cfg = p.childForFieldName('object');
    if (!cfg || cfg.type !== 'attribute') continue;
    const cfgName = cfg.childForFieldName('attribute')?.text;
    if (cfgName !== 'config' && cfgName !== 'generation_config') continue;
    const receiver = cfg.childForFieldName('object');
    if (!receiver || isTraining() || enabledElsewhere()) continue;
    // The receiver must be a causal LM that generates in this file.
    const lm = resolveCausalLm(ctx, receiver, asg);
    const gens = lm ? generateCallsOf(lm.load) : [];
    if (gens.length === 0) continue;
    findings.push({
      code: KV_CACHE_CODE,
      severity: 'information',
      range: rangeOfNode(asg),
      message: `${p.text} = False on a causal LM that this file uses with generate(): ${WHY}. ${ADVICE}`,
      docs: docsLink(KV_CACHE_CODE),
      related: related(gens),
      fixes: fixOf('Set use_cache = True (keep the KV cache)', { range: rangeOfNode(value), newText: 'True' }),
    });
  }
  return findings;
}

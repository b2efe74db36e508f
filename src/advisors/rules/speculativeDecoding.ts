/**
 * LAT106 — greedy / low-temperature generation without speculative decoding (Python).
 *
 * Flags `<m>.generate(...)` where `<m>` resolves (through imports and the assignment in the same
 * scope, or `self.<m>` in the same class) to `<transformers>.<...>ForCausalLM.from_pretrained(...)`,
 * and the call
 * - passes neither `assistant_model=`, `prompt_lookup_num_tokens=`, `assistant_early_exit=` nor
 *   `generation_config=` (which may carry them);
 * - has no `**splat` other than a tokenizer / processor output (`**inputs` where
 *   `inputs = tokenizer(...)` in the same function), since a kwargs dict may carry them;
 * - decodes greedily (`do_sample` absent or `False`), or samples at a literal `temperature` ≤ 0.5;
 * - has no beam search (`num_beams` absent or 1): assisted generation does not support it.
 * Hint only: the draft model is a choice the user makes. No edit fix; the message carries a snippet.
 */
import type { Node } from '@vscode/tree-sitter-wasm';
import { docsLink, type Finding } from '../findings';
import { argsOf, causalLmGenerateCalls, keywordValue, scopeLookup } from '../pyGeneration';
import { unparen } from '../nodes';
import { rangeOfNode } from '../pyEdit';
import type { PythonRuleContext } from '../rule';

export const SPECULATIVE_DECODING_CODE = 'LAT106';

const SPECULATIVE_KWARGS = ['assistant_model', 'prompt_lookup_num_tokens', 'assistant_early_exit', 'generation_config', 'custom_generate', 'draft_model'];

/** Whether `**x` is the output of a tokenizer / processor call (`x = tok(...)`, `.to(dev)` allowed) in the same function. */
function isTokenizerOutput(ctx: PythonRuleContext, splat: Node, call: Node): boolean {
  const x = unparen(splat.namedChild(0));
  if (!x || x.type !== 'identifier') return false;
  const fn = scopeLookup(ctx.index, ctx.root).functionOf(call);
  const scope = fn ?? ctx.root;
  const ids = ctx.index.identifiers([x.text], scope.startIndex, scope.endIndex).get(x.text) ?? [];
  let found = false;
  for (const id of ids) {
    const p = id.parent;
    if (!p || p.type !== 'assignment' || p.childForFieldName('left')?.id !== id.id) continue;
    let rhs = unparen(p.childForFieldName('right'));
    // Strip `.to(device)` and friends.
    while (rhs && rhs.type === 'call') {
      const f = rhs.childForFieldName('function');
      if (f?.type === 'attribute' && ['to', 'cuda'].includes(f.childForFieldName('attribute')?.text ?? '')) {
        rhs = unparen(f.childForFieldName('object'));
        continue;
      }
      break;
    }
    if (!rhs || rhs.type !== 'call') return false;
    const callee = rhs.childForFieldName('function')?.text ?? '';
    if (!/(^|\.)(\w*tokeni[sz]er\w*|tok|processor|\w*_processor)(\.(apply_chat_template|__call__|encode_plus|batch_encode_plus))?$/i.test(callee)) return false;
    found = true;
  }
  return found;
}

function numberValue(n: Node | null): number | undefined {
  n = unparen(n);
  if (!n || (n.type !== 'float' && n.type !== 'integer')) return undefined;
  const v = Number(n.text.replace(/_/g, ''));
  return Number.isFinite(v) ? v : undefined;
}

export function checkSpeculativeDecoding(ctx: PythonRuleContext): Finding[] {
  const findings: Finding[] = [];
  for (const { call, lm } of causalLmGenerateCalls(ctx)) {
    const args = argsOf(call);
    if (args.some((a) => a.type === 'list_splat')) continue;
    if (args.some((a) => a.type === 'keyword_argument' && SPECULATIVE_KWARGS.includes(a.childForFieldName('name')?.text ?? ''))) continue;
    if (args.some((a) => a.type === 'dictionary_splat' && !isTokenizerOutput(ctx, a, call))) continue;
    const beams = keywordValue(call, 'num_beams');
    if (beams && numberValue(beams) !== 1) continue;
    const doSample = unparen(keywordValue(call, 'do_sample'));
    let mode: string;
    if (!doSample) mode = "no do_sample=True here: greedy unless the checkpoint's generation_config samples";
    else if (doSample.type === 'false') mode = 'greedy decoding';
    else if (doSample.type === 'true') {
      const t = numberValue(keywordValue(call, 'temperature'));
      if (t === undefined || t > 0.5) continue;
      mode = `sampling at temperature ${t}`;
    } else continue;
    const model = unparen(call.childForFieldName('function')!.childForFieldName('object'))!.text;
    findings.push({
      code: SPECULATIVE_DECODING_CODE,
      severity: 'hint',
      range: rangeOfNode(call),
      message:
        `${model}.generate() runs one full forward pass of the model per new token (${mode}). ` +
        'Speculative decoding lets a cheap draft propose several tokens that the model verifies in one pass, ' +
        (mode === 'greedy decoding'
          ? 'with the same output as greedy decoding (up to floating-point ties). '
          : doSample
            ? 'keeping the sampling distribution. '
            : 'keeping the greedy output, or the sampling distribution when sampling. ') +
        'Try a smaller model of the same family (same tokenizer) as draft: ' +
        '`assistant = AutoModelForCausalLM.from_pretrained("<smaller model of the same family>")` then ' +
        `\`${model}.generate(**inputs, assistant_model=assistant)\`; ` +
        'or, when the output copies from the input (summaries, RAG answers, code edits), `prompt_lookup_num_tokens=10` with no draft model. ' +
        'transformers supports it for batch size 1 and no beam search; the speed-up depends on how many drafted tokens are accepted — measure it.',
      docs: docsLink(SPECULATIVE_DECODING_CODE),
      related: [{ range: rangeOfNode(lm.load), message: 'causal LM loaded here' }],
      fixes: [],
    });
  }
  return findings;
}

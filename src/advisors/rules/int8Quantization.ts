/**
 * LAT103 — a Linear-heavy PyTorch model served on the CPU without dynamic INT8 quantization.
 *
 * Flags a bound model load (see `pyModels.ts`) that
 * - is Linear-heavy: a transformers model with attention (encoders, decoders, ViTs), a
 *   torchvision ViT / Swin, or an `nn.Module` class of the file with ≥2 `nn.Linear` layers;
 * - certainly runs on the CPU: no placement that may be a GPU (`.to(x)`, `.cuda()`,
 *   `device_map=`, `device=`), and either an explicit CPU placement or no GPU mentioned in
 *   the file at all;
 * - is used for inference (called, `.forward`, `.generate`);
 * - is float32 (no 16-bit `torch_dtype`, `.half()`, `.bfloat16()`), not quantized (no
 *   `load_in_8bit` / `load_in_4bit` / `quantization_config`, never passed to a `*quantiz*`
 *   call), not exported (TorchScript / ONNX / …) and not trained in the file.
 *
 * Fix (unsafe: INT8 changes the outputs): after the load (and the `.eval()` / `.to()` lines
 * that directly follow it) insert
 * `name = torch.quantization.quantize_dynamic(name, {torch.nn.Linear}, dtype=torch.qint8)`.
 */
import { docsLink, type Finding, type Fix } from '../findings';
import { pythonNameFor, rangeOfNode } from '../pyEdit';
import { afterLoadStatement, findModelLoads, insertStatementAfter, loadRange, modelFacts, runsOnCpu } from '../pyModels';
import type { PythonRuleContext, Rule } from '../rule';

export const INT8_QUANTIZATION_CODE = 'LAT103';

export function checkInt8Quantization(ctx: PythonRuleContext): Finding[] {
  const findings: Finding[] = [];
  for (const load of findModelLoads(ctx)) {
    const b = load.binding;
    if (!b || !load.linearHeavy) continue;
    const f = modelFacts(ctx, load);
    if (!f.inference || f.quantized || f.half || f.exported || f.training || f.rebound) continue;
    const cpu = runsOnCpu(ctx, load);
    if (!cpu.cpu) continue;
    let fix: Fix | undefined;
    const place = afterLoadStatement(ctx, load);
    const torch = place && pythonNameFor(ctx.source, ctx.root, ctx.imports, b.statement, 'torch');
    if (place && torch) {
      const t = torch.spelling;
      fix = {
        title: 'Quantize the nn.Linear layers to INT8 with quantize_dynamic (verify accuracy)',
        safety: 'unsafe',
        edits: [insertStatementAfter(ctx, place.after, place.indent, `${b.text} = ${t}.quantization.quantize_dynamic(${b.text}, {${t}.nn.Linear}, dtype=${t}.qint8)`)],
        imports: torch.import ? [torch.import] : [],
      };
    }
    const related = [{ range: rangeOfNode(f.inference), message: `${b.text} is used for inference here` }];
    if (cpu.evidence) related.push({ range: rangeOfNode(cpu.evidence), message: 'placed on the CPU here' });
    findings.push({
      code: INT8_QUANTIZATION_CODE,
      severity: 'information',
      range: rangeOfNode(loadRange(load)),
      message:
        `${b.text} (${load.className}) runs on the CPU in float32 and is not quantized: dynamic INT8 quantization of its nn.Linear layers ` +
        '(torch.quantization.quantize_dynamic) can lower CPU latency, but the gain depends on the model and the thread count — ' +
        "ONNX Runtime's dynamic INT8 measured 1.13× faster on a small transformer at 2 threads and 0.95× (slower) at 16, so measure yours. " +
        'INT8 changes the outputs slightly: verify accuracy.',
      docs: docsLink(INT8_QUANTIZATION_CODE),
      related,
      fixes: fix ? [fix] : [],
    });
  }
  return findings;
}

export const INT8_QUANTIZATION: Rule = {
  code: INT8_QUANTIZATION_CODE,
  id: 'int8-quantization',
  title: 'Linear-heavy model served on the CPU without dynamic INT8 quantization',
  kind: 'optimization',
  defaultSeverity: 'information',
  checkPython: checkInt8Quantization,
};

// The harness-overhead part of `npm run bench:python`: what the shipped Python harness adds to
// each call, against the plainest timing loop in the same interpreter. A no-op function is timed
// through the real harness (runPythonBenchmark: batching, flushes, the stop check, the JSON
// stream) and by a bare loop script doing only `t0 = pc(); f(); t1 = pc(); append(t1 - t0)`,
// alternately, a few rounds; the goal is under 2 µs per call. The interpreter is
// $LATENCY_PYTHON, else python3 on PATH (the harness needs only the standard library).

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mergeConfig } from '../../src/core/config';
import { median } from '../../src/core/stats';
import { runPythonBenchmark } from '../../src/profiler/pythonBenchmark';

const ITERATIONS = 200_000;
const WARMUP = 10_000;
const ROUNDS = 3;
const GOAL_US = 2;

const NOOP = 'def noop():\n    pass\n';

/** The baseline: the same clock as the harness (perf_counter_ns), the same function, nothing else. */
const BARE = `
import json, sys, time
sys.path.insert(0, sys.argv[1])
from noop import noop as f
n, warm = int(sys.argv[2]), int(sys.argv[3])

def loop(pc, count):
    samples = []
    append = samples.append
    start = pc()
    for _ in range(count):
        t0 = pc(); f(); t1 = pc(); append(t1 - t0)
    return pc() - start, samples

loop(time.perf_counter_ns, warm)
wall, samples = loop(time.perf_counter_ns, n)
samples.sort()
# The float clock too, for reference: what a hand-written perf_counter() loop would report.
fwall, fsamples = loop(time.perf_counter, n)
fsamples.sort()
print(json.dumps({'wallNs': wall, 'p50Ns': samples[n // 2], 'floatWallNs': fwall * 1e9, 'floatP50Ns': fsamples[n // 2] * 1e9}))
`;

interface Figures {
  /** Wall time of the measured calls ÷ their count, µs. */
  wallUs: number;
  p50Us: number;
}

function python(): string {
  return process.env.LATENCY_PYTHON || 'python3';
}

function runBare(dir: string): Promise<Figures & { floatWallUs: number; floatP50Us: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(python(), [join(dir, 'bare.py'), dir, String(ITERATIONS), String(WARMUP)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`bare loop failed (exit ${code}): ${err.trim()}`));
      const r = JSON.parse(out) as { wallNs: number; p50Ns: number; floatWallNs: number; floatP50Ns: number };
      resolve({ wallUs: r.wallNs / ITERATIONS / 1e3, p50Us: r.p50Ns / 1e3, floatWallUs: r.floatWallNs / ITERATIONS / 1e3, floatP50Us: r.floatP50Ns / 1e3 });
    });
  });
}

async function runHarness(dir: string): Promise<Figures & { version: string }> {
  const r = await runPythonBenchmark(
    { spec: { kind: 'python', file: join(dir, 'noop.py'), function: 'noop', interpreter: python() }, config: mergeConfig({ iterations: ITERATIONS, warmup: WARMUP }) },
    { isCancelled: () => false },
  );
  const s = r.summary;
  if (!s || r.partial) throw new Error(`the harness run did not complete: ${r.partialReason ?? 'no summary'}`);
  return { wallUs: 1e6 / s.throughputPerSec, p50Us: s.p50Ms * 1e3, version: `${r.environment.python?.executable} (Python ${r.environment.python?.version})` };
}

const us = (x: number): string => `${x.toFixed(3)} µs`;

export async function benchPythonHarness(log: (line: string) => void): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'latency-bench-python-'));
  try {
    writeFileSync(join(dir, 'noop.py'), NOOP);
    writeFileSync(join(dir, 'bare.py'), BARE);
    log(`Python harness overhead: a no-op function, ${ITERATIONS.toLocaleString('en-US')} measured calls (after ${WARMUP.toLocaleString('en-US')} warm-up), ${ROUNDS} rounds, harness and bare loop alternating`);
    const overheads: number[] = [];
    const p50Diffs: number[] = [];
    const ratios: number[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const harness = await runHarness(dir);
      const bare = await runBare(dir);
      if (round === 1) log(`  interpreter: ${harness.version}`);
      const overhead = harness.wallUs - bare.wallUs;
      overheads.push(overhead);
      p50Diffs.push(harness.p50Us - bare.p50Us);
      ratios.push(harness.wallUs / bare.wallUs);
      log(
        `  round ${round}: harness ${us(harness.wallUs)}/call wall (p50 ${us(harness.p50Us)}); bare perf_counter_ns loop ${us(bare.wallUs)}/call (p50 ${us(bare.p50Us)}); ` +
          `overhead ${us(overhead)}/call (×${(harness.wallUs / bare.wallUs).toFixed(2)} the bare loop's wall), p50 ${(harness.p50Us - bare.p50Us >= 0 ? '+' : '')}${us(harness.p50Us - bare.p50Us)}; ` +
          `bare perf_counter() float loop ${us(bare.floatWallUs)}/call (p50 ${us(bare.floatP50Us)})`,
      );
    }
    const overhead = median(overheads);
    log(
      `  median over ${ROUNDS} rounds: overhead ${us(overhead)} per call (×${median(ratios).toFixed(2)} the bare loop), p50 difference ${us(median(p50Diffs))}; ` +
        `goal < ${GOAL_US} µs: ${overhead < GOAL_US ? 'met' : 'NOT met'}`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

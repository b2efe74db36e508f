// npm run bench:python — the Python-function harness and the command target against their
// baselines, each measured in the same run: (1) the harness's cost per call against a bare
// time.perf_counter() loop in the same interpreter (goal: under 2 µs); (2) the command target
// against hyperfine on the same commands (goal: means within 2%, per-run overhead no worse).

import { benchCommandVsHyperfine } from './bench/commandVsHyperfine';
import { benchPythonHarness } from './bench/pythonHarness';

async function main(): Promise<void> {
  const log = (line: string) => process.stdout.write(`${line}\n`);
  const only = process.argv[2];
  if (only !== 'command') {
    log('== Python harness overhead ==');
    await benchPythonHarness(log);
  }
  if (only !== 'python') {
    log('');
    log('== Command target vs hyperfine ==');
    await benchCommandVsHyperfine(log);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:python failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});

// The interpreter the Python tests run: the first of $LATENCY_TEST_PYTHON, /usr/bin/python3 and
// python3 (on PATH) that can `import numpy, torch`. The tests need real numpy and torch (CPU is
// enough); without them they fail rather than skip, so a missing dependency is never mistaken
// for a pass.

import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './dist';

export const PYTHON_FIXTURES = join(ROOT, 'test', 'fixtures', 'python');

let chosen: string | undefined;

export function testPython(): string {
  if (chosen) return chosen;
  const candidates = [process.env.LATENCY_TEST_PYTHON, '/usr/bin/python3', 'python3'].filter((c): c is string => !!c);
  const tried: string[] = [];
  for (const candidate of candidates) {
    if (candidate.includes('/') && !existsSync(candidate)) {
      tried.push(`${candidate}: not found`);
      continue;
    }
    const r = spawnSync(candidate, ['-c', 'import numpy, torch'], { encoding: 'utf8', timeout: 60_000 });
    if (r.status === 0) return (chosen = candidate);
    tried.push(`${candidate}: ${r.error ? r.error.message : (r.stderr.trim().split('\n').pop() ?? `exit ${r.status}`)}`);
  }
  throw new Error(
    'No Python interpreter with numpy and torch for the Python tests. Set LATENCY_TEST_PYTHON, or install ' +
      'them as CI does (Debian: apt-get install python3-numpy python3-torch). Tried:\n  ' +
      tried.join('\n  '),
  );
}

/** Whether a process (or, with a negative id, a process group) still exists. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The ids of running processes whose command line mentions `needle` (Linux /proc; [] elsewhere):
 * how a test finds harness processes that outlived it.
 */
export function processesMentioning(needle: string): number[] {
  if (process.platform !== 'linux') return [];
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (cmdline.includes(needle)) out.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

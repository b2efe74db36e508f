// npm run bench:http — the HTTP load generator against wrk and against known truths, in one run:
// (1) accuracy: p50 against a server whose service time is exactly 20 ms, at concurrency 1 and 32
// (goal: within 0.5 ms of the truth); (2) capacity: requests/s against an instant server beside
// wrk on the same server (aim: ≥ 0.7 of wrk), with each generator's CPU per request; (3) memory:
// the generator's RSS over a long run (default 3 million requests) must stay flat.
// Parts: `npm run bench:http -- accuracy|capacity|memory` (default all). Server and generators are
// pinned to different CPUs (taskset); see scripts/bench/httpBenchTools.ts.

import { benchHttpAccuracy } from './bench/httpAccuracy';
import { benchHttpCapacity } from './bench/httpCapacity';
import { benchHttpMemory } from './bench/httpMemory';
import { choosePinning, wrkVersion } from './bench/httpBenchTools';

const PARTS = ['accuracy', 'capacity', 'memory'] as const;

async function main(): Promise<void> {
  const log = (line: string) => process.stdout.write(`${line}\n`);
  const only = process.argv[2];
  if (only !== undefined && !(PARTS as readonly string[]).includes(only)) throw new Error(`unknown part ${only}: one of ${PARTS.join(', ')}`);
  const wrk = wrkVersion();
  if (!wrk) {
    log('bench:http: wrk is not installed (apt install wrk); it is the baseline of every part, so nothing was measured.');
    process.exitCode = 1;
    return;
  }
  const pin = choosePinning();
  log(`wrk ${wrk}; node ${process.version}; server on CPU ${pin.server}, generators on CPU ${pin.client} (taskset); spin loop ${pin.spinMs.map((ms, c) => `CPU ${c} ${ms.toFixed(0)} ms`).join(', ')}`);
  if (!only || only === 'accuracy') {
    log('');
    log('== (1) Accuracy: p50 against a server answering in exactly 20 ms ==');
    await benchHttpAccuracy(pin, log);
  }
  if (!only || only === 'capacity') {
    log('');
    log('== (2) Capacity: requests/s against an instant server, beside wrk ==');
    await benchHttpCapacity(pin, log);
  }
  if (!only || only === 'memory') {
    log('');
    log('== (3) Memory over a long run ==');
    await benchHttpMemory(pin, log);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:http failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});

// The timed loop shared by warm-up and measured runs. It is its own module so bench:overhead can
// time its bookkeeping with a no-op in place of an inference: the harness must cost nothing
// next to even a sub-millisecond model.

export interface TimedLoopOptions {
  total: number;
  /** How often `onFlush` receives the samples gathered since the previous flush. */
  flushIntervalMs: number;
  isCancelled(): boolean;
  onFlush(newSamplesMs: number[]): void;
  /** Its `run` is set to the number of completed runs after each one, for telemetry to read. */
  counter?: { run: number };
}

/** Runs `runOnce` up to `total` times, timing each call alone; returns false when cancelled. */
export async function timedLoop(runOnce: () => Promise<unknown>, opts: TimedLoopOptions): Promise<boolean> {
  const intervalNs = BigInt(Math.round(opts.flushIntervalMs * 1e6));
  let pending: number[] = [];
  let lastFlush = process.hrtime.bigint();
  let completed = true;
  for (let i = 0; i < opts.total; i++) {
    if (opts.isCancelled()) {
      completed = false;
      break;
    }
    const start = process.hrtime.bigint();
    await runOnce();
    // The end stamp doubles as the flush clock: no third clock read per iteration.
    const end = process.hrtime.bigint();
    pending.push(Number(end - start) / 1e6);
    if (opts.counter) opts.counter.run = i + 1;
    if (end - lastFlush >= intervalNs) {
      opts.onFlush(pending);
      pending = [];
      lastFlush = process.hrtime.bigint();
    }
  }
  opts.onFlush(pending);
  return completed;
}

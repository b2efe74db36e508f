// Busy-polling (`--busy-poll`): keeps the event loop turning, never sleeping in epoll, so that an
// answer is read the moment it arrives rather than after the process has been woken up.
//
// A process asleep in epoll_wait is woken by the kernel when its socket turns readable, and how
// long that takes depends on how deeply its CPU idled. On this project's 2-vCPU VM, against a
// server answering in exactly 20 ms (`npm run bench:http -- accuracy`, two runs), clients that
// slept between answers reported p50s above the truth by 0.29–0.35 ms (wrk) and 0.45–0.54 ms
// (Latency) at concurrency 1; Latency busy-polling by 0.29–0.47 ms, and at concurrency 32 by
// 0.15–0.17 ms where asleep it was 0.27–0.50 ms. Low-concurrency runs against fast models are
// where that matters: it is a fixed cost added to every sample.
//
// The price is a CPU kept busy for the whole run, which a model server on the same machine may
// need: off by default, and the result records that it was on (target.busyPoll).
//
// A setImmediate chain rather than a spin inside one callback: the loop still polls sockets
// (with a zero timeout) between turns, so answers, timers and cancels are served as before.

export interface Awake {
  stop(): void;
}

export function keepAwake(): Awake {
  let on = true;
  const turn = (): void => {
    if (on) setImmediate(turn);
  };
  setImmediate(turn);
  return {
    stop: () => {
      on = false;
    },
  };
}

// A cancellation source shaped like vscode.CancellationToken, for driving the profiler client
// the way the extension host does.

import type { CancellationLike } from '../../src/profiler/client';

export function cancellation(): CancellationLike & { cancel(): void } {
  const listeners: Array<() => void> = [];
  let requested = false;
  return {
    get isCancellationRequested() {
      return requested;
    },
    onCancellationRequested(l) {
      listeners.push(l);
      return { dispose() {} };
    },
    cancel() {
      requested = true;
      listeners.forEach((l) => l());
    },
  };
}

// The one place that loads onnxruntime-node, lazily: the CLI's --help and the protocol tests must
// not pay for (or depend on) the native addon.

import type * as Ort from 'onnxruntime-node';
import type { SessionConfig } from '../core/result';

let cached: typeof Ort | undefined;

export function loadOrt(): typeof Ort {
  if (!cached) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      cached = require('onnxruntime-node') as typeof Ort;
    } catch (err) {
      throw new Error(
        `onnxruntime-node could not be loaded on ${process.platform}-${process.arch}: ${(err as Error).message}. ` +
          'Install the Latency build for this platform, or run `npm ci` in the extension folder.',
      );
    }
  }
  return cached;
}

export function ortVersion(ort: typeof Ort): string {
  return ort.env.versions?.node ?? ort.env.versions?.common ?? 'unknown';
}

export function toSessionOptions(s: SessionConfig): Ort.InferenceSession.SessionOptions {
  return {
    // 0 means "onnxruntime decides": leave the option unset rather than pass 0 through.
    ...(s.intraOpNumThreads > 0 ? { intraOpNumThreads: s.intraOpNumThreads } : {}),
    ...(s.interOpNumThreads > 0 ? { interOpNumThreads: s.interOpNumThreads } : {}),
    graphOptimizationLevel: s.graphOptimizationLevel,
    executionMode: s.executionMode,
    executionProviders: s.executionProviders as Ort.InferenceSession.ExecutionProviderConfig[],
  };
}

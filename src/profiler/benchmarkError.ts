import type { ProfilerErrorData } from '../core/profilerProtocol';

/** A failure the user can act on; its data travels to the client unchanged. */
export class BenchmarkError extends Error {
  constructor(message: string, readonly data: ProfilerErrorData) {
    super(message);
    this.name = 'BenchmarkError';
  }
}

// The interleaved A/B run in its own profiler process, for the extension: the same process
// discipline as runInProfiler (one process per run, every ending an outcome, nothing left
// running), but the samples arrive with the answer, since nothing shows them live.

import { CancellationTokenSource, ResponseError } from 'vscode-jsonrpc/node';
import type { BenchmarkConfig } from '../core/config';
import {
  AbProgressNotification,
  AbRequest,
  LogNotification,
  type AbProgressParams,
  type AbRunResult,
  type LogParams,
  type ProfilerErrorData,
} from '../core/profilerProtocol';
import { howItEnded, spawnProfiler, type CancellationLike, type FailureData } from './client';

export interface AbRunOptions {
  profilerScript: string;
  basePath: string;
  candidatePath: string;
  config: BenchmarkConfig;
  accuracyThreshold?: number;
  /** Times the whole interleaved run is done (default 1). */
  repeat?: number;
  cwd?: string;
  cancellation?: CancellationLike;
  /** How long a cancelled run may take to answer with its partial results before it is killed. */
  cancelGraceMs?: number;
  onProgress?(progress: AbProgressParams): void;
  log?(level: LogParams['level'], message: string): void;
}

export type AbClientOutcome =
  | { status: 'completed'; result: AbRunResult }
  | { status: 'cancelled'; result?: AbRunResult }
  | { status: 'failed'; message: string; data: FailureData };

export function runAbInProfiler(opts: AbRunOptions): Promise<AbClientOutcome> {
  return new Promise<AbClientOutcome>((resolve) => {
    const log = opts.log ?? (() => undefined);
    const { child, connection, outputTail } = spawnProfiler(opts.profilerScript, { cwd: opts.cwd, log });
    let settled = false;
    let cancelled = false;
    let killTimer: NodeJS.Timeout | undefined;
    const tokenSource = new CancellationTokenSource();

    const finish = (outcome: AbClientOutcome, signal: NodeJS.Signals = 'SIGTERM') => {
      if (settled) return;
      settled = true;
      if (killTimer) clearTimeout(killTimer);
      subscription?.dispose();
      connection.dispose();
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      resolve(outcome);
    };

    connection.onNotification(AbProgressNotification, (p) => opts.onProgress?.(p));
    connection.onNotification(LogNotification, ({ level, message }) => log(level, message));
    connection.onError(([err]) => log('warn', `profiler channel error: ${err.message}`));
    connection.listen();

    const subscription = opts.cancellation?.onCancellationRequested(() => {
      if (cancelled || settled) return;
      cancelled = true;
      log('info', 'A/B cancellation requested');
      tokenSource.cancel();
      killTimer = setTimeout(() => {
        log('warn', 'the profiler did not stop in time; killing it');
        finish({ status: 'cancelled' }, 'SIGKILL');
      }, opts.cancelGraceMs ?? 2000);
    });

    child.on('error', (err) => finish({ status: 'failed', message: `Could not start the profiler process: ${err.message}`, data: { kind: 'internal' } }));
    child.on('exit', (exitCode, signal) => {
      if (settled) return;
      if (cancelled) {
        finish({ status: 'cancelled' });
        return;
      }
      const stderr = outputTail();
      finish({
        status: 'failed',
        message: `The profiler process ${howItEnded(exitCode, signal)} before finishing.${stderr.trim() ? `\n${stderr.trim()}` : ''}`,
        data: { kind: 'crashed', exitCode, signal, stderr },
      });
    });

    if (opts.cancellation?.isCancellationRequested) {
      finish({ status: 'cancelled' });
      return;
    }
    connection
      .sendRequest(
        AbRequest,
        {
          basePath: opts.basePath,
          candidatePath: opts.candidatePath,
          config: opts.config,
          ...(opts.accuracyThreshold === undefined ? {} : { accuracyThreshold: opts.accuracyThreshold }),
          ...(opts.repeat && opts.repeat > 1 ? { repeat: opts.repeat } : {}),
        },
        tokenSource.token,
      )
      .then(
        (result) => finish(cancelled ? { status: 'cancelled', result } : { status: 'completed', result }),
        (err: unknown) => {
          if (err instanceof ResponseError) {
            finish({ status: 'failed', message: err.message, data: (err.data as ProfilerErrorData | undefined) ?? { kind: 'internal' } });
          } else if (!settled) {
            log('warn', `profiler request ended: ${(err as Error).message}`);
          }
        },
      );
  });
}

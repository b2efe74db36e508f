// Entry point of the profiler process, forked by the extension host (or a test). It speaks
// only JSON-RPC over the IPC channel; stdout/stderr are left for crash output the client logs.

import { CancellationToken, ResponseError, createMessageConnection } from 'vscode-jsonrpc/node';
import { IPCMessageReader, IPCMessageWriter } from 'vscode-jsonrpc/node';
import {
  AbProgressNotification,
  AbRequest,
  ColdStartNotification,
  DoctorRequest,
  LogNotification,
  PROFILER_ERROR_CODE,
  PreflightRequest,
  ProgressNotification,
  RepeatNotification,
  RunRequest,
  StartedNotification,
  type ProfilerErrorData,
} from '../core/profilerProtocol';
import { runAbBenchmark } from './abBenchmark';
import { BenchmarkError } from './benchmarkError';
import { runTarget } from './runTarget';
import { runDoctor } from './doctor';
import { takePreflight } from './preflight';

if (!process.send) {
  process.stderr.write('The Latency profiler must be started with an IPC channel (child_process.fork). For the CLI, run dist/cli.js.\n');
  process.exit(2);
}

const connection = createMessageConnection(new IPCMessageReader(process), new IPCMessageWriter(process));

connection.onRequest(RunRequest, async (params, token: CancellationToken) => {
  try {
    return await runTarget(
      {
        target: params.target,
        config: params.config,
        progressIntervalMs: params.progressIntervalMs ?? 200,
        ...(params.repeat !== undefined ? { repeat: params.repeat } : {}),
      },
      {
        onRepeat: (index, of) => void connection.sendNotification(RepeatNotification, { index, of }),
        onStarted: (header) => void connection.sendNotification(StartedNotification, header),
        onColdStart: (firstMs) => void connection.sendNotification(ColdStartNotification, { firstMs }),
        onProgress: (progress) => void connection.sendNotification(ProgressNotification, progress),
        log: (level, message) => void connection.sendNotification(LogNotification, { level, message }),
        isCancelled: () => token.isCancellationRequested,
      },
    );
  } catch (err) {
    return asResponseError(err);
  }
});

connection.onRequest(AbRequest, async (params, token: CancellationToken) => {
  try {
    return await runAbBenchmark(
      {
        basePath: params.basePath,
        candidatePath: params.candidatePath,
        config: params.config,
        ...(params.accuracyThreshold === undefined ? {} : { accuracyThreshold: params.accuracyThreshold }),
        ...(params.repeat === undefined ? {} : { repeat: params.repeat }),
        progressIntervalMs: params.progressIntervalMs ?? 200,
      },
      {
        onProgress: (progress) => void connection.sendNotification(AbProgressNotification, progress),
        log: (level, message) => void connection.sendNotification(LogNotification, { level, message }),
        isCancelled: () => token.isCancellationRequested,
      },
    );
  } catch (err) {
    return asResponseError(err);
  }
});

connection.onRequest(DoctorRequest, async (params) => {
  try {
    return await runDoctor(params.interpreter, params.cuda);
  } catch (err) {
    return asResponseError(err);
  }
});

connection.onRequest(PreflightRequest, async () => {
  try {
    return await takePreflight();
  } catch (err) {
    return new ResponseError<ProfilerErrorData>(PROFILER_ERROR_CODE, err instanceof Error ? err.message : String(err), { kind: 'internal' });
  }
});

/** A BenchmarkError keeps its kind and hint for the client; anything else is internal. */
function asResponseError(err: unknown): ResponseError<ProfilerErrorData> {
  if (err instanceof BenchmarkError) return new ResponseError<ProfilerErrorData>(PROFILER_ERROR_CODE, err.message, err.data);
  return new ResponseError<ProfilerErrorData>(PROFILER_ERROR_CODE, err instanceof Error ? err.message : String(err), { kind: 'internal' });
}

// The client owns our lifetime: when the channel closes, nothing is left to report to.
connection.onClose(() => process.exit(0));
process.on('disconnect', () => process.exit(0));
connection.listen();

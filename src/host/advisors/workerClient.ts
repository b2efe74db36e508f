// Starts and talks to the advisors' worker thread. A worker that crashes, or takes longer than
// `timeoutMs` on one request, is ended and started afresh on the next request; after
// MAX_FAILURES in a row the advisors stop (and say so) rather than loop. No `vscode` here.

import { Worker } from 'worker_threads';
import { createMessageConnection, PortMessageReader, PortMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import {
  AnalyzeRequest,
  CloseNotification,
  FunctionsRequest,
  type AdvisorWorkerData,
  type AnalyzeParams,
  type AnalyzeResult,
} from '../../advisors/workerProtocol';
import type { PyFunctionDef } from '../../advisors/pyFunctions';

const MAX_FAILURES = 3;

export class AdvisorWorkerError extends Error {
  constructor(
    message: string,
    /** True once the client gave up restarting the worker. */
    readonly fatal: boolean,
  ) {
    super(message);
    this.name = 'AdvisorWorkerError';
  }
}

interface Running {
  worker: Worker;
  connection: MessageConnection;
  exited: Promise<string>;
  /** Set as soon as the worker ends, so a request that failed because of it says why. */
  exitReason?: string;
}

export class AdvisorWorkerClient {
  private running: Running | undefined;
  private failures = 0;
  private disposed = false;

  constructor(
    private readonly script: string,
    private readonly data: AdvisorWorkerData,
    private readonly onLog: (level: 'info' | 'error', message: string) => void,
    /** A request taking longer than this ends the worker (a pathological file must not pin a core forever). */
    private readonly timeoutMs = 15_000,
  ) {}

  get isGivenUp(): boolean {
    return this.failures >= MAX_FAILURES;
  }

  private start(): Running {
    const worker = new Worker(this.script, { workerData: this.data, stdout: false, stderr: false });
    const connection = createMessageConnection(new PortMessageReader(worker), new PortMessageWriter(worker));
    let run: Running;
    const exited = new Promise<string>((resolve) => {
      const end = (why: string): void => {
        run.exitReason ??= why;
        resolve(run.exitReason);
      };
      worker.once('error', (err) => end(`crashed: ${err.message}`));
      worker.once('exit', (code) => end(`exited with code ${code}`));
    });
    run = { worker, connection, exited };
    void exited.then((why) => {
      if (this.running?.worker === worker) this.running = undefined;
      connection.dispose();
      if (!this.disposed) this.onLog('error', `advisors worker ${why}`);
    });
    connection.listen();
    this.onLog('info', `advisors worker started (thread ${worker.threadId})`);
    return run;
  }

  analyze(params: AnalyzeParams): Promise<AnalyzeResult> {
    return this.request((c) => c.sendRequest(AnalyzeRequest, params));
  }

  /** The top-level functions of a Python source, for the Python-function picker. */
  async functions(text: string): Promise<PyFunctionDef[]> {
    return (await this.request((c) => c.sendRequest(FunctionsRequest, { text }))).functions;
  }

  /** One request to the worker, under the timeout and restart rules above. */
  private async request<T>(send: (connection: MessageConnection) => Promise<T>): Promise<T> {
    if (this.disposed) throw new AdvisorWorkerError('advisors are shut down', true);
    if (this.isGivenUp) throw new AdvisorWorkerError(`the advisors worker failed ${MAX_FAILURES} times in a row; advisors are off until the window reloads`, true);
    const run = (this.running ??= this.start());
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`analysis took over ${this.timeoutMs / 1000} s`)), this.timeoutMs);
    });
    const gone = run.exited.then((why) => {
      throw new Error(`the advisors worker ${why}`);
    });
    try {
      const result = await Promise.race([send(run.connection), timeout, gone]);
      this.failures = 0;
      return result;
    } catch (err) {
      this.failures++;
      // A stuck or broken worker is ended; the next request starts a fresh one (documents are re-sent in full).
      if (this.running === run) this.running = undefined;
      // The connection may report the worker's end before the worker's own exit event: wait a moment for the reason.
      if (!run.exitReason) await Promise.race([run.exited, new Promise((r) => setTimeout(r, 50))]);
      void run.worker.terminate();
      const message = run.exitReason ? `the advisors worker ${run.exitReason}` : err instanceof Error ? err.message : String(err);
      throw new AdvisorWorkerError(message, this.isGivenUp);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Whether the current worker already holds documents sent before (false after a restart). */
  get workerId(): number | undefined {
    return this.running?.worker.threadId;
  }

  close(uri: string): void {
    void this.running?.connection.sendNotification(CloseNotification, { uri }).catch(() => undefined);
  }

  dispose(): void {
    this.disposed = true;
    const run = this.running;
    this.running = undefined;
    if (run) {
      run.connection.dispose();
      void run.worker.terminate();
    }
  }
}

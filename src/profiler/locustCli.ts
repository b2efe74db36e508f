// `latency locust export|run|import`: the Locust export, the distributed run on loopback, and
// the import of a cluster's records, printed and written as `latency bench` does.

import { promises as fs } from 'fs';
import { exportDocument } from '../core/exportReport';
import { LocustExportError, renderLocustFile, type LocustScenario } from '../core/locustExport';
import { parseLocustRecords } from '../core/locustRecords';
import { formatMs } from '../core/format';
import { renderTextReport } from '../core/report';
import { median } from '../core/stats';
import type { BenchmarkResult } from '../core/result';
import type { HttpSpec } from '../core/target';
import { BenchmarkError } from './benchmarkError';
import { collectEnvironment } from './environment';
import type { LocustArgs, LocustOutputs, LocustRequestArgs } from './locustArgs';
import { failedThresholds, resultFromLocustRecords } from './locustImport';
import { runLocust } from './locustRun';
import pkg from '../../package.json';

export interface LocustCliIo {
  out(text: string): void;
  err(text: string): void;
  writeFile(file: string, text: string): Promise<void>;
  isCancelled(): boolean;
  /** Whether a progress line may be drawn (stderr is a terminal). */
  progress?: boolean;
}

const EXIT = { ok: 0, failed: 1, usage: 2, interrupted: 130 } as const;

export async function runLocustCli(args: LocustArgs, io: LocustCliIo): Promise<number> {
  try {
    if (args.action === 'export') {
      const text = renderLocustFile(await scenarioOf(args.request));
      if (args.out === '-') io.out(text);
      else {
        await io.writeFile(args.out, text);
        io.err(`wrote ${args.out}: run it with locust -f ${args.out} (its header says how, distributed)\n`);
      }
      return EXIT.ok;
    }
    if (args.action === 'import') {
      let text: string;
      try {
        text = await fs.readFile(args.recordsPath, 'utf8');
      } catch (err) {
        io.err(`latency: ${args.recordsPath}: ${(err as Error).message}\n`);
        return EXIT.usage;
      }
      const parsed = parseLocustRecords(text);
      if (parsed.badLines.length) io.err(`warning: ${parsed.badLines.length} lines could not be read (line ${parsed.badLines.slice(0, 5).join(', ')})\n`);
      const result = resultFromLocustRecords(parsed, { environment: await collectEnvironment(), system: null, source: args.recordsPath });
      return await report(result, args, io);
    }
    const scenario = await scenarioOf(args.request);
    const locustfileText = args.locustfile !== undefined ? await readText(args.locustfile, '--locustfile') : undefined;
    const samples: number[] = [];
    const result = await runLocust(
      {
        scenario,
        workers: args.workers,
        runTimeSeconds: args.runTimeSeconds,
        ...(args.spawnRate !== undefined ? { spawnRate: args.spawnRate } : {}),
        ...(locustfileText !== undefined ? { locustfileText } : {}),
      },
      {
        isCancelled: io.isCancelled,
        log: (level, m) => (!args.quiet || level !== 'info' ? io.err(`${level === 'info' ? '' : `${level}: `}${m}\n`) : undefined),
        onProgress: (p) => {
          if (args.quiet || !io.progress) return;
          samples.push(...p.newSamplesMs);
          io.err(`\r\x1b[K${p.done} requests recorded${samples.length ? ` · p50 ${formatMs(median(samples))}` : ''}`);
        },
      },
    );
    if (io.progress && !args.quiet) io.err('\r\x1b[K');
    return await report(result, args, io);
  } catch (err) {
    if (err instanceof LocustExportError) {
      io.err(`latency: ${err.message}\n`);
      return EXIT.usage;
    }
    if (err instanceof BenchmarkError) {
      io.err(`latency: ${err.message}\n`);
      if (err.data.hint) io.err(`hint: ${err.data.hint}\n`);
      if (err.data.details) io.err(`${err.data.details.trimEnd()}\n`);
      return EXIT.failed;
    }
    throw err;
  }
}

async function report(result: BenchmarkResult, args: LocustOutputs, io: LocustCliIo): Promise<number> {
  const toStdout = [args.jsonPath, args.markdownPath, args.csvPath].includes('-');
  const failed = failedThresholds(result);
  const slo = failed.length ? `\nSLO failed: ${failed.join('; ')}` : '';
  (toStdout ? io.err : io.out)(`${renderTextReport(result)}${slo}\n`);
  const documents = [
    { target: args.jsonPath, text: () => exportDocument('json', result).text },
    { target: args.markdownPath, text: () => exportDocument('markdown', result).text },
    { target: args.csvPath, text: () => exportDocument('csv', result).text },
  ];
  for (const d of documents) {
    if (d.target === '-') io.out(d.text());
    else if (d.target !== undefined) await io.writeFile(d.target, d.text());
  }
  return failed.length ? EXIT.failed : result.partial ? EXIT.interrupted : EXIT.ok;
}

async function scenarioOf(r: LocustRequestArgs): Promise<LocustScenario> {
  const spec: HttpSpec = {
    kind: 'http',
    url: r.url,
    ...(r.method !== undefined ? { method: r.method } : {}),
    ...(r.headers !== undefined ? { headers: r.headers } : {}),
    ...(r.bodyFile !== undefined ? { body: await readText(r.bodyFile, '--body-file') } : {}),
    ...(r.expectedStatus !== undefined ? { expectedStatus: r.expectedStatus } : {}),
    ...(r.timeoutSeconds !== undefined ? { timeoutSeconds: r.timeoutSeconds } : {}),
    ...(r.users !== undefined ? { concurrency: r.users } : {}),
  };
  const slo = { ...(r.p99BudgetMs !== undefined ? { p99BudgetMs: r.p99BudgetMs } : {}), ...(r.maxErrorRate !== undefined ? { maxErrorRate: r.maxErrorRate } : {}) };
  return {
    spec,
    ...(r.ratePerSecond !== undefined ? { ratePerSecond: r.ratePerSecond } : {}),
    ...(Object.keys(slo).length ? { slo } : {}),
    generator: `Latency ${pkg.version}`,
  };
}

async function readText(file: string, what: string): Promise<string> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (err) {
    throw new LocustExportError(`${what} ${file}: ${(err as Error).message}`);
  }
}

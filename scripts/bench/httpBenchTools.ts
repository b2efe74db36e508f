// What the parts of `npm run bench:http` share: the CPUs the server and the generators are
// pinned to, wrk and Latency's generator run as pinned processes of their own, and the figures.

import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { GeneratorJob, GeneratorReport } from './httpGenerator';

const run = promisify(execFile);

export type Log = (line: string) => void;

export interface Pinning {
  server: number;
  client: number;
  /** Time of a fixed spin loop on each CPU (ms), to say which is faster. */
  spinMs: number[];
}

/**
 * The server and the generators on different CPUs (BENCH_SERVER_CPU / BENCH_CLIENT_CPU, else the
 * server on the faster of the first two by a spin loop, so it is the generators that limit).
 */
export function choosePinning(): Pinning {
  const n = cpus().length;
  const spin = (cpu: number) => {
    const out = execFileSync('taskset', ['-c', String(cpu), process.execPath, '-e', 'const t=process.hrtime.bigint();let x=0;for(let i=0;i<1e8;i++)x+=i%7;console.log(Number(process.hrtime.bigint()-t)/1e6)']);
    return Number(out.toString().trim());
  };
  const spinMs = Array.from({ length: Math.min(n, 2) }, (_, c) => Math.min(spin(c), spin(c)));
  const env = (name: string) => (process.env[name] !== undefined ? Number(process.env[name]) : undefined);
  let server = env('BENCH_SERVER_CPU');
  let client = env('BENCH_CLIENT_CPU');
  if (n < 2) return { server: 0, client: 0, spinMs };
  const faster = spinMs[0]! <= spinMs[1]! ? 0 : 1;
  server ??= client !== undefined ? (client === 0 ? 1 : 0) : faster;
  client ??= server === 0 ? 1 : 0;
  return { server, client, spinMs };
}

let bundled: string | undefined;

/** httpGenerator.ts bundled as dist/cli.js is (esbuild, cjs, node20), so tsx's transform is not what is timed. */
export async function generatorScript(): Promise<string> {
  if (bundled) return bundled;
  const esbuild = await import('esbuild');
  const out = join(mkdtempSync(join(tmpdir(), 'latency-bench-http-')), 'generator.js');
  await esbuild.build({
    entryPoints: [join(__dirname, 'httpGenerator.ts')],
    outfile: out,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['vscode', 'onnxruntime-node'],
    mainFields: ['module', 'main'],
    logLevel: 'warning',
  });
  bundled = out;
  return out;
}

export async function runGenerator(job: GeneratorJob, cpu: number): Promise<GeneratorReport> {
  const script = await generatorScript();
  const { stdout } = await run('taskset', ['-c', String(cpu), process.execPath, script, 'run', JSON.stringify(job)], { maxBuffer: 64 * 1024 * 1024 });
  return JSON.parse(stdout.trim().split('\n').pop()!) as GeneratorReport;
}

export interface WrkReport {
  requestsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  errors: number;
  /** wrk's CPU time (user + system, from the shell's cutime/cstime: 10 ms ticks) per request, µs. */
  cpuUsPerRequest: number;
}

export function wrkVersion(): string | undefined {
  try {
    execFileSync('wrk', ['--version'], { stdio: 'pipe' });
  } catch (err) {
    // wrk prints its version and exits 1 when given no URL.
    const text = `${(err as { stdout?: Buffer }).stdout ?? ''}`;
    const m = /wrk (\S+)/.exec(text);
    if (m) return m[1];
  }
  return undefined;
}

/** wrk -t1 -c<c> -d<s> --latency, pinned to `cpu`. */
export async function runWrk(url: string, concurrency: number, seconds: number, cpu: number): Promise<WrkReport> {
  const script = `taskset -c ${cpu} wrk -t1 -c${concurrency} -d${seconds}s --latency ${url} && echo "STAT $(cat /proc/$$/stat)"`;
  const { stdout } = await run('sh', ['-c', script]);
  const rate = /Requests\/sec:\s+([\d.]+)/.exec(stdout);
  const total = /(\d+) requests in/.exec(stdout);
  if (!rate || !total) throw new Error(`wrk printed no rate:\n${stdout}`);
  const errors = [/Non-2xx or 3xx responses: (\d+)/, /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/]
    .map((re) => re.exec(stdout))
    .reduce((n, m) => n + (m ? m.slice(1).reduce((a, b) => a + Number(b), 0) : 0), 0);
  const stat = /STAT (.*)/.exec(stdout)![1]!;
  // Fields after the command name's closing parenthesis; cutime and cstime are fields 16 and 17.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[13]) + Number(fields[14]);
  const hz = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
  const requests = Number(total[1]);
  return {
    requestsPerSec: Number(rate[1]),
    p50Ms: wrkPercentile(stdout, '50'),
    p99Ms: wrkPercentile(stdout, '99'),
    requests,
    errors,
    cpuUsPerRequest: ((ticks / hz) * 1e6) / requests,
  };
}

function wrkPercentile(out: string, pct: string): number {
  const m = new RegExp(`^\\s*${pct}%\\s+([\\d.]+)(us|ms|s)\\s*$`, 'm').exec(out);
  if (!m) return NaN;
  const scale = { us: 1e-3, ms: 1, s: 1000 }[m[2] as 'us' | 'ms' | 's'];
  return Number(m[1]) * scale;
}

// ---------------------------------------------------------------------------------------------
// Figures

export const median = (xs: readonly number[]): number => {
  const s = xs.slice().sort((a, b) => a - b);
  const n = s.length;
  return n % 2 ? s[(n - 1) / 2]! : (s[n / 2 - 1]! + s[n / 2]!) / 2;
};

/** (max − min) / median, as a percentage: how far the rounds disagree. */
export const spread = (xs: readonly number[]): string => {
  const m = median(xs);
  return m ? `±${(((Math.max(...xs) - Math.min(...xs)) / 2 / m) * 100).toFixed(1)}%` : '–';
};

export function table(rows: ReadonlyArray<readonly string[]>, log: Log): void {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  for (const r of rows) log(r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  '));
}

export const fmtMs = (x: number): string => (Number.isFinite(x) ? `${x.toFixed(3)} ms` : '–');
export const fmtRate = (x: number): string => (Number.isFinite(x) ? `${Math.round(x).toLocaleString('en-US')}/s` : '–');

// Python functions and shell commands as benchmark targets, in the real extension host: picked
// by name from .vscode/latency.json or passed as a target, run by the profiler process (which
// starts the shipped harness with python3), shown in the panel, and pointed back to the def line.
// Named to run before benchmark.test.ts (files run in name order): the workbench checks after the
// suite look for that file's corrupt-model notification, which the notifications cleared here would hide.
/// <reference types="mocha" />

import * as assert from 'assert';
import * as fs from 'fs';
import * as http from 'http';
import type { AddressInfo } from 'net';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import type { ProfilerOutcome } from '../../../src/profiler/client';
import { FIXTURE, FIXTURE_CONFIG, PYTHON_FIXTURE } from '../protocol';
import { activeApi, assertCompleted, fixtureConfig, fixtureFile, waitForResultsTabs, waitUntil } from './helpers';

async function run(arg: unknown): Promise<ProfilerOutcome> {
  const outcome = await vscode.commands.executeCommand<ProfilerOutcome | undefined>('latency.runBenchmark', arg);
  assert.ok(outcome, `latency.runBenchmark returned nothing for ${JSON.stringify(arg)}`);
  return outcome;
}

describe('Latency: Export Locust File', () => {
  it('writes an endpoint given as a URL to the file asked for, opens it; a non-HTTP address is refused and nothing written', async () => {
    const folder = vscode.workspace.workspaceFolders![0]!.uri;
    const dir = path.join(folder.fsPath, 'locust-export');
    const url = 'http://127.0.0.1:9/predict';
    try {
      const written = await vscode.commands.executeCommand<vscode.Uri | undefined>('latency.exportLocust', { url, file: 'locust-export/locustfile.py' });
      assert.ok(written, 'the file written');
      assert.equal(written.fsPath, path.join(dir, 'locustfile.py'));
      const text = fs.readFileSync(written.fsPath, 'utf8');
      assert.match(text, /^# Locust file for GET http:\/\/127\.0\.0\.1:9\/predict$/m);
      assert.match(text, /^from locust import HttpUser/m);
      await waitUntil(() => vscode.window.activeTextEditor?.document.uri.fsPath === written.fsPath, 'the exported file open in an editor', 5000);
      const refused = await vscode.commands.executeCommand<vscode.Uri | undefined>('latency.exportLocust', { url: 'ftp://127.0.0.1/x', file: 'locust-export/other.py' });
      assert.equal(refused, undefined);
      assert.ok(!fs.existsSync(path.join(dir, 'other.py')));
    } finally {
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('Latency: Run Benchmark on a Python function, a command and an endpoint', () => {
  it('runs the named Python target with python3: import and setup apart, the panel opens, the def line gets the figures', async () => {
    const api = await activeApi();
    const { iterations, warmup } = await fixtureConfig();
    const outcome = await run({ target: 'fixture-function' });
    assertCompleted(outcome, iterations);
    const r = outcome.result;
    assert.equal(r.target.kind, 'python');
    if (r.target.kind !== 'python') return;
    assert.equal(r.target.name, 'predict.py:predict');
    assert.equal(r.target.setup, 'setup');
    assert.equal(r.target.line, PYTHON_FIXTURE.predictLine);
    assert.equal(r.warmupSamplesMs.length, warmup);
    assert.equal(r.config.session, undefined, 'no onnxruntime session for a Python function');
    assert.ok(r.environment.python && /^3\./.test(r.environment.python.version), JSON.stringify(r.environment.python));
    assert.ok(r.coldStart.importMs !== undefined && r.coldStart.setupMs !== undefined, 'import and setup are measured apart');
    await waitForResultsTabs(1, 10_000, 'Latency: predict.py:predict');

    const file = fixtureFile(FIXTURE.pythonFile);
    await waitUntil(() => api.measured.measuredIn(file).length === 1, 'the measured function is recorded');
    const doc = await vscode.workspace.openTextDocument(file);
    await vscode.window.showTextDocument(doc);
    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', file);
    const ours = lenses.filter((l) => l.command?.title.startsWith('Latency: '));
    assert.equal(ours.length, 1, JSON.stringify(lenses.map((l) => l.command?.title)));
    assert.equal(ours[0]!.range.start.line, PYTHON_FIXTURE.predictLine - 1, 'over the def of predict');
    assert.match(ours[0]!.command!.title, /^Latency: p50 .* · \d+ calls$/);
  });

  it('runs the named command target: its own counts, the shell start-up subtracted, a sleep of 10 ms measured as at least 10 ms', async () => {
    const outcome = await run({ target: 'fixture-command' });
    const own = FIXTURE_CONFIG.targets['fixture-command'];
    assertCompleted(outcome, own.iterations);
    const r = outcome.result;
    assert.equal(r.target.kind, 'command');
    if (r.target.kind !== 'command') return;
    assert.equal(r.warmupSamplesMs.length, own.warmup);
    assert.ok(r.target.shellOverheadMs > 0, `shell start-up ${r.target.shellOverheadMs} ms`);
    assert.ok(r.summary!.p50Ms >= 9.5 && r.summary!.p50Ms < 200, `p50 ${r.summary!.p50Ms} ms for sleep 0.01`);
    await waitForResultsTabs(1, 10_000, 'Latency: sleep 0.01');
  });

  it('loads an HTTP endpoint served on loopback (5 ms a request, 2 in flight): the failed requests apart, the figures from the rest', async () => {
    const { iterations } = await fixtureConfig();
    let served = 0;
    const server = http.createServer((_req, res) => {
      served++;
      // Every 10th request fails: counted apart, never a sample.
      const fail = served % 10 === 0;
      setTimeout(() => {
        res.writeHead(fail ? 503 : 200, { 'content-type': 'application/json' });
        res.end(fail ? '{"error":"busy"}' : '{"label":3}');
      }, 5);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/predict`;
      const outcome = await run({ kind: 'http', url, concurrency: 2 });
      assert.equal(outcome.status, 'completed', outcome.status === 'failed' ? outcome.message : '');
      if (outcome.status !== 'completed') return;
      const r = outcome.result;
      assert.equal(r.target.kind, 'http');
      assert.ok(r.errors && r.errors.count > 0 && r.errors.statuses['503'] === r.errors.count, JSON.stringify(r.errors));
      assert.equal(r.samplesMs.length + r.errors.count, iterations, 'every measured request is a sample or an error');
      assert.ok(r.summary!.p50Ms >= 4.5 && r.summary!.p50Ms < 100, `p50 ${r.summary!.p50Ms} ms for a 5 ms service`);
      await waitForResultsTabs(1, 10_000, `Latency: GET ${url}`);
    } finally {
      server.close();
    }
  });

  it('sweeps an endpoint over 1, 2 and 4 in flight: one point per level, the knee judged, the reported level\'s figures as the result\'s', async () => {
    const server = http.createServer((_req, res) => {
      setTimeout(() => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"label":3}');
      }, 5);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/predict`;
      const outcome = await run({ kind: 'http', url, sweep: [1, 2, 4], p99BudgetMs: 1000 });
      assert.equal(outcome.status, 'completed', outcome.status === 'failed' ? outcome.message : '');
      if (outcome.status !== 'completed') return;
      const sweep = outcome.result.sweep;
      assert.ok(sweep, 'the result holds the sweep');
      assert.deepEqual(sweep.points.map((p) => p.concurrency), [1, 2, 4]);
      assert.ok(sweep.points.every((p) => p.throughputPerSec > 0 && p.p50Ms >= 4.5), JSON.stringify(sweep.points));
      assert.ok(sweep.best.concurrency !== null, `a 5 ms server meets a 1 s p99 budget at some level: ${JSON.stringify(sweep.best)}`);
      assert.equal(sweep.reported.concurrency, sweep.best.concurrency, 'the best level is the one reported');
      await waitForResultsTabs(1, 10_000, `Latency: GET ${url}`);
    } finally {
      server.close();
    }
  });

  it('streams from an OpenAI-compatible endpoint (SSE, 4 tokens 3 ms apart): TTFT, TPOT and goodput measured, e2e as the samples', async () => {
    const { iterations } = await fixtureConfig();
    const server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        let sent = 0;
        const tick = () => {
          if (sent === 4) {
            res.write('data: {"choices":[],"usage":{"prompt_tokens":5,"completion_tokens":4}}\n\n');
            res.end('data: [DONE]\n\n');
            return;
          }
          sent++;
          res.write(`data: {"choices":[{"index":0,"delta":{"content":"t${sent} "}}]}\n\n`);
          setTimeout(tick, 3);
        };
        setTimeout(tick, 10);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'latency-openai-'));
    try {
      const promptsFile = path.join(dir, 'prompts.txt');
      fs.writeFileSync(promptsFile, 'What is latency?\nAnd throughput?\n');
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
      const outcome = await run({ kind: 'openai', url, model: 'fixture-model', promptsFile, slo: { ttftMs: 5000, tpotMs: 5000 } });
      assert.equal(outcome.status, 'completed', outcome.status === 'failed' ? outcome.message : '');
      if (outcome.status !== 'completed') return;
      const r = outcome.result;
      assert.equal(r.target.kind, 'http');
      if (r.target.kind !== 'http') return;
      assert.equal(r.target.llm?.model, 'fixture-model');
      assert.equal(r.target.llm?.prompts.count, 2);
      const s = r.streaming;
      assert.ok(s, 'the result holds the streaming figures');
      assert.ok(s.ttft && s.ttft.p50Ms >= 9 && s.ttft.p50Ms < 500, `TTFT p50 ${s.ttft?.p50Ms} ms for a 10 ms first token`);
      assert.ok(s.tpot && s.tpot.p50Ms >= 2.5 && s.tpot.p50Ms < 200, `TPOT p50 ${s.tpot?.p50Ms} ms for 3 ms a token`);
      assert.equal(s.goodput?.fraction, 1, 'every request meets a 5 s SLO');
      assert.equal(r.samplesMs.length, iterations);
      await waitForResultsTabs(1, 10_000, `Latency: POST ${url}/chat/completions`);
    } finally {
      server.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a function that raises fails with Python\'s own words and no result; a missing interpreter says how to fix it', async () => {
    const raised = await run({ kind: 'python', file: fixtureFile(FIXTURE.failingPythonFile), function: 'predict' });
    assert.equal(raised.status, 'failed');
    if (raised.status !== 'failed') return;
    assert.equal(raised.data.kind, 'pythonError');
    assert.match(raised.message, /ValueError: the model refused this input/);

    const missing = await run({ kind: 'python', file: fixtureFile(FIXTURE.pythonFile), function: 'predict', setup: 'setup', interpreter: '/nonexistent/bin/python3' });
    assert.equal(missing.status, 'failed');
    if (missing.status !== 'failed') return;
    assert.equal(missing.data.kind, 'interpreterNotFound');
    assert.ok('hint' in missing.data && /latency\.python\.interpreter/.test(missing.data.hint ?? ''), JSON.stringify(missing.data));
    // The two error notifications would crowd the later suites' notification checks.
    await vscode.commands.executeCommand('notifications.clearAll');
  });
});

describe('Latency: Check Python Environment', () => {
  it('checks python3 with the shipped harness: its executable, version and packages', async () => {
    const api = await activeApi();
    const report = await api.checkPython.run(fixtureFile(FIXTURE.pythonFile));
    assert.ok(report, 'the check ran');
    assert.ok(report.python.ok, JSON.stringify(report.python));
    if (!report.python.ok) return;
    assert.equal(report.interpreter, 'python3');
    assert.match(report.python.env.version, /^3\.\d+/);
    assert.ok(report.python.env.executable.length > 0);
    await vscode.commands.executeCommand('notifications.clearAll');
  });
});

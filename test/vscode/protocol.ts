// What the in-host suite (suite/index.ts) and the runners outside the host (test/e2e/) agree on:
// the environment variables the suite reads, the fixture workspace's files and the results JSON
// it writes. No `vscode` here: the runners import it in plain Node.

export const RESULTS_ENV = 'LATENCY_VSCODE_TEST_RESULTS';
export const RELEASE_ENV = 'LATENCY_VSCODE_TEST_RELEASE';
/** Which part of the suite runs: see SuiteMode. */
export const MODE_ENV = 'LATENCY_VSCODE_TEST_MODE';

/**
 * `trusted` (the default): every `*.test.js` except the `*.untrusted.test.js` files, in a
 * workspace VS Code trusts. `restricted`: only the `*.untrusted.test.js` files, in a workspace
 * opened in Restricted Mode (code-server started without --disable-workspace-trust).
 */
export type SuiteMode = 'trusted' | 'restricted';

export function suiteMode(value: string | undefined): SuiteMode {
  return value === 'restricted' ? 'restricted' : 'trusted';
}

/** The fixture workspace the runners prepare (test/e2e/shared.ts) and the suite benchmarks. */
export const FIXTURE = {
  /** A small CNN (examples/lenet5.onnx): a run of FIXTURE_CONFIG.iterations takes well under a second. */
  model: 'lenet5.onnx',
  /** The same model under another name, given a huge iteration count by a per-model section: a run only ends when cancelled. */
  longModel: 'soak.onnx',
  /** Bytes that are no protobuf, let alone a model. */
  corruptModel: 'bad.onnx',
  /** lenet5 with every weight scaled by (1 + N(0, 1)): loads and runs, answers differently (a broken quantisation). */
  inaccurateModel: 'broken-int8.onnx',
  /** A Python benchmark that times a request with the wall clock (LAT001, twice, one safe fix). */
  advisorFile: 'bench_server.py',
  /** A stdlib-only Python model (PYTHON_FIXTURE): setup() builds weights, predict(x) runs a small dense layer. */
  pythonFile: 'predict.py',
  /** A Python function whose every call raises. */
  failingPythonFile: 'explode.py',
} as const;

/** The fixture's Python files: any python3 runs them (no numpy or torch needed in the VS Code host tests). */
export const PYTHON_FIXTURE = {
  predict: [
    '"""A tiny dense layer in plain Python, for the Python-function target."""',
    'import random',
    '',
    '',
    'def setup():',
    '    rng = random.Random(7)',
    '    return [[rng.random() for _ in range(64)] for _ in range(64)]',
    '',
    '',
    'def predict(weights):',
    '    x = [1.0] * 64',
    '    return [sum(w * v for w, v in zip(row, x)) for row in weights]',
    '',
  ].join('\n'),
  /** 1-based line of `def predict`. */
  predictLine: 10,
  explode: ['def predict():', '    raise ValueError("the model refused this input")', ''].join('\n'),
} as const;

/** Contents of FIXTURE.advisorFile, and what LAT001's quick fix turns it into. */
export const ADVISOR_FIXTURE = {
  source: [
    '"""Times one request against the local model server."""',
    'import time',
    '',
    'import requests',
    '',
    '',
    'def time_request(url: str, payload: dict) -> float:',
    '    start = time.time()',
    '    requests.post(url, json=payload, timeout=10)',
    '    return time.time() - start',
    '',
  ].join('\n'),
  /** 0-based line and character of the first finding (the `start = time.time()` reading). */
  first: { line: 7, character: 12 },
  fixTitle: 'Use time.perf_counter() for these readings',
} as const;

export const ADVISOR_FIXED = ADVISOR_FIXTURE.source.replace(/time\.time\(\)/g, 'time.perf_counter()');

/** `.vscode/latency.json` of the fixture: few runs so the suite stays quick, one thread so figures are steady. */
export const FIXTURE_CONFIG = {
  iterations: 40,
  warmup: 5,
  session: { intraOpNumThreads: 1 },
  models: { [FIXTURE.longModel]: { iterations: 5_000_000, warmup: 0 } },
  targets: {
    'fixture-function': { python: `${FIXTURE.pythonFile}:predict`, setup: 'setup' },
    'fixture-command': { command: 'sleep 0.01', iterations: 12, warmup: 1 },
  },
};

export interface TestRecord {
  title: string;
  fullTitle: string;
  state: 'passed' | 'failed' | 'pending';
  durationMs?: number;
  error?: { message: string; stack?: string };
}

export interface SuiteResults {
  mode: SuiteMode;
  passed: boolean;
  stats: { tests: number; passes: number; failures: number; pending: number; durationMs: number };
  tests: TestRecord[];
  /** The report as printed, line by line. */
  output: string[];
  /**
   * The extension's own view of what it shows, read through its API once the tests are done:
   * what a runner looking at the workbench should find there (the UI catches up asynchronously).
   */
  extensionState?: { statusBarText: string; lastResult?: { name: string; n: number; p50Ms: number; partial: boolean } };
  /** Where it ran: VS Code version, app host (desktop / web), remote name, workspace trust, the extension's folder. */
  host: { vscodeVersion: string; appHost: string; remoteName: string | undefined; uiKind: string; workspaceTrusted: boolean; extensionPath?: string };
}

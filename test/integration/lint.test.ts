// `latency lint` as a CI user runs it: the bundled CLI in a real process, on real files.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { JsonFinding } from '../../src/advisors/lintReport';
import { distFile } from '../support/dist';

const WALL = 'import time\n\n\ndef bench(m, x):\n    t0 = time.time()\n    m(x)\n    return time.time() - t0\n';
const CLEAN = 'def add(a, b):\n    return a + b\n';

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'latency-lint-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

const lint = (args: string[], cwd: string) => spawnSync(process.execPath, [distFile('cli.js'), 'lint', ...args], { cwd, encoding: 'utf8', timeout: 60_000 });

function project(name: string, files: Record<string, string>): string {
  const root = join(dir, name);
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(join(root, rel, '..'), { recursive: true });
    writeFileSync(join(root, rel), text);
  }
  return root;
}

test('prints file:line:col CODE message and exits 1 when a warning remains', () => {
  const root = project('text', { 'bench.py': WALL, 'util.py': CLEAN, 'notes.md': 'time.time()' });
  const r = lint(['.'], root);
  assert.equal(r.status, 1, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines.length, 2);
  assert.match(lines[0]!, /^bench\.py:5:10 LAT001 time\.time\(\) is the wall clock.* \[warning\]$/);
  assert.match(lines[1]!, /^bench\.py:7:12 LAT001 /);
  assert.match(r.stderr, /2 findings \(2 warnings\) in 2 files/);
});

test('--json gives every documented field, 1-based, with the fix edits', () => {
  const root = project('json', { 'bench.py': WALL });
  const r = lint(['bench.py', '--json'], root);
  assert.equal(r.status, 1, r.stderr);
  const findings = JSON.parse(r.stdout) as JsonFinding[];
  assert.equal(findings.length, 2);
  const f = findings[0]!;
  assert.deepEqual(
    { file: f.file, line: f.line, column: f.column, endLine: f.endLine, endColumn: f.endColumn, code: f.code, severity: f.severity },
    { file: 'bench.py', line: 5, column: 10, endLine: 5, endColumn: 21, code: 'LAT001', severity: 'warning' },
  );
  assert.equal(f.docs, 'docs/rules/LAT001.md');
  assert.equal(f.fixes[0]!.safety, 'safe');
  assert.deepEqual(f.fixes[0]!.edits.map((e) => [e.line, e.column, e.newText]), [
    [5, 10, 'time.perf_counter'],
    [7, 12, 'time.perf_counter'],
  ]);
});

test('--fix applies the safe fixes in place, keeps CRLF, and then exits 0', () => {
  const crlf = WALL.replace(/\n/g, '\r\n');
  const root = project('fix', { 'bench.py': crlf });
  const r = lint(['.', '--fix'], root);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.equal(readFileSync(join(root, 'bench.py'), 'utf8'), crlf.replace(/time\.time\(\)/g, 'time.perf_counter()'));
  assert.match(r.stderr, /0 findings in 1 file, 2 fixed/);
  const again = lint(['.', '--fix'], root);
  assert.equal(again.status, 0);
  assert.match(again.stderr, /0 findings in 1 file$/m);
});

test('--fail-on and --rule decide the exit status', () => {
  const root = project('levels', { 'bench.py': WALL });
  assert.equal(lint(['.', '--fail-on', 'error'], root).status, 0);
  assert.equal(lint(['.', '--rule', 'LAT001=error', '--fail-on', 'error'], root).status, 1);
  const off = lint(['.', '--rule', 'wrong-clock=off'], root);
  assert.equal(off.status, 0);
  assert.equal(off.stdout, '');
  assert.equal(lint(['.', '--fail-on', 'none'], root).status, 0);
});

test('skips node_modules, hidden folders and virtual environments; lints .ts and .js', () => {
  const root = project('walk', {
    'node_modules/pkg/bench.py': WALL,
    '.hidden/bench.py': WALL,
    'venv/pyvenv.cfg': 'home = /usr/bin\n',
    'venv/lib/bench.py': WALL,
    'src/server.ts': 'export const x = 1;\n',
    'src/app.js': 'module.exports = {};\n',
    'src/bench.py': WALL,
  });
  const r = lint(['.'], root);
  assert.equal(r.status, 1);
  assert.deepEqual([...new Set(r.stdout.trim().split('\n').map((l) => l.split(':')[0]))], ['src/bench.py']);
  assert.match(r.stderr, /in 3 files/);
});

test('bad arguments and missing paths exit 2 with a clear message; readable files are still linted', () => {
  const root = project('bad', { 'bench.py': WALL });
  const missing = lint(['bench.py', 'nope.py'], root);
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /nope\.py: no such file or folder/);
  assert.match(missing.stdout, /bench\.py:5:10 LAT001/, 'the readable file is still reported');
  const rule = lint(['.', '--rule', 'LAT999=off'], root);
  assert.equal(rule.status, 2);
  assert.match(rule.stderr, /--rule LAT999: no such rule/);
  const level = lint(['.', '--fail-on', 'loud'], root);
  assert.equal(level.status, 2);
  assert.match(level.stderr, /--fail-on must be/);
  const none = lint([], root);
  assert.equal(none.status, 2);
  assert.match(none.stderr, /missing path/);
  const notCode = project('notcode', { 'README.md': '# hi\n' });
  const md = lint(['README.md'], notCode);
  assert.equal(md.status, 2);
  assert.match(md.stderr, /not a Python, TypeScript or JavaScript file/);
  const help = spawnSync(process.execPath, [distFile('cli.js'), 'lint', '--help'], { encoding: 'utf8' });
  assert.equal(help.status, 0);
  assert.match(help.stdout, /latency lint <path>\.\.\. \[options\]/);
});

test('.vscode/settings.json applies as in the editor; flags win; a broken file is reported and skipped', () => {
  const root = project('settings', {
    'bench.py': WALL,
    '.vscode/settings.json': '{\n  // as the editor writes it\n  "latency.advisors.rules": { "LAT001": "off", "LAT999": "off" },\n}\n',
  });
  const off = lint(['bench.py'], root);
  assert.equal(off.status, 0, off.stderr);
  assert.equal(off.stdout, '');
  assert.match(off.stderr, /latency\.advisors\.rules\.LAT999: no such rule/);
  const flag = lint(['bench.py', '--rule', 'LAT001=error'], root);
  assert.equal(flag.status, 1);
  assert.match(flag.stdout, /LAT001 .*\[error\]/);
  writeFileSync(join(root, '.vscode', 'settings.json'), '{ "latency.advisors.rules": { "LAT001": ');
  const broken = lint(['bench.py'], root);
  assert.equal(broken.status, 1, 'the file is still linted with the defaults');
  assert.match(broken.stderr, /\.vscode\/settings\.json ignored \(\w+ at line 1\)/);
  assert.match(broken.stdout, /bench\.py:5:10 LAT001/);
});

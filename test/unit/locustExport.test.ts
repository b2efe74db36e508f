import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { LocustExportError, pyLiteral, pyString, renderLocustFile, settleScenario, type LocustScenario } from '../../src/core/locustExport';

// Any Python 3 parses the file (Locust itself is not needed to parse it).
const PYTHON = ['/usr/bin/python3', 'python3'].find((p) => spawnSync(p, ['-c', 'pass']).status === 0) ?? 'python3';

/** The file parsed by Python's own parser and its scenario constants evaluated as literals (ast.literal_eval). */
function pythonConstants(source: string): Record<string, unknown> {
  const script = `
import ast, json, sys
src = sys.stdin.read()
compile(src, "locustfile.py", "exec")
tree = ast.parse(src)
out = {}
for node in tree.body:
    if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name) and node.targets[0].id.isupper():
        value = node.value
        if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr == "encode":
            value = value.func.value
        out[node.targets[0].id] = ast.literal_eval(value)
print(json.dumps(out))
`;
  const r = spawnSync(PYTHON, ['-c', script], { input: source, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

const NASTY = 'q"uote \'single\' back\\slash \\" new\nline\r\ttab """triple""" é ü 中文 😀 \u2028 \x00 \x7f end';

test('every value reaches Python as the same string: quotes, backslashes, newlines, """, non-ASCII', () => {
  const scenario: LocustScenario = {
    spec: {
      kind: 'http',
      url: 'http://127.0.0.1:8000/p%20ath?q="a"&b=\\x',
      method: 'post',
      headers: { 'X-Nasty': NASTY, Authorization: 'Bearer """' },
      body: NASTY,
      expectedStatus: [200, 201],
      timeoutSeconds: 2.5,
    },
    users: 6,
    ratePerSecond: 30,
    slo: { p99BudgetMs: 120, maxErrorRate: 0.01 },
  };
  const text = renderLocustFile(scenario);
  assert.ok(/^[\x00-\x7f]*$/.test(text.split('\n').filter((l) => !l.startsWith('#')).join('\n')), 'the code is pure ASCII (comments aside)');
  const c = pythonConstants(text);
  assert.equal(c.HOST, 'http://127.0.0.1:8000');
  assert.equal(c.PATH, new URL(scenario.spec.url).pathname + new URL(scenario.spec.url).search);
  assert.equal(c.URL, scenario.spec.url);
  assert.equal(c.METHOD, 'POST');
  assert.deepEqual(c.HEADERS, { 'X-Nasty': NASTY, Authorization: 'Bearer """' });
  assert.equal(c.BODY, NASTY);
  assert.deepEqual(c.EXPECTED_STATUS, [200, 201]);
  assert.equal(c.TIMEOUT_S, 2.5);
  assert.equal(c.USERS, 6);
  assert.equal(c.RATE_PER_USER, 5);
  assert.equal(c.P99_BUDGET_MS, 120);
  assert.equal(c.MAX_ERROR_RATE, 0.01);
});

test('a URL that would end a comment early cannot inject code', () => {
  const text = renderLocustFile({ spec: { kind: 'http', url: 'http://h/x\nimport os; os.system("boom")' } });
  // The URL parser drops the newline; whatever remains is inside a literal or a comment line.
  for (const line of text.split('\n')) if (line.includes('os.system')) assert.ok(line.startsWith('#') || /^[A-Z_]+ = "/.test(line), line);
  pythonConstants(text);
});

test('closed loop: users send at once (constant(0)); a rate paces each user at rate ÷ users, said to be approximate', () => {
  const closed = renderLocustFile({ spec: { kind: 'http', url: 'http://127.0.0.1:1/', concurrency: 8 } });
  assert.equal(pythonConstants(closed).USERS, 8);
  assert.equal(pythonConstants(closed).RATE_PER_USER, null);
  assert.match(closed, /wait_time = constant\(0\) if RATE_PER_USER is None else constant_throughput\(RATE_PER_USER\)/);
  assert.match(closed, /# Closed loop/);
  const paced = renderLocustFile({ spec: { kind: 'http', url: 'http://127.0.0.1:1/' }, users: 4, ratePerSecond: 10 });
  assert.equal(pythonConstants(paced).RATE_PER_USER, 2.5);
  assert.match(paced, /Approximate/);
});

test('SLOs: checked at quit, exit code 1 on a failure, from the per-request records', () => {
  const text = renderLocustFile({ spec: { kind: 'http', url: 'http://127.0.0.1:1/' }, slo: { p99BudgetMs: 50 } });
  assert.match(text, /events\.quitting|environment\.events\.quitting\.add_listener/);
  assert.match(text, /environment\.process_exit_code = 1/);
  assert.match(text, /# SLOs, checked when Locust quits \(exit code 1 when one fails\): p99 ≤ 50 ms\./);
  const c = pythonConstants(text);
  assert.equal(c.P99_BUDGET_MS, 50);
  assert.equal(c.MAX_ERROR_RATE, null);
  assert.match(renderLocustFile({ spec: { kind: 'http', url: 'http://127.0.0.1:1/' } }), /# No SLOs/);
});

test('the records hook and the master-collect messages are in the file', () => {
  const text = renderLocustFile({ spec: { kind: 'http', url: 'http://127.0.0.1:1/' } });
  assert.match(text, /environment\.events\.request\.add_listener\(recorder\.on_request\)/);
  assert.match(text, /register_message\(RECORDS_MESSAGE/);
  assert.match(text, /register_message\(FLUSH_MESSAGE/);
  assert.match(text, /--latency-records/);
  assert.match(text, /Locust's own/);
});

test('defaults as the own client settles them: POST with a body, JSON content type, 30 s timeout', () => {
  const s = settleScenario({ spec: { kind: 'http', url: 'https://example.com:8443/v1/predict?x=1', body: '{"a":1}' } });
  assert.equal(s.method, 'POST');
  assert.equal(s.host, 'https://example.com:8443');
  assert.equal(s.path, '/v1/predict?x=1');
  assert.deepEqual(s.headers, { 'content-type': 'application/json' });
  assert.equal(s.timeoutSeconds, 30);
  const own = settleScenario({ spec: { kind: 'http', url: 'http://h/', body: '{}', headers: { 'Content-Type': 'text/plain' } } });
  assert.deepEqual(own.headers, { 'Content-Type': 'text/plain' });
  assert.equal(settleScenario({ spec: { kind: 'http', url: 'http://h/' } }).method, 'GET');
});

test('bad scenarios are refused with a clear error', () => {
  const bad = (s: LocustScenario, re: RegExp) => assert.throws(() => renderLocustFile(s), (e: unknown) => e instanceof LocustExportError && re.test(e.message));
  bad({ spec: { kind: 'http', url: 'not a url' } }, /not a valid URL/);
  bad({ spec: { kind: 'http', url: 'ftp://h/' } }, /http:\/\/ and https:\/\//);
  bad({ spec: { kind: 'http', url: 'http://h/' }, users: 0 }, /users/);
  bad({ spec: { kind: 'http', url: 'http://h/' }, ratePerSecond: -1 }, /rate/);
  bad({ spec: { kind: 'http', url: 'http://h/' }, slo: { maxErrorRate: 2 } }, /error-rate/);
  bad({ spec: { kind: 'http', url: 'http://h/' }, slo: { p99BudgetMs: Number.NaN } }, /p99 budget/);
  bad({ spec: { kind: 'http', url: 'http://h/', body: 'lone \ud800 surrogate' } }, /surrogate/);
  bad({ spec: { kind: 'http', url: 'http://h/', body: '{"i": {{i}}}', bodyTemplate: true } }, /templated body/);
});

test('pyLiteral: Python literals, nothing raw', () => {
  assert.equal(pyLiteral(null), 'None');
  assert.equal(pyLiteral(true), 'True');
  assert.equal(pyLiteral([1, 2.5, 'a']), '[1, 2.5, "a"]');
  assert.equal(pyLiteral({ 'k"': 'v' }), '{"k\\"": "v"}');
  assert.equal(pyString('é😀\n'), '"\\u00e9\\U0001f600\\n"');
  assert.throws(() => pyLiteral(Infinity), LocustExportError);
});

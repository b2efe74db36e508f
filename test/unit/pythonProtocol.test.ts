import assert from 'node:assert/strict';
import { test } from 'node:test';
import { harnessCommandLine, isHarnessParseError, parseHarnessLine, type HarnessMessage } from '../../src/core/pythonProtocol';

function ok(line: string): HarnessMessage {
  const r = parseHarnessLine(line);
  if (isHarnessParseError(r)) assert.fail(`expected a message, got: ${r.error}`);
  return r;
}

function bad(line: string, pattern: RegExp): void {
  const r = parseHarnessLine(line);
  assert.ok(isHarnessParseError(r), `expected a parse error for ${line}`);
  assert.match(r.error, pattern);
}

// The lines below are what python/latency_harness.py writes (json.dumps with compact separators).

test('hello, imported, ready, cold, done and probe parse to their typed messages', () => {
  assert.deepEqual(
    ok('{"version":"3.11.2","executable":"/usr/bin/python3","packages":{"numpy":"1.24.2"},"t":"hello","protocol":1,"pid":4242}'),
    { t: 'hello', protocol: 1, pid: 4242, version: '3.11.2', executable: '/usr/bin/python3', packages: { numpy: '1.24.2' } },
  );
  assert.deepEqual(ok('{"t":"imported","importNs":166353884,"module":"model"}'), { t: 'imported', importNs: 166353884, module: 'model' });
  assert.deepEqual(ok('{"t":"ready","setupNs":13445,"function":"mm","setup":"setup","line":7}'), {
    t: 'ready',
    setupNs: 13445,
    function: 'mm',
    setup: 'setup',
    line: 7,
  });
  assert.deepEqual(ok('{"t":"ready","setupNs":0,"function":"f","setup":null,"line":null}'), { t: 'ready', setupNs: 0, function: 'f', setup: null, line: null });
  assert.deepEqual(ok('{"t":"cold","ns":238681,"synchronized":false,"cuda":null}'), { t: 'cold', ns: 238681, synchronized: false, cuda: null });
  assert.deepEqual(ok('{"t":"cold","ns":5,"synchronized":true,"cuda":{"device":"NVIDIA H100","runtime":"12.4","capability":"9.0"}}'), {
    t: 'cold',
    ns: 5,
    synchronized: true,
    cuda: { device: 'NVIDIA H100', runtime: '12.4', capability: '9.0' },
  });
  assert.deepEqual(ok('{"t":"done","rssBytes":35930112,"cudaPeakAllocatedBytes":null}'), { t: 'done', rssBytes: 35930112, cudaPeakAllocatedBytes: null });
  assert.deepEqual(ok('{"version":"3.8.10","executable":"/venv/bin/python","packages":{},"t":"probe"}'), {
    t: 'probe',
    version: '3.8.10',
    executable: '/venv/bin/python',
    packages: {},
  });
});

test('samples: integer nanoseconds, the phase, the count so far, wall time, peak RSS, final flag', () => {
  const m = ok('{"t":"samples","phase":"measure","ns":[81004,78800,77857],"count":12,"wallNs":1068812,"rssBytes":35930112,"final":false}');
  assert.deepEqual(m, { t: 'samples', phase: 'measure', ns: [81004, 78800, 77857], count: 12, wallNs: 1068812, rssBytes: 35930112, final: false });
  assert.deepEqual(ok('{"t":"samples","phase":"warmup","ns":[],"count":0,"wallNs":10,"rssBytes":0,"final":true}'), {
    t: 'samples',
    phase: 'warmup',
    ns: [],
    count: 0,
    wallNs: 10,
    rssBytes: 0,
    final: true,
  });
  bad('{"t":"samples","phase":"measure","ns":[1.5],"count":1,"wallNs":1,"rssBytes":1,"final":false}', /ns\[0\] must be a whole number/);
  bad('{"t":"samples","phase":"measure","ns":[-1],"count":1,"wallNs":1,"rssBytes":1,"final":false}', /ns\[0\]/);
  bad('{"t":"samples","phase":"measure","ns":"1,2","count":1,"wallNs":1,"rssBytes":1,"final":false}', /"ns" must be an array/);
  bad('{"t":"samples","phase":"cold","ns":[],"count":0,"wallNs":1,"rssBytes":1,"final":false}', /"phase" must be "warmup" or "measure"/);
  bad('{"t":"samples","phase":"measure","ns":[],"count":0,"wallNs":1,"rssBytes":1}', /"final" must be a boolean, got nothing/);
});

test('error: the required fields and the optional location, module, iteration, missing name and definitions', () => {
  const m = ok(
    JSON.stringify({
      t: 'error',
      phase: 'measure',
      type: 'ValueError',
      message: 'bad input',
      traceback: 'Traceback (most recent call last):\n  File "/w/m.py", line 9, in f\nValueError: bad input\n',
      file: '/w/m.py',
      line: 9,
      iteration: 501,
    }),
  );
  assert.equal(m.t, 'error');
  assert.deepEqual(m, {
    t: 'error',
    phase: 'measure',
    type: 'ValueError',
    message: 'bad input',
    traceback: 'Traceback (most recent call last):\n  File "/w/m.py", line 9, in f\nValueError: bad input\n',
    file: '/w/m.py',
    line: 9,
    iteration: 501,
  });
  assert.deepEqual(
    ok('{"t":"error","phase":"resolve","type":"NameNotFound","message":"m.py does not define f","traceback":"","file":"/w/m.py","missing":{"name":"f","role":"function"},"defines":["a","B"]}'),
    { t: 'error', phase: 'resolve', type: 'NameNotFound', message: 'm.py does not define f', traceback: '', file: '/w/m.py', missing: { name: 'f', role: 'function' }, defines: ['a', 'B'] },
  );
  assert.deepEqual(ok('{"t":"error","phase":"import","type":"ModuleNotFoundError","message":"No module named \'cv2\'","traceback":"","module":"cv2"}'), {
    t: 'error',
    phase: 'import',
    type: 'ModuleNotFoundError',
    message: "No module named 'cv2'",
    traceback: '',
    module: 'cv2',
  });
  bad('{"t":"error","phase":"lunch","type":"X","message":"","traceback":""}', /"phase" must be one of startup, import/);
  bad('{"t":"error","phase":"setup","type":"X","message":"m"}', /"traceback" must be a string/);
  bad('{"t":"error","phase":"measure","type":"X","message":"","traceback":"","iteration":0}', /"iteration" must be a positive whole number/);
  bad('{"t":"error","phase":"resolve","type":"X","message":"","traceback":"","missing":{"name":"f","role":"teardown"}}', /"role" must be "function" or "setup"/);
});

test('what is not a harness message is an {error}, never a throw: not JSON, not an object, unknown type, wrong fields', () => {
  bad('', /empty line/);
  bad('   ', /empty line/);
  bad('\u0000\u00ff{"not":"ours"}', /not JSON/);
  bad('hello world', /not JSON/);
  bad('[1,2,3]', /not a JSON object/);
  bad('42', /not a JSON object/);
  bad('{"not":"ours"}', /"t" must be a string, got nothing/);
  bad('{"t":"bogus"}', /unknown message type "bogus"/);
  bad('{"t":"hello","protocol":1,"pid":1,"version":3.11,"executable":"/p","packages":{}}', /"version" must be a string/);
  bad('{"t":"hello","protocol":1,"pid":1,"version":"3","executable":"/p","packages":{"numpy":1}}', /packages\.numpy must be a string/);
  bad('{"t":"cold","ns":1,"synchronized":"yes","cuda":null}', /"synchronized" must be a boolean/);
  bad('{"t":"cold","ns":1,"synchronized":true,"cuda":{"device":0}}', /"device" must be a string/);
  bad('{"t":"ready","setupNs":1,"function":"f","setup":null,"line":0}', /"line" must be a line number or null/);
  bad('{"t":"done","rssBytes":-5,"cudaPeakAllocatedBytes":null}', /"rssBytes" must be a whole number of bytes/);
  // A long bad line is quoted short in the error.
  const long = parseHarnessLine(`{"t":"bogus","pad":"${'x'.repeat(10_000)}"}`);
  assert.ok(isHarnessParseError(long) && long.error.length < 200);
});

test('a trailing CR (or other whitespace) around a line is tolerated', () => {
  assert.deepEqual(ok('{"t":"imported","importNs":1,"module":"m"}\r'), { t: 'imported', importNs: 1, module: 'm' });
});

test('commands are one word per line', () => {
  assert.equal(harnessCommandLine('stop'), 'stop\n');
  assert.equal(harnessCommandLine('cancel'), 'cancel\n');
  assert.equal(harnessCommandLine('flush'), 'flush\n');
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { advisorLanguageOf, analyzeSource, effectiveSeverity } from '../../../src/advisors/analyze';
import { mergeRules, RULES } from '../../../src/advisors/registry';
import type { Rule } from '../../../src/advisors/rule';
import { advisorSettingsFromSettingsJson, resolveAdvisorSettings } from '../../../src/advisors/advisorConfig';
import { declaresFlashAttention, isPythonManifest } from '../../../src/advisors/workspaceFacts';

const WALL = 'import time\ndef f(m):\n    t0 = time.time()\n    m()\n    return time.time() - t0\n';

test('languages by VS Code id and by file name', () => {
  assert.equal(advisorLanguageOf('python'), 'python');
  assert.equal(advisorLanguageOf('src/app.py'), 'python');
  assert.equal(advisorLanguageOf('typescriptreact'), 'tsx');
  assert.equal(advisorLanguageOf('a/b.mts'), 'typescript');
  assert.equal(advisorLanguageOf('server.cjs'), 'javascript');
  assert.equal(advisorLanguageOf('javascriptreact'), 'javascript');
  assert.equal(advisorLanguageOf('README.md'), undefined);
  assert.equal(advisorLanguageOf('rust'), undefined);
});

test('every rule has a unique code and id, a title, and a check', () => {
  const codes = new Set<string>();
  const ids = new Set<string>();
  for (const r of RULES) {
    assert.match(r.code, /^LAT\d{3}$/);
    assert.match(r.id, /^[a-z0-9]+(-[a-z0-9]+)*$/);
    assert.ok(!codes.has(r.code) && !ids.has(r.id), `${r.code} / ${r.id} registered twice`);
    codes.add(r.code);
    ids.add(r.id);
    assert.ok(r.title.length > 5);
    assert.ok(r.checkPython || r.checkScript, `${r.code} checks nothing`);
    assert.equal(r.kind === 'pitfall', r.code < 'LAT100', `${r.code}: 0xx are pitfalls, 1xx optimization chances`);
  }
});

test('merging joins one Python and one JS/TS implementation of a code, and refuses conflicts', () => {
  const py: Rule = { code: 'LAT900', id: 'x', title: 'x rule', kind: 'pitfall', defaultSeverity: 'warning', checkPython: () => [] };
  const js: Rule = { ...py, checkPython: undefined, checkScript: () => [] };
  const merged = mergeRules([[py], [js]]);
  assert.equal(merged.length, 1);
  assert.ok(merged[0]!.checkPython && merged[0]!.checkScript);
  assert.throws(() => mergeRules([[py], [py]]), /two implementations/);
  assert.throws(() => mergeRules([[py], [{ ...js, id: 'y' }]]), /both x and y/);
});

test('settings: off, default and severity overrides, by code or id', async () => {
  const rule = RULES.find((r) => r.code === 'LAT001')!;
  assert.equal(effectiveSeverity(rule, {}), 'warning');
  assert.equal(effectiveSeverity(rule, { rules: { LAT001: 'off' } }), undefined);
  assert.equal(effectiveSeverity(rule, { rules: { 'wrong-clock': 'error' } }), 'error');
  assert.equal(effectiveSeverity(rule, { rules: { LAT001: 'default', 'wrong-clock': 'hint' } }), 'warning', 'the code wins over the id');
  const offByDefault = { ...rule, defaultOff: true };
  assert.equal(effectiveSeverity(offByDefault, {}), undefined);
  assert.equal(effectiveSeverity(offByDefault, { rules: { LAT001: 'information' } }), 'information');

  const base = await analyzeSource(WALL, 'python');
  const lat001 = base.findings.filter((f) => f.code === 'LAT001');
  assert.equal(lat001.length, 2);
  assert.ok(lat001.every((f) => f.severity === 'warning'));
  const off = await analyzeSource(WALL, 'python', { rules: { LAT001: 'off' } });
  assert.equal(off.findings.filter((f) => f.code === 'LAT001').length, 0);
  const err = await analyzeSource(WALL, 'python', { rules: { 'wrong-clock': 'error' } });
  assert.ok(err.findings.filter((f) => f.code === 'LAT001').every((f) => f.severity === 'error'));
});

test('findings come sorted by position; nothing in comments or strings', async () => {
  const src = '# t0 = time.time(); time.time() - t0\nimport time\ns = "time.time() - t0"\n' + WALL.replace('import time\n', '');
  const { findings } = await analyzeSource(src, 'python');
  const lat001 = findings.filter((f) => f.code === 'LAT001');
  assert.equal(lat001.length, 2);
  for (let i = 1; i < findings.length; i++) {
    const a = findings[i - 1]!.range.start;
    const b = findings[i]!.range.start;
    assert.ok(a.line < b.line || (a.line === b.line && a.character <= b.character));
  }
  assert.ok(lat001.every((f) => f.range.start.line >= 3));
});

test('a source with syntax errors still gets analyzed; an empty one gets nothing', async () => {
  const broken = WALL + '\ndef broken(:\n    pass\n';
  const { findings, failures } = await analyzeSource(broken, 'python');
  assert.deepEqual(failures, []);
  assert.ok(findings.some((f) => f.code === 'LAT001'));
  assert.deepEqual((await analyzeSource('', 'python')).findings, []);
  assert.deepEqual((await analyzeSource('', 'typescript')).findings, []);
});

test('flash-attn is read from dependency manifests, not from comments', () => {
  assert.ok(isPythonManifest('requirements.txt'));
  assert.ok(isPythonManifest('requirements-gpu.in'));
  assert.ok(isPythonManifest('pyproject.toml'));
  assert.ok(!isPythonManifest('package.json'));
  assert.equal(declaresFlashAttention([{ name: 'requirements.txt', text: 'torch==2.4\nflash-attn==2.6.3\n' }]), true);
  assert.equal(declaresFlashAttention([{ name: 'pyproject.toml', text: 'dependencies = ["torch", "flash_attn>=2"]' }]), true);
  assert.equal(declaresFlashAttention([{ name: 'requirements.txt', text: 'torch\n# flash-attn needs CUDA 12\n' }]), false);
  assert.equal(declaresFlashAttention([{ name: 'requirements.txt', text: 'flash-attn-helper==1\n' }]), false);
});

test('advisor settings: validated the same for the editor and the CLI', () => {
  const ok = resolveAdvisorSettings({ enabled: false, rules: { LAT001: 'off', 'wrong-clock': 'error' }, minSamples: 2000, flashAttention: 'available' });
  assert.deepEqual(ok, { enabled: false, settings: { rules: { LAT001: 'off', 'wrong-clock': 'error' }, options: { minSamples: 2000 } }, flashAttention: 'available', ignored: [] });
  const bad = resolveAdvisorSettings({ rules: { LAT001: 'loud' }, minSamples: 0.5, flashAttention: 'yes' });
  assert.deepEqual(bad.settings, { rules: {}, options: {} });
  assert.equal(bad.flashAttention, 'auto');
  assert.equal(bad.ignored.length, 3);
  assert.deepEqual(resolveAdvisorSettings({ rules: [] }).ignored, ['latency.advisors.rules: expected an object of code → severity']);
  assert.deepEqual(advisorSettingsFromSettingsJson('// c\n{ "latency.advisors.minSamples": 10, "editor.tabSize": 2, }'), {
    raw: { enabled: undefined, rules: undefined, minSamples: 10, flashAttention: undefined },
  });
  assert.deepEqual(advisorSettingsFromSettingsJson(''), { raw: {} });
  assert.match((advisorSettingsFromSettingsJson('[1]') as { error: string }).error, /expected an object/);
  assert.match((advisorSettingsFromSettingsJson('{\n"a": }') as { error: string }).error, /at line 2/);
});

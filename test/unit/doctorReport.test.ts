import assert from 'node:assert/strict';
import { test } from 'node:test';
import { doctorPassed, renderDoctorReport, type DoctorReport } from '../../src/core/doctorReport';

const ok: DoctorReport = {
  interpreter: 'python3',
  python: { ok: true, env: { version: '3.11.2', executable: '/usr/bin/python3.11', packages: { numpy: '1.24.2', torch: '1.13.0a0' } } },
};

test('a working interpreter: where it is, its packages, the harness; CUDA only when asked', () => {
  assert.equal(
    renderDoctorReport(ok),
    [
      'Latency Python check: python3',
      '  interpreter  ✓ /usr/bin/python3.11 (Python 3.11.2)',
      '  packages     numpy 1.24.2, torch 1.13.0a0',
      '  harness      ✓ the shipped harness runs in it',
    ].join('\n'),
  );
  assert.equal(doctorPassed(ok), true);
  const gpu: DoctorReport = { ...ok, cuda: { ok: true, device: 'NVIDIA H200', runtime: '12.8', capability: '9.0' } };
  assert.match(renderDoctorReport(gpu), /^  CUDA         ✓ NVIDIA H200 · CUDA 12\.8 · sm 9\.0$/m);
});

test('a problem reads as the doctor words it, with its fix on the next line; any failed check fails the whole', () => {
  const noCuda: DoctorReport = { ...ok, cuda: { ok: false, kind: 'cudaMismatch', message: 'torch 1.13.0a0 was built without CUDA', hint: 'install a CUDA build of torch' } };
  assert.match(renderDoctorReport(noCuda), /  CUDA         ✗ torch 1\.13\.0a0 was built without CUDA\n {15}fix: install a CUDA build of torch$/);
  assert.equal(doctorPassed(noCuda), false);
  const missing: DoctorReport = { interpreter: '/opt/py/bin/python', python: { ok: false, kind: 'interpreterNotFound', message: 'Python interpreter not found: /opt/py/bin/python', hint: 'Install python3' } };
  assert.equal(renderDoctorReport(missing), 'Latency Python check: /opt/py/bin/python\n  interpreter  ✗ Python interpreter not found: /opt/py/bin/python\n               fix: Install python3');
  assert.equal(doctorPassed(missing), false);
});

// Fake executables for the tests that spawn tools this machine may not have (nvidia-smi): small
// sh scripts in a temporary folder that lives as long as the test file.

import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before } from 'node:test';

export interface FakeExecutables {
  /** The temporary folder; set once the file's tests begin. */
  readonly dir: string;
  /**
   * Writes an executable sh script at `name` (a path inside `dir`, folders made as needed) and
   * returns its absolute path.
   */
  script(name: string, body: string): string;
}

/** Call at the top level of a test file: the folder is made before its tests and removed after. */
export function fakeExecutables(prefix: string): FakeExecutables {
  let dir = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), prefix));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));
  return {
    get dir() {
      return dir;
    },
    script(name, body) {
      const file = join(dir, name);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, `#!/bin/sh\n${body}\n`);
      chmodSync(file, 0o755);
      return file;
    },
  };
}

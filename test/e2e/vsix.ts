// The packaged extension the VS Code tests run: the linux-x64 (this platform's) VSIX built by
// scripts/package-vsix.js (vsce and a production esbuild), installed with
// `code-server --install-extension` as a user would. The in-host suite loads the folder that
// install unpacked (the VSIX's extension/ folder) as its extension under development, and the
// browser E2E runs the installed extension: a file missing from the VSIX fails both.

import { execFile } from 'node:child_process';
import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { installVsix } from './codeServer';
import { ROOT } from './shared';

export const EXTENSION_ID = 'latency-dev.latency';

export interface PackagedExtension {
  vsix: string;
  sizeBytes: number;
  /** An extensions folder (code-server --extensions-dir) holding the installed VSIX. */
  extensionsDir: string;
  /** The folder the install unpacked the VSIX into: the extension as users get it. */
  extensionPath: string;
  timings: { packageMs: number; installMs: number };
}

function run(args: string[], tmp: string): Promise<string> {
  mkdirSync(tmp, { recursive: true });
  // TMPDIR: package-vsix.js leaves its temp folder (the .vscodeignore it writes) behind; here it
  // lands in our work folder and goes with it.
  const env = { ...process.env, TMPDIR: tmp };
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, { cwd: ROOT, env, timeout: 180_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`node ${args.join(' ')} failed: ${err.message}\n${stdout}${stderr}`.trimEnd()));
      else resolve(`${stdout}${stderr}`);
    });
  });
}

/** Builds the VSIX for this platform into workDir/vsix and installs it into workDir/extensions. */
export async function packageAndInstall(workDir: string): Promise<PackagedExtension> {
  const outDir = join(workDir, 'vsix');
  mkdirSync(outDir, { recursive: true });
  const t0 = performance.now();
  await run([join(ROOT, 'scripts', 'package-vsix.js'), '--target', `${process.platform}-${process.arch}`, '--out', outDir], join(workDir, 'tmp'));
  const name = readdirSync(outDir).find((f) => f.endsWith('.vsix'));
  if (!name) throw new Error(`scripts/package-vsix.js wrote no .vsix into ${outDir}`);
  const vsix = join(outDir, name);
  const t1 = performance.now();
  const extensionsDir = join(workDir, 'extensions');
  const extensionPath = await installVsix(vsix, extensionsDir, join(workDir, 'install'), EXTENSION_ID);
  return {
    vsix,
    sizeBytes: statSync(vsix).size,
    extensionsDir,
    extensionPath,
    timings: { packageMs: Math.round(t1 - t0), installMs: Math.round(performance.now() - t1) },
  };
}

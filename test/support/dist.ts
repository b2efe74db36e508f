import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const ROOT = join(__dirname, '..', '..');

/** The built bundles under test; `npm test` builds them first. */
export function distFile(name: 'profiler.js' | 'cli.js' | 'extension.js' | 'webview.js' | 'advisorWorker.js'): string {
  const file = join(ROOT, 'dist', name);
  if (!existsSync(file)) throw new Error(`${file} is missing: run \`npm run build\` (npm test does it for you)`);
  return file;
}

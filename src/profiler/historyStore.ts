// The run history folder (`.latency/runs/` in a workspace): one JSON file per run, shared by the
// extension host and the CLI, and possibly by several of each at once.
//
// Every file appears whole or not at all: it is written under a temporary name in the same folder
// and then given its final name. A new run takes its name with link(2), which fails when the name
// exists, so two processes saving at the same second cannot overwrite each other; the loser picks
// the next free id and tries again. Readers skip the temporary names (dot-prefixed, `.tmp`), so a
// crash mid-write leaves nothing they trip over.

import { randomBytes } from 'crypto';
import { promises as fs } from 'fs';
import * as path from 'path';
import {
  isRunId,
  parseSavedRun,
  sortRuns,
  toSavedRun,
  withBaseline,
  withLabel,
  type SavedRun,
} from '../core/history';
import type { BenchmarkResult } from '../core/result';

export interface HistoryProblem {
  /** Full path of the file that was skipped. */
  file: string;
  reason: string;
}

export interface HistoryListing {
  /** Newest first (sortRuns). */
  runs: SavedRun[];
  problems: HistoryProblem[];
}

export type HistoryErrorCode = 'invalid-id' | 'not-found' | 'unreadable';

export class HistoryError extends Error {
  constructor(
    message: string,
    readonly code: HistoryErrorCode,
  ) {
    super(message);
    this.name = 'HistoryError';
  }
}

/** Clashes only come from saves racing at the same second; this many means something else is wrong. */
const MAX_CLAIMS = 1000;
/** Older temporary files are left by a crash: no write takes this long. */
const STALE_TEMP_MS = 60 * 60 * 1000;
/** Files read at once by list(): a folder of hundreds of runs must not exhaust file descriptors. */
const READ_CONCURRENCY = 8;
/** link(2) errors meaning "this filesystem has no hard links" (FAT, some network and FUSE mounts). */
const NO_HARD_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV']);

export class HistoryStore {
  constructor(readonly dir: string) {}

  /** Saves `result` as a new run under a fresh id; the folder is created if need be. */
  async save(result: BenchmarkResult, opts: { label?: string; baseline?: boolean } = {}): Promise<SavedRun> {
    await fs.mkdir(this.dir, { recursive: true });
    const savedAt = new Date().toISOString();
    const names = await this.names();
    await this.removeStaleTemps(names);
    const taken = new Set(names.filter(isRunFileName).map(idOf));
    for (let attempt = 0; attempt < MAX_CLAIMS; attempt++) {
      const run = toSavedRun(result, { existingIds: taken, savedAt, label: opts.label });
      const tmp = await this.writeTemp(run);
      let claimed: boolean;
      try {
        claimed = await this.claim(tmp, this.fileOf(run.id));
      } finally {
        await fs.rm(tmp, { force: true });
      }
      if (!claimed) {
        // Another process took that id a moment ago; what else appeared meanwhile is taken too.
        taken.add(run.id);
        for (const n of await this.names()) if (isRunFileName(n)) taken.add(idOf(n));
        continue;
      }
      if (opts.baseline) return (await this.setBaseline(run.id)) ?? run;
      return run;
    }
    throw new Error(`could not find a free run id in ${this.dir} after ${MAX_CLAIMS} tries`);
  }

  /**
   * Every run in the folder, and every `*.json` file that is not one, with the reason. One bad
   * file never fails the listing; a missing folder is an empty history.
   */
  async list(): Promise<HistoryListing> {
    const files = (await this.names()).filter(isRunFileName).sort();
    const runs: SavedRun[] = [];
    const problems: HistoryProblem[] = [];
    await forEachLimited(files, READ_CONCURRENCY, async (name) => {
      const file = path.join(this.dir, name);
      let text: string;
      try {
        text = await fs.readFile(file, 'utf8');
      } catch (err) {
        // Deleted between readdir and read: gone, not broken.
        if (errCode(err) === 'ENOENT') return;
        problems.push({ file, reason: readFailure(err) });
        return;
      }
      const parsed = parseSavedRun(text, name);
      if (parsed.ok) runs.push(parsed.run);
      else problems.push({ file, reason: parsed.reason });
    });
    problems.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
    return { runs: sortRuns(runs), problems };
  }

  /** @throws HistoryError: not a run id, no such run, or the file does not hold a readable run. */
  async read(id: string): Promise<SavedRun> {
    const file = this.fileOf(id);
    let text: string;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch (err) {
      if (errCode(err) === 'ENOENT') throw new HistoryError(`no run ${id} in ${this.dir}`, 'not-found');
      throw new HistoryError(`${file}: ${readFailure(err)}`, 'unreadable');
    }
    const parsed = parseSavedRun(text, path.basename(file));
    if (!parsed.ok) throw new HistoryError(`${file}: ${parsed.reason}`, 'unreadable');
    return parsed.run;
  }

  /** Sets the run's label; a blank one removes it. */
  async rename(id: string, label: string): Promise<SavedRun> {
    const run = withLabel(await this.read(id), label);
    await this.replace(run);
    return run;
  }

  /**
   * Makes `id` the folder's only baseline, or clears it (null). Others are cleared before and
   * again after the mark is set: a crash part-way leaves at most one baseline, and of two
   * windows choosing different baselines at once, whichever writes its mark last clears the
   * other's (at worst both clear each other's and none is left, never two).
   *
   * @returns the baseline run, or null when cleared.
   */
  async setBaseline(id: string | null): Promise<SavedRun | null> {
    if (id !== null) await this.read(id);
    await this.clearBaselines(id);
    if (id === null) return null;
    let run = await this.read(id);
    if (!run.baseline) {
      run = withBaseline(run, true);
      await this.replace(run);
    }
    await this.clearBaselines(id);
    return run;
  }

  /** @returns false when there was no such run. */
  async delete(id: string): Promise<boolean> {
    try {
      await fs.unlink(this.fileOf(id));
      return true;
    } catch (err) {
      if (errCode(err) === 'ENOENT') return false;
      throw err;
    }
  }

  private async clearBaselines(except: string | null): Promise<void> {
    const { runs } = await this.list();
    for (const run of runs) {
      if (run.baseline && run.id !== except) await this.replace(withBaseline(run, false));
    }
  }

  /** The file for `id`; ids come from webview messages and command lines too, so they are checked first. */
  private fileOf(id: string): string {
    if (!isRunId(id)) throw new HistoryError(`not a run id: ${JSON.stringify(id)}`, 'invalid-id');
    return path.join(this.dir, `${id}.json`);
  }

  private async names(): Promise<string[]> {
    try {
      return await fs.readdir(this.dir);
    } catch (err) {
      if (errCode(err) === 'ENOENT') return [];
      throw err;
    }
  }

  /**
   * The run, complete and flushed to disk, under a name no reader looks at and no other writer
   * picks. Flushed so that after a power cut the final name holds the whole run or is absent,
   * rather than present and empty.
   */
  private async writeTemp(run: SavedRun): Promise<string> {
    const tmp = path.join(this.dir, `.${run.id}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
    const handle = await fs.open(tmp, 'wx');
    try {
      await handle.writeFile(serialize(run));
      await handle.sync();
    } finally {
      await handle.close();
    }
    return tmp;
  }

  /** Gives `tmp`'s content the name `file` unless that exists. @returns false when it exists. */
  private async claim(tmp: string, file: string): Promise<boolean> {
    try {
      await fs.link(tmp, file);
      return true;
    } catch (err) {
      if (errCode(err) === 'EEXIST') return false;
      if (!NO_HARD_LINKS.has(errCode(err) ?? '')) throw err;
    }
    // Without hard links: reserve the name exclusively, then move the content over the
    // placeholder. A reader may see the empty placeholder for that moment and report it.
    try {
      await (await fs.open(file, 'wx')).close();
    } catch (err) {
      if (errCode(err) === 'EEXIST') return false;
      throw err;
    }
    await fs.rename(tmp, file);
    return true;
  }

  /** Rewrites an existing run (label, baseline) in place, atomically. */
  private async replace(run: SavedRun): Promise<void> {
    const tmp = await this.writeTemp(run);
    try {
      await fs.rename(tmp, this.fileOf(run.id));
    } catch (err) {
      await fs.rm(tmp, { force: true });
      throw err;
    }
  }

  /** Best effort: a temporary file left by a crash is garbage, but failing to remove one is no reason to fail a save. */
  private async removeStaleTemps(names: string[]): Promise<void> {
    const now = Date.now();
    for (const name of names.filter(isTempFileName)) {
      const file = path.join(this.dir, name);
      try {
        if (now - (await fs.stat(file)).mtimeMs > STALE_TEMP_MS) await fs.rm(file, { force: true });
      } catch {
        // Another process removed it first, or it is not ours to remove.
      }
    }
  }
}

/**
 * Indented, so the file can be read and diffed in the editor (VS Code stops highlighting long
 * lines, and one line of 100,000 samples is several megabytes).
 */
function serialize(run: SavedRun): string {
  return `${JSON.stringify(run, null, 1)}\n`;
}

function isRunFileName(name: string): boolean {
  return name.endsWith('.json') && !name.startsWith('.');
}

function isTempFileName(name: string): boolean {
  return name.startsWith('.') && name.endsWith('.tmp');
}

function idOf(fileName: string): string {
  return fileName.slice(0, -'.json'.length);
}

function errCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

function readFailure(err: unknown): string {
  switch (errCode(err)) {
    case 'EACCES':
    case 'EPERM':
      return 'cannot read it: permission denied';
    case 'EISDIR':
      return 'a folder, not a run file';
    default:
      return `cannot read it: ${(err as Error).message}`;
  }
}

async function forEachLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

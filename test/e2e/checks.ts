// Named checks on a workbench page, run in order: each one's outcome is reported on its own
// (a node:test subtest, a line of the CLI report); a failure saves a screenshot of the page,
// and the checks after it, whose premise is gone, are reported failed as not reached.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
  durationMs: number;
}

export class CheckList {
  readonly checks: Check[] = [];
  private firstFailure: string | undefined;

  constructor(
    private readonly page: () => Page | undefined,
    private readonly outDir: string,
  ) {}

  get passed(): boolean {
    return this.checks.length > 0 && this.checks.every((c) => c.ok);
  }

  /** Runs `fn` unless an earlier check failed; `fn` returns a one-line detail or throws. */
  async run(name: string, fn: () => Promise<string>): Promise<void> {
    if (this.firstFailure !== undefined) {
      this.checks.push({ name, ok: false, detail: `not reached: "${this.firstFailure}" failed`, durationMs: 0 });
      return;
    }
    const t0 = performance.now();
    try {
      const detail = await fn();
      this.checks.push({ name, ok: true, detail, durationMs: Math.round(performance.now() - t0) });
    } catch (err) {
      this.firstFailure = name;
      let detail = err instanceof Error ? err.message : String(err);
      const shot = await this.screenshot(`failure-${this.checks.length + 1}`);
      if (shot) detail += `\n(screenshot: ${shot})`;
      this.checks.push({ name, ok: false, detail, durationMs: Math.round(performance.now() - t0) });
    }
  }

  /** Records a failure that happened outside any check (the workbench did not load, say). */
  fail(name: string, detail: string): void {
    this.firstFailure ??= name;
    this.checks.push({ name, ok: false, detail, durationMs: 0 });
  }

  async screenshot(name: string): Promise<string | undefined> {
    const page = this.page();
    if (!page || page.isClosed()) return undefined;
    mkdirSync(this.outDir, { recursive: true });
    const file = join(this.outDir, `${name}.png`);
    return page.screenshot({ path: file, timeout: 10_000 }).then(
      () => file,
      () => undefined,
    );
  }
}

/** A RegExp matching exactly `text`, give or take surrounding white space. */
export function exactly(text: string): RegExp {
  return new RegExp(`^\\s*${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`);
}

/** The first line of an error message, for one-line details. */
export function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? '';
}

// `latency lint`: the advisors, headless. Same rules and fixes as the editor's diagnostics.

import { existsSync, promises as fs } from 'fs';
import * as path from 'path';
import { advisorSettingsFromSettingsJson, resolveAdvisorSettings, type ResolvedAdvisorSettings } from '../advisors/advisorConfig';
import { advisorLanguageOf, analyzeSource, type AdvisorSettings } from '../advisors/analyze';
import { applyCompatibleFixes, type Finding, type Fix, type Severity } from '../advisors/findings';
import { atOrAbove, findingLine, findingToJson, summaryLine, type JsonFinding, type LintSummary } from '../advisors/lintReport';
import { configureParser } from '../advisors/parser';
import { RULES } from '../advisors/registry';
import { declaresFlashAttention, isPythonManifest } from '../advisors/workspaceFacts';
import type { LintArgs } from './lintArgs';
import { UsageError } from './usageError';

export const LINT_EXIT = { clean: 0, findings: 1, usage: 2 } as const;

export interface LintIo {
  out(text: string): void;
  err(text: string): void;
  cwd: string;
}

const SKIP_DIRS = new Set(['node_modules', '__pycache__', 'site-packages']);
const MAX_FIX_PASSES = 5;

let parserConfigured = false;
/** In the bundled CLI the grammars sit in dist/wasm beside it; from source, in node_modules. */
function configureBundledParser(): void {
  if (parserConfigured) return;
  parserConfigured = true;
  const bundled = path.join(__dirname, 'wasm');
  if (existsSync(path.join(bundled, 'tree-sitter.wasm'))) configureParser({ wasmDir: bundled });
}

async function collectFiles(paths: readonly string[], cwd: string, problems: string[]): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    let entries;
    try {
      entries = await fs.readdir(dir, { withFileTypes: true });
    } catch (err) {
      problems.push(`${dir}: cannot read folder (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
      return;
    }
    // A virtual environment holds thousands of third-party files that are not the user's code.
    if (entries.some((e) => e.isFile() && e.name === 'pyvenv.cfg')) return;
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (!e.name.startsWith('.') && !SKIP_DIRS.has(e.name)) await walk(p);
      } else if (e.isFile() && advisorLanguageOf(e.name) && !e.name.endsWith('.d.ts')) out.push(p);
    }
  };
  for (const raw of paths) {
    const p = path.resolve(cwd, raw);
    let st;
    try {
      st = await fs.stat(p);
    } catch {
      problems.push(`${raw}: no such file or folder`);
      continue;
    }
    if (st.isDirectory()) await walk(p);
    else if (advisorLanguageOf(p)) out.push(p);
    else problems.push(`${raw}: not a Python, TypeScript or JavaScript file`);
  }
  return [...new Set(out)];
}

async function flashAttentionDeclared(cwd: string): Promise<boolean> {
  let names: string[];
  try {
    names = (await fs.readdir(cwd)).filter(isPythonManifest);
  } catch {
    return false;
  }
  const manifests = await Promise.all(
    names.map(async (name) => ({ name, text: await fs.readFile(path.join(cwd, name), 'utf8').catch(() => '') })),
  );
  return declaresFlashAttention(manifests);
}

/** `latency.advisors.*` from `.vscode/settings.json` in the working folder; a broken file is reported and skipped. */
async function workspaceAdvisorSettings(io: LintIo): Promise<ResolvedAdvisorSettings> {
  const file = path.join(io.cwd, '.vscode', 'settings.json');
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch {
    return resolveAdvisorSettings({});
  }
  const parsed = advisorSettingsFromSettingsJson(text);
  if ('error' in parsed) {
    io.err(`latency: warning: .vscode/settings.json ignored (${parsed.error})\n`);
    return resolveAdvisorSettings({});
  }
  const resolved = resolveAdvisorSettings(parsed.raw);
  for (const why of resolved.ignored) io.err(`latency: warning: .vscode/settings.json: ${why} (ignored)\n`);
  return resolved;
}

function preferredSafeFix(f: Finding): Fix | undefined {
  return f.fixes.find((x) => x.safety === 'safe');
}

export async function runLint(args: LintArgs, io: LintIo): Promise<number> {
  configureBundledParser();
  for (const key of Object.keys(args.rules)) {
    if (!RULES.some((r) => r.code === key || r.id === key)) {
      throw new UsageError(`--rule ${key}: no such rule (codes: ${RULES.map((r) => r.code).join(', ')})`);
    }
  }
  // The workspace's own settings first, so CI applies what the editor shows; flags win.
  const fromFile = await workspaceAdvisorSettings(io);
  for (const key of Object.keys(fromFile.settings.rules ?? {})) {
    if (!RULES.some((r) => r.code === key || r.id === key)) io.err(`latency: warning: .vscode/settings.json: latency.advisors.rules.${key}: no such rule (ignored)\n`);
  }
  const flashSetting = args.flashAttention !== 'auto' ? args.flashAttention : fromFile.flashAttention;
  const flash = flashSetting === 'available' ? true : flashSetting === 'unavailable' ? false : await flashAttentionDeclared(io.cwd);
  const settings: AdvisorSettings = {
    rules: { ...fromFile.settings.rules, ...args.rules },
    options: {
      ...fromFile.settings.options,
      flashAttnAvailable: flash,
      ...(args.minSamples !== undefined ? { minSamples: args.minSamples } : {}),
    },
  };
  const problems: string[] = [];
  const files = await collectFiles(args.paths, io.cwd, problems);
  const summary: LintSummary = { files: 0, findings: 0, fixed: 0, bySeverity: { error: 0, warning: 0, information: 0, hint: 0 } };
  const json: JsonFinding[] = [];
  let failing = false;

  for (const file of files) {
    const shown = path.relative(io.cwd, file) || file;
    let text: string;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch (err) {
      problems.push(`${shown}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
      continue;
    }
    const lang = advisorLanguageOf(file)!;
    summary.files++;
    let analysis = await analyzeSource(text, lang, settings);
    if (args.fix) {
      let current = text;
      for (let pass = 0; pass < MAX_FIX_PASSES; pass++) {
        const fixes = analysis.findings.map(preferredSafeFix).filter((x): x is Fix => x !== undefined);
        if (fixes.length === 0) break;
        const { text: next, applied } = applyCompatibleFixes(current, fixes);
        if (applied === 0 || next === current) break;
        summary.fixed += applied;
        current = next;
        analysis = await analyzeSource(current, lang, settings);
      }
      if (current !== text) {
        const tmp = `${file}.${process.pid}.latency-tmp`;
        await fs.writeFile(tmp, current);
        await fs.rename(tmp, file);
      }
    }
    for (const fail of analysis.failures) problems.push(`${shown}: rule ${fail.code} failed: ${fail.error}`);
    for (const f of analysis.findings) {
      summary.findings++;
      summary.bySeverity[f.severity]++;
      if (args.failOn !== 'none' && atOrAbove(f.severity, args.failOn as Severity)) failing = true;
      if (args.json) json.push(findingToJson(shown.split(path.sep).join('/'), f));
      else io.out(`${findingLine(shown, f)}\n`);
    }
  }
  if (args.json) io.out(`${JSON.stringify(json, null, 2)}\n`);
  for (const p of problems) io.err(`latency: ${p}\n`);
  if (!args.json) io.err(`${summaryLine(summary)}\n`);
  if (problems.length > 0) return LINT_EXIT.usage;
  return failing ? LINT_EXIT.findings : LINT_EXIT.clean;
}

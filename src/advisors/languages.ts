/**
 * Which documents the advisors read. Its own module (no parser, no rules) so the extension
 * host can ask without loading either: the analysis itself runs in the worker thread.
 */
import type { AdvisorLanguage } from './parser';

/** The language a VS Code language id / file extension maps to, if advisors cover it. */
export function advisorLanguageOf(languageIdOrPath: string): AdvisorLanguage | undefined {
  const k = languageIdOrPath.toLowerCase();
  if (k === 'python' || /\.pyi?$/.test(k)) return 'python';
  if (k === 'typescriptreact' || k.endsWith('.tsx')) return 'tsx';
  if (k === 'typescript' || /\.[cm]?ts$/.test(k)) return 'typescript';
  if (k === 'javascript' || k === 'javascriptreact' || /\.[cm]?jsx?$/.test(k)) return 'javascript';
  return undefined;
}

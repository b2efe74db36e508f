/**
 * Tree-sitter loader for the advisors.
 *
 * Uses web-tree-sitter as shipped in `@vscode/tree-sitter-wasm` (the same
 * build VS Code uses). Pure Node: no `vscode` import. The runtime
 * (`tree-sitter.wasm`) and grammars (`tree-sitter-<lang>.wasm`) are located in
 * the installed package's `wasm/` folder, or in a folder given through
 * {@link configureParser} (e.g. a bundled `dist/wasm` in the packaged extension).
 *
 * Init is async and done once; grammars are loaded lazily and cached.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as TreeSitter from '@vscode/tree-sitter-wasm';
import type { Language, Node, Parser, Tree } from '@vscode/tree-sitter-wasm';

export type { Node as SyntaxNode, Tree as SyntaxTree } from '@vscode/tree-sitter-wasm';

export type AdvisorLanguage = 'python' | 'typescript' | 'tsx' | 'javascript';

export const ADVISOR_LANGUAGES: readonly AdvisorLanguage[] = ['python', 'typescript', 'tsx', 'javascript'];

const GRAMMAR_FILES: Record<AdvisorLanguage, string> = {
  python: 'tree-sitter-python.wasm',
  typescript: 'tree-sitter-typescript.wasm',
  tsx: 'tree-sitter-tsx.wasm',
  javascript: 'tree-sitter-javascript.wasm',
};

let wasmDirOverride: string | undefined;
let initPromise: Promise<void> | undefined;
const languages = new Map<AdvisorLanguage, Promise<Language>>();
const parsers = new Map<AdvisorLanguage, Parser>();

/**
 * Override where the wasm files live (must contain `tree-sitter.wasm` and the
 * grammar files). Must be called before the first {@link loadParser}/{@link parse}.
 */
export function configureParser(options: { wasmDir?: string }): void {
  if (initPromise) {
    if (options.wasmDir === wasmDirOverride) return;
    throw new Error('configureParser must be called before the parser is initialised');
  }
  wasmDirOverride = options.wasmDir;
}

/** The folder the wasm files are read from. */
export function wasmDirectory(): string {
  if (wasmDirOverride) return wasmDirOverride;
  // `main` of @vscode/tree-sitter-wasm is wasm/tree-sitter.js; the .wasm files sit next to it.
  // (Through a variable: bundles get their wasm folder from configureParser, not from node_modules.)
  const pkg = '@vscode/tree-sitter-wasm';
  return path.dirname(require.resolve(pkg));
}

function runtime(): typeof TreeSitter {
  // The package is UMD/CommonJS; under some loaders the namespace only has `default`.
  const ns = TreeSitter as unknown as typeof TreeSitter & { default?: typeof TreeSitter };
  return ns.Parser ? ns : (ns.default as typeof TreeSitter);
}

function init(): Promise<void> {
  if (!initPromise) {
    const dir = wasmDirectory();
    initPromise = runtime()
      .Parser.init({ locateFile: (file: string) => path.join(dir, file) })
      .catch((err: unknown) => {
        initPromise = undefined; // allow a retry (e.g. after configureParser fixes the path)
        throw err;
      });
  }
  return initPromise;
}

async function language(lang: AdvisorLanguage): Promise<Language> {
  let p = languages.get(lang);
  if (!p) {
    p = (async () => {
      await init();
      const file = path.join(wasmDirectory(), GRAMMAR_FILES[lang]);
      const bytes = await fs.promises.readFile(file);
      return runtime().Language.load(new Uint8Array(bytes));
    })();
    p.catch(() => languages.delete(lang));
    languages.set(lang, p);
  }
  return p;
}

/** Loads (once) the runtime and the grammar for `lang`. Safe to call repeatedly. */
export async function loadParser(lang: AdvisorLanguage): Promise<void> {
  if (parsers.has(lang)) return;
  const l = await language(lang);
  if (parsers.has(lang)) return;
  const parser = new (runtime().Parser)();
  parser.setLanguage(l);
  parsers.set(lang, parser);
}

/** Whether {@link parseSync} can be used for `lang` now. */
export function isParserLoaded(lang: AdvisorLanguage): boolean {
  return parsers.has(lang);
}

/**
 * Parses synchronously; the grammar must already be loaded with {@link loadParser}.
 * The caller owns the tree: call `tree.delete()` when done with it to free wasm memory.
 */
export function parseSync(source: string, lang: AdvisorLanguage, oldTree?: Tree): Tree {
  const parser = parsers.get(lang);
  if (!parser) throw new Error(`tree-sitter grammar for ${lang} is not loaded; await loadParser('${lang}') first`);
  // With `oldTree` (already `edit`ed to match `source`), unchanged subtrees are reused.
  const tree = oldTree ? parser.parse(source, oldTree) : parser.parse(source);
  if (!tree) throw new Error(`tree-sitter failed to parse ${lang} source`);
  return tree;
}

/** Loads the grammar if needed, then parses. See {@link parseSync} about ownership. */
export async function parse(source: string, lang: AdvisorLanguage): Promise<Tree> {
  await loadParser(lang);
  return parseSync(source, lang);
}

/** All ERROR and MISSING nodes of a tree (empty when `tree.rootNode.hasError` is false). */
export function syntaxErrors(tree: Tree): Node[] {
  const out: Node[] = [];
  const walk = (n: Node): void => {
    if (!n.hasError && !n.isMissing) return;
    if (n.isError || n.isMissing) {
      out.push(n);
    }
    for (const c of n.children) if (c) walk(c);
  };
  walk(tree.rootNode);
  return out;
}

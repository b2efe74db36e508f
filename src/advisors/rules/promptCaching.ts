/**
 * LAT102 — a constant prompt prefix re-tokenized (and re-prefilled) on every request (Python).
 *
 * A *tokenizer* is a module-level name assigned `<transformers>.AutoTokenizer.from_pretrained(...)`
 * (or any `transformers.*Tokenizer` / `*TokenizerFast` class). A *request function* is a `def`
 * decorated with a route decorator (`@app.post(...)`, `@router.get(...)`, `@bp.route(...)`,
 * `.api_route` / `.websocket` / `.put` / `.patch` / `.delete`), or a module-level `def` called
 * by name from one. Flagged: inside a request function, `tok(text, ...)` or
 * `tok.encode(text, ...)` where `text` is (or is a local assigned once from)
 * - `P + <request data> ...`, with `P` a constant prefix, or
 * - an f-string starting with `{P}` and containing request data, or with ≥ 200 literal
 *   characters before its first interpolation;
 * where a constant prefix is a module-level name bound once to a string literal, a
 * SYSTEM_PROMPT-like upper-case name (SYSTEM / PROMPT / PREFIX / PREAMBLE / INSTRUCTION /
 * TEMPLATE / PERSONA) bound once at module level or imported, or a string literal of ≥ 200
 * characters. A prefix only at the end, or a string of constants only, is not flagged.
 *
 * Fix (unsafe: token ids at the prefix/suffix boundary and the special tokens a tokenizer adds
 * at the end may differ) only for `tok.encode(<inline prefix + rest>)` with at most
 * `add_special_tokens=<literal>`: add a module-level `functools.lru_cache` helper returning the
 * prefix's ids as a tuple, and rewrite the call to `[*helper(P), *tok.encode(rest,
 * add_special_tokens=False)]`. Other forms (`tok(..., return_tensors="pt")`, prompts built in a
 * variable) get the finding without a fix.
 */
import type { Node } from '@vscode/tree-sitter-wasm';
import { docsLink, type Finding, type Fix, type TextEdit } from '../findings';
import {
  argsOf,
  bindsLocally,
  callOfCallee,
  enclosingStatement,
  isBindingSite,
  keywordArg,
  literalStringValue,
  methodCallOf,
  namedKids,
  positionalArgs,
  scopeLookup,
  startsLine,
} from '../pyGeneration';
import { unparen } from '../nodes';
import { indentUnit, insertLinesBefore, pythonNameFor, rangeOfNode } from '../pyEdit';
import type { PythonRuleContext } from '../rule';

export const PROMPT_CACHING_CODE = 'LAT102';

const ROUTE_METHODS = new Set(['get', 'post', 'put', 'patch', 'delete', 'route', 'api_route', 'websocket']);
const LONG_LITERAL = 200;
const SYSTEM_LIKE = /(SYSTEM|PROMPT|PREFIX|PREAMBLE|INSTRUCTION|TEMPLATE|PERSONA)/;
const UPPER = /^[A-Z][A-Z0-9_]*$/;

function isTokenizerClass(q: string | undefined): boolean {
  if (!q || !q.startsWith('transformers.')) return false;
  const last = q.slice(q.lastIndexOf('.') + 1);
  return last === 'AutoTokenizer' || last.endsWith('Tokenizer') || last.endsWith('TokenizerFast');
}

interface Prefix {
  /** Text to pass to the helper (the constant prefix), when the split is writable. */
  prefixText?: string;
  /** Text of the rest, when writable. */
  suffixText?: string;
  /** What to call the prefix in the message. */
  label: string;
  /** The prefix node (name or literal / f-string). */
  node: Node;
}

export function checkPromptCaching(ctx: PythonRuleContext): Finding[] {
  const scopes = scopeLookup(ctx.index, ctx.root);
  // Module-level tokenizers.
  const tokenizers = new Map<string, Node>();
  for (const id of ctx.index.named('from_pretrained')) {
    const call = methodCallOf(id);
    if (!call) continue;
    const obj = call.childForFieldName('function')!.childForFieldName('object');
    if (!obj || !isTokenizerClass(ctx.imports.qualifiedName(obj))) continue;
    const asg = call.parent;
    if (!asg || asg.type !== 'assignment' || asg.childForFieldName('right')?.id !== call.id) continue;
    const left = asg.childForFieldName('left');
    if (left?.type === 'identifier' && scopes.scopeOf(asg) === null) tokenizers.set(left.text, call);
  }
  if (tokenizers.size === 0) return [];

  const routeDecorator = (fn: Node): Node | undefined => {
    const dd = fn.parent;
    if (!dd || dd.type !== 'decorated_definition') return undefined;
    for (const d of namedKids(dd)) {
      if (d.type !== 'decorator') continue;
      const e = unparen(d.namedChild(0));
      const f = e?.type === 'call' ? e.childForFieldName('function') : null;
      if (f?.type === 'attribute' && ROUTE_METHODS.has(f.childForFieldName('attribute')?.text ?? '')) return d;
    }
    return undefined;
  };
  /** Why `fn` runs per request: its route decorator, or the call to it from a route handler. */
  const perRequest = (fn: Node): { site: Node; message: string } | undefined => {
    const d = routeDecorator(fn);
    if (d) return { site: d, message: 'request handler' };
    if (scopes.scopeOf(fn) !== null) return undefined;
    const name = fn.childForFieldName('name')?.text;
    if (!name) return undefined;
    for (const id of ctx.index.named(name)) {
      const call = callOfCallee(id);
      const caller = call ? scopes.functionOf(call) : null;
      if (caller && caller.id !== fn.id && routeDecorator(caller)) return { site: call!, message: 'called from a request handler here' };
    }
    return undefined;
  };

  const moduleConstant = new Map<string, boolean>();
  const isConstantName = (name: string, at: Node, fn: Node): boolean => {
    if (bindsLocally(ctx.index, fn, name)) return false;
    let c = moduleConstant.get(name);
    if (c === undefined) moduleConstant.set(name, (c = isModuleConstant(name, at)));
    return c;
  };
  /** Whether module-level `name` (seen from a function) is a constant prefix. */
  const isModuleConstant = (name: string, at: Node): boolean => {
    const r = ctx.imports.resolveName(name, at);
    if (r.status === 'unbound') return false;
    const systemLike = UPPER.test(name) && SYSTEM_LIKE.test(name);
    if (r.status === 'import' || ctx.imports.imports.some((i) => i.local === name && i.scope === 'module')) {
      return systemLike && !ctx.index.named(name).some((i) => isBindingSite(i) && scopes.scopeOf(i) === null);
    }
    const sites = ctx.index.named(name).filter((i) => isBindingSite(i) && scopes.scopeOf(i) === null);
    if (sites.length !== 1) return false;
    const asg = sites[0]!.parent!;
    if (asg.type !== 'assignment' || asg.childForFieldName('left')?.id !== sites[0]!.id) return false;
    return literalStringValue(asg.childForFieldName('right')) !== undefined || systemLike;
  };
  const isConstant = (n: Node | null, fn: Node): boolean => {
    n = unparen(n);
    if (!n) return false;
    if (n.type === 'identifier') return isConstantName(n.text, n, fn);
    return literalStringValue(n) !== undefined;
  };
  const isLongLiteral = (n: Node): boolean => (literalStringValue(n)?.length ?? 0) >= LONG_LITERAL;

  /** The constant prefix of a prompt expression. */
  const prefixOf = (e0: Node, fn: Node): Prefix | undefined => {
    const e = unparen(e0);
    if (!e) return undefined;
    if (e.type === 'binary_operator' && e.childForFieldName('operator')?.type === '+') {
      // Left-assoc chain: descend to the leftmost operand; remember whether parentheses were crossed.
      const chain: Node[] = [e];
      let cur = e;
      let clean = true;
      for (;;) {
        const l = cur.childForFieldName('left');
        const lu = unparen(l);
        if (lu && lu.type === 'binary_operator' && lu.childForFieldName('operator')?.type === '+') {
          if (l!.id !== lu.id) clean = false;
          chain.push(lu);
          cur = lu;
          continue;
        }
        break;
      }
      chain.reverse(); // innermost first
      const first = unparen(chain[0]!.childForFieldName('left'));
      const operands = [first, ...chain.map((b) => b.childForFieldName('right'))];
      const isPrefixPart = (o: Node | null): boolean => {
        const u = unparen(o);
        return !!u && ((u.type === 'identifier' && isConstantName(u.text, u, fn)) || isLongLiteral(u));
      };
      let run = 0;
      while (run < operands.length && isPrefixPart(operands[run]!)) run++;
      if (run === 0 || run === operands.length) return undefined;
      if (operands.slice(run).every((o) => isConstant(o, fn))) return undefined;
      const startNode = operands[0]!;
      const firstRest = operands[run]!;
      const lastPrefix = operands[run - 1]!;
      const u = unparen(startNode)!;
      const prefixSource = ctx.source.slice(startNode.startIndex, lastPrefix.endIndex);
      const label =
        run === 1 && u.type !== 'identifier'
          ? `a ${literalStringValue(u)!.length}-character string literal`
          : prefixSource.length <= 60 && !prefixSource.includes('\n')
            ? prefixSource
            : 'the constant prefix';
      const writable = clean && first?.id === chain[0]!.childForFieldName('left')?.id;
      return {
        label,
        node: startNode,
        prefixText: writable ? prefixSource : undefined,
        suffixText: writable ? ctx.source.slice(firstRest.startIndex, e.endIndex) : undefined,
      };
    }
    if (e.type === 'string') {
      const kids = namedKids(e);
      const start = kids[0];
      const end = kids[kids.length - 1];
      if (start?.type !== 'string_start' || end?.type !== 'string_end') return undefined;
      const body = kids.slice(1, -1);
      const interps = body.filter((k) => k.type === 'interpolation');
      if (interps.length === 0) return undefined;
      const plainName = (k: Node): Node | undefined => {
        if (k.type !== 'interpolation') return undefined;
        const parts = namedKids(k);
        const ex = k.childForFieldName('expression');
        return parts.length === 1 && ex?.type === 'identifier' && isConstantName(ex.text, ex, fn) ? ex : undefined;
      };
      let run = 0;
      while (run < body.length && plainName(body[run]!)) run++;
      const restHasData = body.slice(run).some((k) => k.type === 'interpolation' && !isConstant(k.childForFieldName('expression'), fn));
      if (!restHasData) return undefined;
      if (run > 0) {
        const names = body.slice(0, run).map((k) => plainName(k)!.text);
        return {
          label: names.join(' + '),
          node: body[0]!,
          prefixText: run === 1 ? names[0]! : `${start.text}${ctx.source.slice(body[0]!.startIndex, body[run - 1]!.endIndex)}${end.text}`,
          suffixText: `${start.text}${ctx.source.slice(body[run - 1]!.endIndex, end.startIndex)}${end.text}`,
        };
      }
      let literal = 0;
      for (const k of body) {
        if (k.type !== 'string_content') break;
        literal += k.text.length;
      }
      if (literal >= LONG_LITERAL) return { label: `a ${literal}-character literal prefix`, node: body[0]! };
    }
    return undefined;
  };

  interface Match {
    call: Node;
    tok: string;
    encode: boolean;
    prefix: Prefix;
    via?: Node;
    fn: Node;
    why: { site: Node; message: string };
  }
  const matches: Match[] = [];
  const perRequestCache = new Map<number, ReturnType<typeof perRequest>>();
  for (const [tok] of tokenizers) {
    for (const id of ctx.index.named(tok)) {
      let call = callOfCallee(id);
      let encode = false;
      if (!call) {
        const attr = id.parent;
        if (attr?.type === 'attribute' && attr.childForFieldName('object')?.id === id.id && attr.childForFieldName('attribute')?.text === 'encode') {
          call = callOfCallee(attr);
          encode = true;
        }
      }
      if (!call) continue;
      const fn = scopes.functionOf(call);
      if (!fn || bindsLocally(ctx.index, fn, tok)) continue;
      if (!perRequestCache.has(fn.id)) perRequestCache.set(fn.id, perRequest(fn));
      const why = perRequestCache.get(fn.id);
      if (!why) continue;
      const text = positionalArgs(call)[0] ?? keywordArg(call, 'text')?.childForFieldName('value');
      if (!text) continue;
      let prefix = prefixOf(text, fn);
      let via: Node | undefined;
      const tu = unparen(text);
      if (!prefix && tu?.type === 'identifier') {
        // A local assigned once (then maybe extended with +=) before the call.
        const ids = ctx.index.identifiers([tu.text], fn.startIndex, fn.endIndex).get(tu.text) ?? [];
        const sets = ids.filter(isBindingSite);
        const plain = sets.filter((s) => s.parent?.type === 'assignment');
        const aug = sets.filter((s) => s.parent?.type === 'augmented_assignment' && s.parent.childForFieldName('operator')?.text === '+=');
        if (plain.length === 1 && plain.length + aug.length === sets.length && plain[0]!.endIndex < call.startIndex) {
          const asg = plain[0]!.parent!;
          const rhs = asg.childForFieldName('right');
          if (rhs && scopes.functionOf(asg)?.id === fn.id) {
            const p = prefixOf(rhs, fn);
            if (p) {
              prefix = { label: p.label, node: p.node };
              via = asg;
            }
          }
        }
      }
      if (!prefix) continue;
      matches.push({ call, tok, encode, prefix, via, fn, why });
    }
  }
  if (matches.length === 0) return [];
  matches.sort((a, b) => a.call.startIndex - b.call.startIndex);

  // Fixes: one helper per (tokenizer, special-tokens mode), inserted before the first top-level statement that needs it.
  const unit = indentUnit(ctx.source);
  const topLevelOf = (n: Node): Node => {
    let cur = n;
    while (cur.parent && cur.parent.type !== 'module') cur = cur.parent;
    return cur;
  };
  const helperEdits = new Map<string, { edit?: TextEdit; imports: Fix['imports']; ok: boolean }>();
  const helperFor = (m: Match, plain: boolean): { name: string; edit?: TextEdit; imports: Fix['imports'] } | undefined => {
    const name = `_tokenize_prefix${m.tok === 'tokenizer' ? '' : `_${m.tok}`}${plain ? '_plain' : ''}`;
    const body = `return tuple(${m.tok}.encode(prefix${plain ? ', add_special_tokens=False' : ''}))`;
    let h = helperEdits.get(name);
    if (!h) {
      // Every helper goes before the first top-level statement with a finding (one place, one edit per helper).
      const top = topLevelOf(matches[0]!.call);
      h = { imports: [], ok: false };
      if (ctx.imports.moduleBinds(name)) {
        // Reuse our own helper (a fix applied earlier), nothing else.
        const defs = ctx.index.named(name).filter((i) => i.parent?.type === 'function_definition' && scopes.scopeOf(i.parent) === null);
        h.ok = defs.length === 1 && defs[0]!.parent!.text.replace(/\s+/g, ' ').includes(body);
      } else if (!ctx.imports.moduleBinds('tuple') && startsLine(ctx.source, top)) {
        const lru = pythonNameFor(ctx.source, ctx.root, ctx.imports, top, 'functools.lru_cache');
        if (lru) {
          h.ok = true;
          h.imports = lru.import ? [lru.import] : [];
          h.edit = insertLinesBefore(
            top.startPosition.row,
            '',
            [
              `@${lru.spelling}(maxsize=128)`,
              `def ${name}(prefix: str) -> tuple:`,
              `${unit}"""Token ids of a constant prompt prefix, tokenized once per prefix (LAT102)."""`,
              `${unit}${body}`,
              '',
              '',
            ],
            ctx.eol,
          );
        }
      }
      helperEdits.set(name, h);
    }
    return h.ok ? { name, edit: h.edit, imports: h.imports } : undefined;
  };

  const findings: Finding[] = [];
  for (const m of matches) {
    let fixes: Fix[] = [];
    const { prefixText, suffixText } = m.prefix;
    if (m.encode && !m.via && prefixText && suffixText && enclosingStatement(m.call)) {
      const args = argsOf(m.call);
      const ast = keywordArg(m.call, 'add_special_tokens');
      const astValue = unparen(ast?.childForFieldName('value') ?? null)?.type;
      const okArgs = args.length === (ast ? 2 : 1) && positionalArgs(m.call).length === 1 && (!ast || astValue === 'true' || astValue === 'false');
      const helper = okArgs ? helperFor(m, astValue === 'false') : undefined;
      if (helper) {
        fixes = [
          {
            title: `Tokenize the constant prefix once (functools.lru_cache) and only the request part per call`,
            safety: 'unsafe',
            edits: [
              ...(helper.edit ? [helper.edit] : []),
              { range: rangeOfNode(m.call), newText: `[*${helper.name}(${prefixText}), *${m.tok}.encode(${suffixText}, add_special_tokens=False)]` },
            ],
            imports: helper.imports,
          },
        ];
      }
    }
    const fnName = m.fn.childForFieldName('name')?.text ?? 'handler';
    findings.push({
      code: PROMPT_CACHING_CODE,
      severity: 'information',
      range: rangeOfNode(m.call),
      message:
        `${fnName}() runs per request and tokenizes ${m.prefix.label}${m.via ? ' (in the prompt built above)' : ''} together with the request text, ` +
        `so the same prefix is re-tokenized on every request — and the model recomputes its prefill (keys/values) every time. ` +
        `Tokenize the constant prefix once (functools.lru_cache) and only the request part per call; to also skip the prefix's prefill, ` +
        `serve with prefix caching (vLLM enable_prefix_caching=True, SGLang RadixAttention) with the prefix first in every prompt. ` +
        `Tokenizing alone is often a small share of latency — measure the gain.`,
      docs: docsLink(PROMPT_CACHING_CODE),
      related: [
        { range: rangeOfNode(m.why.site), message: m.why.message },
        ...(m.via ? [{ range: rangeOfNode(m.via), message: 'prompt built from the constant prefix here' }] : []),
      ],
      fixes,
    });
  }
  return findings;
}

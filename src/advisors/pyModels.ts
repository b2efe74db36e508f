/**
 * Model loads in Python serving code, shared by the model advisors (LAT103, LAT104, LAT105,
 * LAT109). Pure: no `vscode`.
 *
 * A *load* is a call that creates a PyTorch model:
 * - `<X>.from_pretrained(...)` where `X` resolves (through `ctx.imports`) to a transformers
 *   model class (`AutoModel*`, `*Model`, `*For*`, `*LMHeadModel`; tokenizers, configs,
 *   processors, feature extractors and the TF / Flax classes are not models);
 * - `torch.load(...)` (only a model if the result is later called);
 * - a `torchvision.models` builder (`torchvision.models.resnet50(...)`, `get_model(...)`);
 * - an instantiation `C(...)` of a class defined in the file that subclasses `torch.nn.Module`
 *   (directly or through another such class).
 * Method calls chained onto the load (`.to("cuda")`, `.eval()`, …) belong to it. A load is
 * *bound* when it is the right-hand side of `name = …` or `self.name = …`; the bound name's
 * uses are then looked up in its scope (the module for a module-level name, the function for a
 * local, the class for `self.name`).
 *
 * Everything is anchored through `ctx.index` (`from_pretrained`, `load`, the torchvision
 * import names, the module classes' names) and then climbs with `.parent`: the tree is never
 * walked. Results are cached per analysis (keyed by the shared node index).
 */
import type { Node } from '@vscode/tree-sitter-wasm';
import type { TextEdit } from './findings';
import { insertLinesAfter, pointRange } from './pyEdit';
import { identifiersIn, mayResolveTo } from './pyServing';
import type { PythonRuleContext } from './rule';

export type ModelSource = 'transformers' | 'torch.load' | 'torchvision' | 'module-class';

export interface ModelBinding {
  /** The target as written: `model` or `self.model`. */
  text: string;
  /** `model` for `self.model`; undefined for a plain name. */
  attr?: string;
  /** The assignment's left-hand side. */
  target: Node;
  /** The `expression_statement` holding the assignment. */
  statement: Node;
  /** The node whose range is searched for uses: module root, def, or class. */
  scope: Node;
}

export interface ModelLoad {
  source: ModelSource;
  /** Last segment of the class / function: `AutoModelForCausalLM`, `resnet50`, `MyNet`, `load`. */
  className: string;
  /** Fully qualified callee (`transformers.AutoModelForCausalLM.from_pretrained`), or the class name for module classes. */
  qualified: string;
  /** The load call itself. */
  call: Node;
  /** Its `function` child (`AutoModel.from_pretrained`, `torch.load`, `MyNet`). */
  callee: Node;
  args: Node | null;
  /** Methods called directly on the load's result, innermost first (`.to("cuda").eval()`). */
  chain: { name: string; call: Node }[];
  /** The whole expression: the load with its chain. */
  expr: Node;
  binding?: ModelBinding;
  /** For module classes: the class definition. */
  classNode?: Node;
  /** Made mostly of `nn.Linear` layers (transformers text / vision transformers, or a file class with ≥2 `nn.Linear`). */
  linearHeavy: boolean;
}

export type DeviceKind = 'cpu' | 'gpu' | 'unknown';

export interface DeviceEvidence {
  node: Node;
  kind: DeviceKind;
}

/** What the file does with one bound model (computed lazily, cached). */
export interface ModelFacts {
  /** Occurrences of the bound name in its scope (identifiers, or `self.x` attributes), the target excluded. */
  uses: Node[];
  /** The first inference call: `model(...)`, `model.forward(...)` or `model.generate(...)`. */
  inference?: Node;
  /** Used through `.generate(...)`. */
  generate: boolean;
  /** Device placements: load keywords (`device_map=`, `device=`), chained and later `.to()` / `.cuda()` / `.cpu()`. */
  devices: DeviceEvidence[];
  /** `torch_dtype=` / `dtype=` of a 16-bit type, `.half()`, `.bfloat16()`, `.to(torch.float16)`. */
  half: boolean;
  /** Quantized: `load_in_8bit` / `load_in_4bit` / `quantization_config`, or passed to a `*quantiz*` call. */
  quantized: boolean;
  /** Passed to `torch.compile`, `.compile()` called on it, or its class uses `torch.compile`. */
  compiled: boolean;
  /** Passed to TorchScript / ONNX / torch.export / TensorRT / IPEX / OpenVINO. */
  exported: boolean;
  /** Trained here: `.train()`, `.gradient_checkpointing_enable()`, given to a `*Trainer` / `.prepare()`, or its parameters given to a `torch.optim` optimizer. */
  training: boolean;
  /**
   * The name is bound again to something else (`model = PeftModel.from_pretrained(model, …)`):
   * later uses may be another object. Rebinding to `name.to(…)` / `.eval()` / …, `torch.compile(name)`
   * or a quantization of it does not count.
   */
  rebound: boolean;
}

/** Transformers classes that are not models. */
const NOT_A_MODEL = /Tokenizer|Config$|Processor|FeatureExtractor|Pipeline|Scheduler/;
/** Transformers model class names. */
const MODEL_CLASS = /^AutoModel|Model$|^[A-Z]\w*For[A-Z]\w*$|LMHeadModel$/;
/** Transformers models without attention or without many Linear layers (convolutional, state-space). */
const NO_ATTENTION = /^(ResNet|ConvNext|RegNet|MobileNet|EfficientNet|BiT|Van[A-Z]|Mamba|FalconMamba|Rwkv|Dinat|PoolFormer)/;

export function isTransformersModelClass(name: string): boolean {
  if (/^(TF|Flax)[A-Z]/.test(name)) return false;
  return MODEL_CLASS.test(name) && !NOT_A_MODEL.test(name);
}

export function hasAttention(className: string): boolean {
  return !NO_ATTENTION.test(className);
}

const STOP_TYPES = new Set(['block', 'module', 'function_definition', 'class_definition', 'decorated_definition', 'lambda']);
const isStatement = (n: Node): boolean => n.type.endsWith('_statement') || n.type === 'decorated_definition';

/** Keyword argument `name=` of an argument list, if present. */
export function keywordArg(args: Node | null, name: string): Node | undefined {
  if (!args) return undefined;
  for (const c of args.namedChildren) {
    if (c && c.type === 'keyword_argument' && c.childForFieldName('name')?.text === name) return c;
  }
  return undefined;
}

export function keywordValue(args: Node | null, name: string): Node | undefined {
  return keywordArg(args, name)?.childForFieldName('value') ?? undefined;
}

/** Whether the argument list has `*args` / `**kwargs`. */
export function hasSplat(args: Node | null): boolean {
  return !!args && args.namedChildren.some((c) => c && (c.type === 'dictionary_splat' || c.type === 'list_splat'));
}

/** Positional arguments (no keywords, splats or comments). */
export function positionalArgs(args: Node | null): Node[] {
  if (!args) return [];
  return args.namedChildren.filter(
    (c): c is Node => !!c && c.type !== 'keyword_argument' && c.type !== 'comment' && c.type !== 'dictionary_splat' && c.type !== 'list_splat',
  );
}

/** An argument list read once: its children's types, keyword names, positional arguments (see {@link argsOf}). */
export interface ArgList {
  positional: Node[];
  splat: boolean;
  /** The first `name=` keyword argument. */
  keyword(name: string): Node | undefined;
  /** The value of the first `name=` keyword argument. */
  value(name: string): Node | undefined;
}

const EMPTY_ARGS: ArgList = { positional: [], splat: false, keyword: () => undefined, value: () => undefined };
const argCaches = new WeakMap<object, Map<number, ArgList>>();

/**
 * `keywordArg` / `keywordValue` / `positionalArgs` / `hasSplat` of one argument list, from one read
 * of its children (cached per analysis).
 */
export function argsOf(ctx: PythonRuleContext, args: Node | null): ArgList {
  if (!args) return EMPTY_ARGS;
  let byId = argCaches.get(ctx.index);
  if (!byId) argCaches.set(ctx.index, (byId = new Map()));
  let hit = byId.get(args.id);
  if (hit) return hit;
  const positional: Node[] = [];
  const keywords = new Map<string, Node>();
  let splat = false;
  for (const c of args.namedChildren) {
    if (!c) continue;
    const t = c.type;
    if (t === 'keyword_argument') {
      const name = c.childForFieldName('name')?.text;
      if (name !== undefined && !keywords.has(name)) keywords.set(name, c);
    } else if (t === 'dictionary_splat' || t === 'list_splat') splat = true;
    else if (t !== 'comment') positional.push(c);
  }
  const values = new Map<string, Node | undefined>();
  hit = {
    positional,
    splat,
    keyword: (name) => keywords.get(name),
    value: (name) => {
      if (values.has(name)) return values.get(name);
      const v = keywords.get(name)?.childForFieldName('value') ?? undefined;
      values.set(name, v);
      return v;
    },
  };
  byId.set(args.id, hit);
  return hit;
}

/** The value of a plain (non-f, non-concatenated) string literal, else undefined. */
export function stringValue(n: Node | null | undefined): string | undefined {
  if (!n || n.type !== 'string') return undefined;
  if (n.namedChildren.some((c) => c && c.type === 'interpolation')) return undefined;
  const m = /^[rRbBuU]{0,2}("""|'''|"|')([\s\S]*)\1$/.exec(n.text);
  return m ? m[2] : undefined;
}

const DTYPE_16 = new Set(['torch.float16', 'torch.half', 'torch.bfloat16']);
const DTYPE_16_STRINGS = new Set(['float16', 'half', 'bfloat16', 'fp16', 'bf16']);
const DTYPES = /^torch\.(float\d*|half|bfloat16|double|int\d*|uint8|bool|qint8|quint8|complex\d*)$/;

/** Whether a dtype expression is a 16-bit float type. */
export function isHalfDtype(ctx: PythonRuleContext, n: Node | null | undefined): boolean {
  if (!n) return false;
  const s = stringValue(n);
  if (s !== undefined) return DTYPE_16_STRINGS.has(s.toLowerCase());
  const q = ctx.imports.qualifiedName(n);
  return !!q && DTYPE_16.has(q);
}

/** Device of a device expression: a string / int literal, `torch.device(...)`, else unknown. */
export function deviceKind(ctx: PythonRuleContext, n: Node | null | undefined): DeviceKind {
  if (!n) return 'unknown';
  const s = stringValue(n);
  if (s !== undefined) {
    const v = s.trim().toLowerCase();
    if (v === 'cpu') return 'cpu';
    if (v === 'meta' || v === '') return 'unknown';
    return 'gpu'; // cuda, cuda:N, mps, xpu, auto, balanced, sequential…
  }
  if (n.type === 'integer') return 'gpu';
  if (n.type === 'none') return 'cpu';
  if (n.type === 'call' && ctx.imports.qualifiedName(n) === 'torch.device') {
    return deviceKind(ctx, positionalArgs(n.childForFieldName('arguments'))[0] ?? keywordValue(n.childForFieldName('arguments'), 'type'));
  }
  return 'unknown';
}

/** Parameter names of a def (its own, not nested ones). */
function parameterNames(def: Node): Set<string> {
  const out = new Set<string>();
  const params = def.childForFieldName('parameters');
  if (!params) return out;
  for (const p of params.namedChildren) {
    if (!p) continue;
    if (p.type === 'identifier') out.add(p.text);
    else if (p.type === 'default_parameter' || p.type === 'typed_default_parameter') {
      const n = p.childForFieldName('name');
      if (n) out.add(n.text);
    } else if (p.type === 'typed_parameter' || p.type === 'list_splat_pattern' || p.type === 'dictionary_splat_pattern') {
      const n = p.namedChildren.find((c) => c && c.type === 'identifier');
      if (n) out.add(n.text);
    }
  }
  return out;
}

interface Cache {
  loads: ModelLoad[];
  /** Occurrences of all bound names, looked up together per scope (by scope node id). */
  occurrences?: Map<number, Map<string, Node[]>>;
  facts: Map<number, ModelFacts>;
  scopes?: ReturnType<PythonRuleContext['index']['scopeNodes']>;
  gpuMention?: boolean;
  cpuOnly?: boolean;
  /** Method-call effects by call id. */
  methodEffects?: Map<number, MethodEffect>;
  /** Enclosing-call flags by node id. */
  enclosing?: Map<number, number>;
  /** Uses and what they tell, by scope and name. */
  useGroups?: Map<string, UseEffect[]>;
  /** For {@link modelIdOf}: a name's assignments and the module-level string literal it was last assigned. */
  constants?: Map<string, { count: number; found: string | undefined }>;
}

const caches = new WeakMap<object, Cache>();

function cacheFor(ctx: PythonRuleContext): Cache {
  let c = caches.get(ctx.index);
  if (!c) {
    c = { loads: [], facts: new Map() };
    caches.set(ctx.index, c);
    c.loads = collectLoads(ctx, c);
  }
  return c;
}

/** Every model load of the file, in source order. */
export function findModelLoads(ctx: PythonRuleContext): ModelLoad[] {
  return cacheFor(ctx).loads;
}

/** `n` and the call it is the function of, if any. */
function callOf(n: Node): Node | undefined {
  const p = n.parent;
  return p && p.type === 'call' && p.childForFieldName('function')?.id === n.id ? p : undefined;
}

/** Climbs from an identifier that is the object end of an attribute chain to the full chain (`torchvision` → `torchvision.models.resnet50`). */
function chainTop(id: Node): Node {
  let cur = id;
  for (;;) {
    const p = cur.parent;
    if (p && p.type === 'attribute' && p.childForFieldName('object')?.id === cur.id) cur = p;
    else return cur;
  }
}

function collectLoads(ctx: PythonRuleContext, cache: Cache): ModelLoad[] {
  const loads: ModelLoad[] = [];
  const seen = new Set<number>();
  const add = (call: Node, source: ModelSource, className: string, qualified: string, linearHeavy: boolean, classNode?: Node): void => {
    if (seen.has(call.id)) return;
    seen.add(call.id);
    const callee = call.childForFieldName('function')!;
    const args = call.childForFieldName('arguments');
    const chain: { name: string; call: Node }[] = [];
    let expr = call;
    let up: Node | null;
    let upType: string;
    for (;;) {
      up = expr.parent;
      upType = up ? up.type : '';
      if (!up || upType !== 'attribute' || up.childForFieldName('object')?.id !== expr.id) break;
      const c = callOf(up);
      if (!c) break;
      chain.push({ name: up.childForFieldName('attribute')?.text ?? '', call: c });
      expr = c;
    }
    const load: ModelLoad = { source, className, qualified, call, callee, args, chain, expr, linearHeavy, classNode };
    load.binding = bindingOf(load, up, upType);
    loads.push(load);
  };

  // transformers: X.from_pretrained(...)
  for (const id of ctx.index.named('from_pretrained')) {
    const attr = id.parent;
    if (!attr || attr.type !== 'attribute' || attr.childForFieldName('attribute')?.id !== id.id) continue;
    const call = callOf(attr);
    if (!call) continue;
    if (!mayResolveTo(ctx, attr.text, (x) => x.startsWith('transformers.'))) continue;
    const q = ctx.imports.qualifiedName(attr);
    if (!q || !q.startsWith('transformers.')) continue;
    const parts = q.split('.');
    const cls = parts[parts.length - 2] ?? '';
    if (!isTransformersModelClass(cls)) continue;
    add(call, 'transformers', cls, q, hasAttention(cls));
  }

  // torch.load(...)
  const loadNames = new Set(['load', ...ctx.imports.imports.filter((i) => i.qualified === 'torch.load').map((i) => i.local)]);
  for (const [, ids] of identifiersIn(ctx, loadNames, ctx.root.startIndex, ctx.root.endIndex)) {
    for (const id of ids) {
      const p = id.parent;
      const fn = p && p.type === 'attribute' && p.childForFieldName('attribute')?.id === id.id ? p : id;
      const call = callOf(fn);
      if (call && mayResolveTo(ctx, fn.text, (x) => x === 'torch.load') && ctx.imports.qualifiedName(fn) === 'torch.load') add(call, 'torch.load', 'load', 'torch.load', false);
    }
  }

  // torchvision.models builders
  const tvLocals = new Set(
    ctx.imports.imports.filter((i) => i.qualified === 'torchvision' || i.qualified?.startsWith('torchvision.models')).map((i) => i.local),
  );
  if (tvLocals.size > 0) {
    for (const [, ids] of identifiersIn(ctx, tvLocals, ctx.root.startIndex, ctx.root.endIndex)) {
      for (const id of ids) {
        const top = chainTop(id);
        const call = callOf(top);
        if (!call) continue;
        const q = ctx.imports.qualifiedName(top);
        if (!q || !q.startsWith('torchvision.models.')) continue;
        const last = q.slice(q.lastIndexOf('.') + 1);
        if (/Weights|^list_models$|^get_model_weights$|^get_weight$|^[A-Z]/.test(last)) continue;
        add(call, 'torchvision', last, q, /^(vit_|swin|maxvit)/.test(last));
      }
    }
  }

  // Classes defined in the file that subclass torch.nn.Module: anchored on the word `Module`
  // (or a local alias of torch.nn.Module) written in a class's superclass list, then on the
  // names of those classes (subclasses of them, and instantiations).
  const superclassOf = (fn: Node): Node | undefined => {
    const list = fn.parent;
    const cls = list?.type === 'argument_list' ? list.parent : null;
    return cls && cls.type === 'class_definition' && cls.childForFieldName('superclasses')?.id === list!.id ? cls : undefined;
  };
  const modules = new Map<string, Node>();
  const supers = new Map<string, string[]>(); // module class → module superclasses defined in the file
  const addModule = (cls: Node, superName?: string): string | undefined => {
    const name = cls.childForFieldName('name')?.text;
    if (!name) return undefined;
    if (superName) supers.set(name, [...(supers.get(name) ?? []), superName]);
    if (modules.has(name)) return undefined;
    modules.set(name, cls);
    return name;
  };
  const moduleWords = new Set(['Module', ...ctx.imports.imports.filter((i) => i.qualified === 'torch.nn.Module').map((i) => i.local)]);
  for (const [, ids] of identifiersIn(ctx, moduleWords, ctx.root.startIndex, ctx.root.endIndex)) {
    for (const id of ids) {
      const p = id.parent;
      const fn = p && p.type === 'attribute' && p.childForFieldName('attribute')?.id === id.id ? p : id;
      const cls = superclassOf(fn);
      if (cls && ctx.imports.qualifiedName(fn) === 'torch.nn.Module') addModule(cls);
    }
  }
  if (modules.size > 0) {
    const instances: { call: Node; name: string }[] = [];
    let search = [...modules.keys()];
    for (let round = 0; round < 6 && search.length > 0; round++) {
      const next: string[] = [];
      for (const [name, ids] of identifierOccurrences(ctx, new Set(search))) {
        for (const id of ids) {
          const call = callOf(id);
          if (call) {
            instances.push({ call, name });
            continue;
          }
          const sub = superclassOf(id);
          if (sub) {
            const added = addModule(sub, name);
            if (added) next.push(added);
          }
        }
      }
      search = next;
    }
    const linearNames = new Set(['Linear', ...ctx.imports.imports.filter((i) => i.qualified === 'torch.nn.Linear').map((i) => i.local)]);
    const linearCount = (cls: Node): number => {
      let n = 0;
      for (const [, ids] of identifiersIn(ctx, linearNames, cls.startIndex, cls.endIndex)) {
        for (const id of ids) {
          const p = id.parent;
          const fn = p && p.type === 'attribute' && p.childForFieldName('attribute')?.id === id.id ? p : id;
          const call = callOf(fn);
          if (!call || ctx.imports.qualifiedName(fn) !== 'torch.nn.Linear') continue;
          // One Linear written in a comprehension / loop builds several layers.
          let inLoop = false;
          for (let a = call.parent, d = 0; a && d < 12 && !STOP_TYPES.has(a.type); a = a.parent, d++) {
            if (a.type.endsWith('comprehension') || a.type === 'generator_expression' || a.type === 'for_statement') inLoop = true;
          }
          n += inLoop ? 2 : 1;
        }
      }
      return n;
    };
    // Layers of a module superclass defined in the file count too (only instantiated classes are counted).
    const counts = new Map<string, number>();
    const countOf = (name: string, depth = 0): number => {
      let n = counts.get(name);
      if (n !== undefined) return n;
      n = linearCount(modules.get(name)!);
      if (depth < 8) for (const s of supers.get(name) ?? []) if (s !== name) n += countOf(s, depth + 1);
      counts.set(name, n);
      return n;
    };
    for (const { call, name } of instances) add(call, 'module-class', name, name, countOf(name) >= 2, modules.get(name));
  }
  return loads.sort((a, b) => a.call.startIndex - b.call.startIndex);
}

const isWordCode = (c: number): boolean => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c > 127;

/**
 * Identifier nodes named one of `names` in [start, end), by name. Few names go through the
 * shared index; many (a file with hundreds of module classes or loads) are found in one pass
 * over the text — only words whose first letter and length match a name are sliced and looked
 * up, and only hits are checked in the tree — so the cost does not grow with names × file size.
 * Class names at their own `class X` are skipped.
 */
function identifierOccurrences(ctx: PythonRuleContext, names: Set<string>, start = ctx.root.startIndex, end = ctx.root.endIndex): Map<string, Node[]> {
  if (names.size <= 16) return identifiersIn(ctx, names, start, end);
  const out = new Map<string, Node[]>();
  const src = ctx.source;
  const firsts = new Set<number>();
  const lengths = new Set<number>();
  for (const n of names) {
    firsts.add(n.charCodeAt(0));
    lengths.add(n.length);
  }
  let i = start;
  while (i < end) {
    const c = src.charCodeAt(i);
    if (!isWordCode(c)) {
      i++;
      continue;
    }
    const st = i;
    while (i < src.length && isWordCode(src.charCodeAt(i))) i++;
    if (!firsts.has(c) || !lengths.has(i - st)) continue;
    const w = src.slice(st, i);
    if (!names.has(w) || /class\s+$/.test(src.slice(Math.max(0, st - 12), st))) continue;
    const n = ctx.root.namedDescendantForIndex(st, i);
    if (!n || n.type !== 'identifier' || n.startIndex !== st || n.endIndex !== i) continue;
    let list = out.get(w);
    if (!list) out.set(w, (list = []));
    list.push(n);
  }
  return out;
}

/** The leading whitespace of the line holding source offset `at` (O(line length), unlike a row walk). */
function indentAt(source: string, at: number): string {
  const lineStart = source.lastIndexOf('\n', at - 1) + 1;
  let e = lineStart;
  while (e < source.length && (source[e] === ' ' || source[e] === '\t')) e++;
  return source.slice(lineStart, e);
}

/** The `name = <load>` / `self.name = <load>` binding of a load, if it has one. */
function bindingOf(load: ModelLoad, asg: Node | null, asgType: string): ModelBinding | undefined {
  // `asg` is `load.expr.parent`, of type `asgType`.
  if (!asg || asgType !== 'assignment' || asg.childForFieldName('right')?.id !== load.expr.id) return undefined;
  const statement = asg.parent;
  if (!statement || statement.type !== 'expression_statement') return undefined;
  const target = asg.childForFieldName('left');
  if (!target) return undefined;
  const targetType = target.type;
  if (targetType !== 'identifier' && targetType !== 'attribute') return undefined;
  // The scope: innermost def / class / module around the statement.
  let scope: Node | null = statement.parent;
  let scopeType = '';
  while (scope) {
    scopeType = scope.type;
    if (scopeType === 'function_definition' || scopeType === 'class_definition' || scopeType === 'module') break;
    scope = scope.parent;
  }
  if (!scope) return undefined;
  if (targetType === 'identifier') {
    if (scopeType === 'class_definition') return undefined; // class attribute: used as self.x / Cls.x
    return { text: target.text, target, statement, scope };
  }
  const obj = target.childForFieldName('object');
  const attr = target.childForFieldName('attribute');
  if (!obj || obj.type !== 'identifier' || obj.text !== 'self' || !attr) return undefined;
  let cls: Node | null = scope;
  let clsType = scopeType;
  while (cls && clsType !== 'class_definition') {
    cls = cls.parent;
    clsType = cls ? cls.type : '';
  }
  if (!cls) return undefined;
  return { text: target.text, attr: attr.text, target, statement, scope: cls };
}

type ScopeEntry = NonNullable<Cache['scopes']>[number];

/** Innermost def containing `n` (by position), with its enclosing defs, from the scope list. */
function enclosingDefs(scopes: NonNullable<Cache['scopes']>, n: Node): ScopeEntry[] {
  const x = n.startIndex;
  let lo = 0;
  let hi = scopes.length - 1;
  let i = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (scopes[mid]!.start <= x) {
      i = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  while (i >= 0 && x >= scopes[i]!.end) i = scopes[i]!.parent;
  const out: ScopeEntry[] = [];
  for (; i >= 0; i = scopes[i]!.parent) if (scopeIsDef(scopes[i]!)) out.push(scopes[i]!);
  return out;
}

const scopeLists = new WeakMap<object, NonNullable<Cache['scopes']>>();

/** `ctx.index.scopeNodes()`, computed once per analysis and shared by the rules that need it. */
export function fileScopes(ctx: PythonRuleContext): NonNullable<Cache['scopes']> {
  let hit = scopeLists.get(ctx.index);
  if (!hit) scopeLists.set(ctx.index, (hit = ctx.index.scopeNodes()));
  return hit;
}

const scopeTypes = new WeakMap<object, string>();

/** The node type of a {@link fileScopes} entry (asked of the tree once). */
export function scopeType(e: ScopeEntry): string {
  let v = scopeTypes.get(e);
  if (v === undefined) scopeTypes.set(e, (v = e.node.type));
  return v;
}

/** Whether a scope entry is a `def`. */
function scopeIsDef(e: ScopeEntry): boolean {
  return scopeType(e) === 'function_definition';
}

/** Occurrences of a binding's name in its scope that refer to it (its own target included). */
function usesOf(ctx: PythonRuleContext, cache: Cache, b: ModelBinding, occurrences: Map<string, Node[]>): Node[] {
  const out: Node[] = [];
  if (b.attr) {
    for (const id of occurrences.get(b.attr) ?? []) {
      const p = id.parent;
      if (!p || p.type !== 'attribute' || p.childForFieldName('attribute')?.id !== id.id) continue;
      const obj = p.childForFieldName('object');
      if (!obj || obj.type !== 'identifier' || obj.text !== 'self') continue;
      out.push(p);
    }
    return out;
  }
  const ids: { id: Node; p: Node; pt: string }[] = [];
  for (const id of occurrences.get(b.text) ?? []) {
    const p = id.parent;
    if (!p) continue;
    const pt = p.type;
    if (pt === 'attribute' && p.childForFieldName('attribute')?.id === id.id) continue;
    if (pt === 'keyword_argument' && p.childForFieldName('name')?.id === id.id) continue;
    if (pt === 'function_definition' || pt === 'class_definition') continue;
    ids.push({ id, p, pt });
  }
  // Inside nested defs, a parameter or a local assignment of the same name is another variable.
  const scopes = (cache.scopes ??= fileScopes(ctx));
  const s0 = b.scope.startIndex;
  const s1 = b.scope.endIndex;
  const sid = b.scope.id;
  const chains = ids.map(({ id }) => enclosingDefs(scopes, id).filter((d) => d.node.id !== sid && d.start >= s0 && d.end <= s1));
  const declared = new Set<number>(); // defs with `global name` / `nonlocal name`
  const locals = new Set<number>(); // defs assigning the name
  ids.forEach(({ id, p, pt }, i) => {
    const d = chains[i]![0];
    if (!d) return;
    if (pt === 'global_statement' || pt === 'nonlocal_statement') declared.add(d.node.id);
    else if ((pt === 'assignment' || pt === 'augmented_assignment') && p.childForFieldName('left')?.id === id.id) locals.add(d.node.id);
  });
  const params = new Map<number, boolean>();
  const hasParam = (d: Node): boolean => {
    let v = params.get(d.id);
    if (v === undefined) params.set(d.id, (v = parameterNames(d).has(b.text)));
    return v;
  };
  ids.forEach(({ id, pt }, i) => {
    if (pt === 'global_statement' || pt === 'nonlocal_statement') return;
    if (chains[i]!.some((d) => (locals.has(d.node.id) && !declared.has(d.node.id)) || hasParam(d.node))) return;
    out.push(id);
  });
  return out;
}

/** Occurrences of the names of every binding in `b`'s scope, found in one lookup per scope. */
function occurrencesFor(ctx: PythonRuleContext, cache: Cache, b: ModelBinding): Map<string, Node[]> {
  if (!cache.occurrences) {
    cache.occurrences = new Map();
    const groups = new Map<number, { scope: Node; names: Set<string> }>();
    for (const l of cache.loads) {
      const lb = l.binding;
      if (!lb) continue;
      let g = groups.get(lb.scope.id);
      if (!g) groups.set(lb.scope.id, (g = { scope: lb.scope, names: new Set() }));
      g.names.add(lb.attr ?? lb.text);
    }
    for (const [id, g] of groups) cache.occurrences.set(id, identifierOccurrences(ctx, g.names, g.scope.startIndex, g.scope.endIndex));
  }
  return cache.occurrences.get(b.scope.id) ?? new Map();
}

const EXPORTERS = /^(torch\.jit\.|torch\.onnx\.|torch\.export\.|torch_tensorrt|intel_extension_for_pytorch|openvino|onnx\.|onnxruntime|tensorrt|optimum\.)/;

/** What a method call on a model (`.to(...)`, `.cuda()`, `.generate(...)`, …) tells about it. */
interface MethodEffect {
  devices: DeviceEvidence[];
  half: boolean;
  compiled: boolean;
  training: boolean;
  generate: boolean;
  inference: Node | undefined;
}

const NO_EFFECT: MethodEffect = { devices: [], half: false, compiled: false, training: false, generate: false, inference: undefined };

function methodEffect(ctx: PythonRuleContext, cache: Cache, name: string, call: Node): MethodEffect {
  switch (name) {
    case 'to':
    case 'cuda':
    case 'cpu':
    case 'half':
    case 'bfloat16':
    case 'compile':
    case 'gradient_checkpointing_enable':
    case 'train':
    case 'generate':
    case 'forward':
      break;
    default:
      return NO_EFFECT;
  }
  const effects = (cache.methodEffects ??= new Map());
  let e = effects.get(call.id);
  if (e) return e;
  e = { devices: [], half: false, compiled: false, training: false, generate: false, inference: undefined };
  effects.set(call.id, e);
  switch (name) {
    case 'to': {
      const args = argsOf(ctx, call.childForFieldName('arguments'));
      for (const a of args.positional) {
        const q = ctx.imports.qualifiedName(a);
        if (q && DTYPES.test(q)) {
          if (DTYPE_16.has(q)) e.half = true;
        } else e.devices.push({ node: call, kind: deviceKind(ctx, a) });
      }
      const dev = args.value('device');
      if (dev) e.devices.push({ node: call, kind: deviceKind(ctx, dev) });
      if (isHalfDtype(ctx, args.value('dtype'))) e.half = true;
      break;
    }
    case 'cuda':
      e.devices.push({ node: call, kind: 'gpu' });
      break;
    case 'cpu':
      e.devices.push({ node: call, kind: 'cpu' });
      break;
    case 'half':
    case 'bfloat16':
      e.half = true;
      break;
    case 'compile':
      e.compiled = true;
      break;
    case 'gradient_checkpointing_enable':
      e.training = true;
      break;
    case 'train': {
      const a = argsOf(ctx, call.childForFieldName('arguments')).positional[0];
      if (!a || a.type === 'true') e.training = true;
      break;
    }
    case 'generate':
      e.generate = true;
      e.inference = call;
      break;
    case 'forward':
      e.inference = call;
      break;
    default:
      break;
  }
  return e;
}

function applyMethod(f: ModelFacts, e: MethodEffect): void {
  if (e === NO_EFFECT) return;
  for (const d of e.devices) f.devices.push(d);
  if (e.half) f.half = true;
  if (e.compiled) f.compiled = true;
  if (e.training) f.training = true;
  if (e.generate) f.generate = true;
  if (e.inference) f.inference ??= e.inference;
}

const ENC_COMPILED = 1;
const ENC_QUANTIZED = 2;
const ENC_EXPORTED = 4;
const ENC_TRAINING = 8;

/** Calls that `n` is an argument of, up to its statement: whether one compiles / quantizes / exports / trains it (flags, cached). */
function enclosingCallFlags(ctx: PythonRuleContext, cache: Cache, n: Node, parent?: Node | null): number {
  const memo = (cache.enclosing ??= new Map());
  let flags = memo.get(n.id);
  if (flags !== undefined) return flags;
  flags = 0;
  let a = parent === undefined ? n.parent : parent;
  let t = a ? a.type : '';
  for (let d = 0; a && d < 40; d++) {
    if (STOP_TYPES.has(t) || t.endsWith('_statement') || t === 'decorated_definition') break;
    if (t !== 'argument_list') {
      a = a.parent;
      t = a ? a.type : '';
      continue;
    }
    // The next ancestor is the argument list's owner: read it once.
    const call = a.parent;
    const ct = call ? call.type : '';
    if (call && ct === 'call') {
      const q = ctx.imports.qualifiedName(call) ?? '';
      const text = q || call.childForFieldName('function')?.text || '';
      if (q === 'torch.compile') flags |= ENC_COMPILED;
      else if (/quantiz/i.test(text)) flags |= ENC_QUANTIZED;
      else if (EXPORTERS.test(q)) flags |= ENC_EXPORTED;
      else if (q.startsWith('torch.optim.') || /Trainer$|(^|\.)prepare$/.test(text)) flags |= ENC_TRAINING;
    }
    a = call;
    t = ct;
  }
  memo.set(n.id, flags);
  return flags;
}

function applyEnclosing(f: ModelFacts, flags: number): void {
  if (flags & ENC_COMPILED) f.compiled = true;
  if (flags & ENC_QUANTIZED) f.quantized = true;
  if (flags & ENC_EXPORTED) f.exported = true;
  if (flags & ENC_TRAINING) f.training = true;
}

/** What one use of a bound name tells (the same for every binding of that name in that scope). */
interface UseEffect {
  node: Node;
  /** The use is the left side of an assignment / augmented assignment: rebinds unless a self-transform. */
  rebound?: boolean;
  /** Nothing more to learn (an assignment target). */
  target?: boolean;
  inference?: Node;
  method?: MethodEffect;
  enclosing: number;
}

/** Uses of the names bound in one scope, with what each tells, shared by the bindings of that name there (cached). */
function useEffects(ctx: PythonRuleContext, cache: Cache, b: ModelBinding): UseEffect[] {
  const key = `${b.scope.id}\u0000${b.attr === undefined ? 'n' : 'a'}\u0000${b.attr ?? b.text}\u0000${b.text}`;
  const groups = (cache.useGroups ??= new Map());
  let hit = groups.get(key);
  if (hit) return hit;
  hit = [];
  for (const u of usesOf(ctx, cache, b, occurrencesFor(ctx, cache, b))) {
    const p = u.parent;
    if (!p) {
      hit.push({ node: u, target: true, rebound: false, enclosing: 0 });
      continue;
    }
    const pt = p.type;
    if ((pt === 'assignment' || pt === 'augmented_assignment') && p.childForFieldName('left')?.id === u.id) {
      hit.push({ node: u, target: true, rebound: pt === 'augmented_assignment' || !isSelfTransform(ctx, p.childForFieldName('right'), b.text), enclosing: 0 });
      continue;
    }
    const e: UseEffect = { node: u, enclosing: 0 };
    if (pt === 'call' && p.childForFieldName('function')?.id === u.id) e.inference = p;
    else if (pt === 'attribute' && p.childForFieldName('object')?.id === u.id) {
      const name = p.childForFieldName('attribute')?.text ?? '';
      const call = callOf(p);
      if (call) e.method = methodEffect(ctx, cache, name, call);
    }
    e.enclosing = enclosingCallFlags(ctx, cache, u, p);
    hit.push(e);
  }
  groups.set(key, hit);
  return hit;
}

/** Facts about what the file does with a model; loads without a binding only get their own call and chain. */
export function modelFacts(ctx: PythonRuleContext, load: ModelLoad): ModelFacts {
  const cache = cacheFor(ctx);
  const hit = cache.facts.get(load.call.id);
  if (hit) return hit;
  const f: ModelFacts = {
    uses: [],
    generate: false,
    devices: [],
    half: false,
    quantized: false,
    compiled: false,
    exported: false,
    training: false,
    rebound: false,
  };
  cache.facts.set(load.call.id, f);

  const args = argsOf(ctx, load.args);
  for (const kw of ['device_map', 'device']) {
    const v = args.value(kw);
    if (v) f.devices.push({ node: v, kind: kw === 'device_map' && v.type === 'dictionary' ? 'gpu' : deviceKind(ctx, v) });
  }
  const ml = args.value('map_location');
  if (ml && deviceKind(ctx, ml) === 'gpu') f.devices.push({ node: ml, kind: 'gpu' });
  for (const kw of ['torch_dtype', 'dtype']) if (isHalfDtype(ctx, args.value(kw))) f.half = true;
  if (['load_in_8bit', 'load_in_4bit', 'quantization_config'].some((k) => args.keyword(k))) f.quantized = true;

  for (const c of load.chain) applyMethod(f, methodEffect(ctx, cache, c.name, c.call));

  // Argument of a call that compiles / quantizes / exports it (the load itself, or a later use).
  applyEnclosing(f, enclosingCallFlags(ctx, cache, load.expr));

  if (load.classNode) {
    // `@torch.compile` on forward, or torch.compile / TorchScript used inside the class.
    const names = new Set(['compile', 'script', 'script_method', 'trace']);
    for (const i of ctx.imports.imports) if (i.qualified === 'torch.compile' || i.qualified?.startsWith('torch.jit.')) names.add(i.local);
    for (const [, ids] of identifiersIn(ctx, names, load.classNode.startIndex, load.classNode.endIndex)) {
      for (const id of ids) {
        const p = id.parent;
        const fn = p && p.type === 'attribute' && p.childForFieldName('attribute')?.id === id.id ? p : id;
        const q = ctx.imports.qualifiedName(fn);
        if (q === 'torch.compile') f.compiled = true;
        else if (q?.startsWith('torch.jit.')) f.exported = true;
      }
    }
  }

  const b = load.binding;
  if (!b) return f;
  // The binding's own target is not a use of it (other bindings' targets of the same name are).
  const own = b.target.id;
  for (const e of useEffects(ctx, cache, b)) {
    if (e.node.id === own) continue;
    f.uses.push(e.node);
    if (e.target) {
      if (e.rebound) f.rebound = true;
      continue;
    }
    if (e.inference) f.inference ??= e.inference;
    else if (e.method) applyMethod(f, e.method);
    applyEnclosing(f, e.enclosing);
  }
  return f;
}

const SELF_METHODS = new Set(['to', 'cuda', 'cpu', 'eval', 'half', 'bfloat16', 'float', 'requires_grad_', 'train']);

/** `name.to(…).eval()` / `torch.compile(name, …)` / `quantize_dynamic(name, …)`: the same model, transformed. */
function isSelfTransform(ctx: PythonRuleContext, right: Node | null, name: string): boolean {
  if (!right || right.type !== 'call') return false;
  const q = ctx.imports.qualifiedName(right) ?? '';
  const fn = right.childForFieldName('function');
  if (q === 'torch.compile' || /quantiz/i.test(q || fn?.text || '')) return positionalArgs(right.childForFieldName('arguments'))[0]?.text === name;
  let cur: Node | null = right;
  while (cur && cur.type === 'call') {
    const f = cur.childForFieldName('function');
    if (!f || f.type !== 'attribute' || !SELF_METHODS.has(f.childForFieldName('attribute')?.text ?? '')) return false;
    cur = f.childForFieldName('object');
  }
  return !!cur && cur.text === name;
}

/** Whether the file mentions a GPU anywhere (text, comments included: errs towards "maybe GPU"). */
export function fileMentionsGpu(ctx: PythonRuleContext): boolean {
  const cache = cacheFor(ctx);
  cache.gpuMention ??= /\b(cuda|mps|xpu|hpu|npu|xla|device_map|accelerate|tensor_parallel_size)\b|\bCUDA_/i.test(ctx.source);
  return cache.gpuMention;
}

/**
 * Whether the file hides the GPUs from itself in code (not in a comment):
 * `os.environ["CUDA_VISIBLE_DEVICES"] = ""` / `"-1"`, or `setdefault("CUDA_VISIBLE_DEVICES", "")`.
 */
export function fileIsCpuOnly(ctx: PythonRuleContext): boolean {
  const cache = cacheFor(ctx);
  if (cache.cpuOnly === undefined) {
    cache.cpuOnly = false;
    const re = /CUDA_VISIBLE_DEVICES["']\s*(?:\]\s*=|,)\s*["'](?:-1)?["']/g;
    for (let m = re.exec(ctx.source); m; m = re.exec(ctx.source)) {
      const n = ctx.root.descendantForIndex(m.index, m.index + 1);
      if (n && n.type !== 'comment' && (n.type === 'string_content' || n.parent?.type === 'string')) {
        cache.cpuOnly = true;
        break;
      }
    }
  }
  return cache.cpuOnly;
}

/**
 * Whether a bound model certainly runs on the CPU: no `*args` / `**kwargs` in the load, no placement that may be a GPU, and either an
 * explicit CPU placement (`.to("cpu")`, `.cpu()`, `device_map="cpu"`), a file that hides its GPUs
 * (`CUDA_VISIBLE_DEVICES=""`), or no GPU mentioned in the file at all (then it stays where
 * from_pretrained / the constructor put it: the CPU).
 */
export function runsOnCpu(ctx: PythonRuleContext, load: ModelLoad): { cpu: boolean; evidence?: Node } {
  const f = modelFacts(ctx, load);
  if (argsOf(ctx, load.args).splat) return { cpu: false }; // `**kwargs` may hold device_map / dtype / quantization
  if (f.devices.some((d) => d.kind !== 'cpu')) return { cpu: false };
  const explicit = f.devices.find((d) => d.kind === 'cpu');
  if (explicit) return { cpu: true, evidence: explicit.node };
  return { cpu: !fileMentionsGpu(ctx) || fileIsCpuOnly(ctx) };
}

/**
 * Where a statement following a load goes: after the load's statement and any directly
 * following `name.eval()` / `name.to(...)` / `name = name.to(...)` lines of the same name.
 * Undefined when the load statement does not start its own line in a block (no clean place).
 */
export function afterLoadStatement(ctx: PythonRuleContext, load: ModelLoad): { after: Node; indent: string } | undefined {
  const b = load.binding;
  if (!b) return undefined;
  const st = b.statement;
  const parent = st.parent;
  if (!parent || (parent.type !== 'block' && parent.type !== 'module')) return undefined;
  const indent = indentAt(ctx.source, st.startIndex);
  if (st.startPosition.column !== indent.length) return undefined;
  const prevLine = st.previousSibling;
  if (prevLine && prevLine.endPosition.row === st.startPosition.row) return undefined; // `a; model = ...`
  const FOLLOW = new Set(['eval', 'to', 'cuda', 'cpu', 'half', 'bfloat16', 'float', 'requires_grad_', 'load_state_dict']);
  const isSetup = (n: Node): boolean => {
    if (n.type !== 'expression_statement') return false;
    let e = n.namedChild(0);
    if (e && e.type === 'assignment') {
      if (e.childForFieldName('left')?.text !== b.text) return false;
      e = e.childForFieldName('right');
    }
    if (!e || e.type !== 'call') return false;
    const fn = e.childForFieldName('function');
    return !!fn && fn.type === 'attribute' && fn.childForFieldName('object')?.text === b.text && FOLLOW.has(fn.childForFieldName('attribute')?.text ?? '');
  };
  let after = st;
  for (let n = st.nextSibling; n; n = n.nextSibling) {
    if (n.type === 'comment') continue;
    if (isSetup(n) && n.startPosition.row > after.endPosition.row) after = n;
    else break;
  }
  // Weights loaded later into the module would not fit a wrapped / quantized one.
  for (const u of modelFacts(ctx, load).uses) {
    const p = u.parent;
    if (u.startIndex >= after.endIndex && p?.type === 'attribute' && p.childForFieldName('attribute')?.text === 'load_state_dict') return undefined;
  }
  return { after, indent };
}

/** An edit inserting one statement line after `after`. */
export function insertStatementAfter(ctx: PythonRuleContext, after: Node, indent: string, line: string): TextEdit {
  return insertLinesAfter(ctx.source, after, indent, [line], ctx.eol);
}

/**
 * Edits adding the keyword argument `kw` (e.g. `attn_implementation="sdpa"`) to an argument
 * list, keeping its layout: `(a, b)` → `(a, b, kw)`; `(a, b,)` → `(a, b, kw,)`; a list with one
 * argument per line gets a line of its own with the arguments' indentation (and a trailing
 * comma, so that two such insertions stay valid). Undefined for an empty multi-line list.
 */
export function addKeywordArgument(ctx: PythonRuleContext, args: Node, kw: string): TextEdit[] | undefined {
  if (args.type !== 'argument_list') return undefined; // `f(x for x in xs)`
  const items = args.namedChildren.filter((c): c is Node => !!c && c.type !== 'comment');
  const open = args.child(0);
  const close = args.child(args.childCount - 1);
  if (!open || !close || open.type !== '(' || close.type !== ')') return undefined;
  const at = (row: number, column: number): TextEdit => ({ range: pointRange({ line: row, character: column }), newText: '' });
  const insert = (row: number, column: number, text: string): TextEdit => ({ ...at(row, column), newText: text });
  if (items.length === 0) {
    if (close.startPosition.row !== open.startPosition.row) return undefined;
    return [insert(open.endPosition.row, open.endPosition.column, kw)];
  }
  const last = items[items.length - 1]!;
  let next = last.nextSibling;
  while (next && next.type === 'comment') next = next.nextSibling;
  const comma = next && next.type === ',' ? next : undefined;
  const multiLine = items.some((c) => c.startPosition.row > open.startPosition.row);
  if (!multiLine) {
    if (comma) return [insert(comma.endPosition.row, comma.endPosition.column, ` ${kw},`)];
    return [insert(last.endPosition.row, last.endPosition.column, `, ${kw}`)];
  }
  const indent = indentAt(ctx.source, last.startIndex);
  const endRow = comma ? comma.endPosition.row : last.endPosition.row;
  if (close.startPosition.row > endRow) {
    const edits: TextEdit[] = [];
    if (!comma) edits.push(insert(last.endPosition.row, last.endPosition.column, ','));
    edits.push(insert(endRow + 1, 0, `${indent}${kw},${ctx.eol}`));
    return edits;
  }
  if (comma) return [insert(comma.endPosition.row, comma.endPosition.column, `${ctx.eol}${indent}${kw},`)];
  return [insert(last.endPosition.row, last.endPosition.column, `,${ctx.eol}${indent}${kw}`)];
}

/** The model id a from_pretrained loads: a string literal, or a module-level name assigned one string literal once. */
export function modelIdOf(ctx: PythonRuleContext, load: ModelLoad): { id: string; node: Node } | undefined {
  const al = argsOf(ctx, load.args);
  const arg = al.positional[0] ?? al.value('pretrained_model_name_or_path');
  if (!arg) return undefined;
  const s = stringValue(arg);
  if (s !== undefined) return { id: s, node: arg };
  if (arg.type !== 'identifier') return undefined;
  const name = arg.text;
  const memo = (cacheFor(ctx).constants ??= new Map());
  let c = memo.get(name);
  if (!c) {
    let found: string | undefined;
    let count = 0;
    for (const id of ctx.index.named(name)) {
      const p = id.parent;
      if (!p) continue;
      const pt = p.type;
      if ((pt !== 'assignment' && pt !== 'augmented_assignment') || p.childForFieldName('left')?.id !== id.id) continue;
      count++;
      const v = pt === 'assignment' ? stringValue(p.childForFieldName('right')) : undefined;
      if (v !== undefined && p.parent?.parent?.type === 'module') found = v;
    }
    memo.set(name, (c = { count, found }));
  }
  return c.count === 1 && c.found !== undefined ? { id: c.found, node: arg } : undefined;
}

/**
 * Parameter count (billions) a model id names: `70b`, `70B`, `405B`, `1.5b`, `8x7b` (→ 56),
 * the largest if several. `-a3b` (active parameters of a MoE) is not a size.
 */
export function parameterBillions(modelId: string): number | undefined {
  const s = modelId.toLowerCase();
  let best: number | undefined;
  const keep = (n: number): void => {
    if (Number.isFinite(n) && (best === undefined || n > best)) best = n;
  };
  for (const m of s.matchAll(/(?<![a-z0-9.])(\d+)x(\d+(?:\.\d+)?)b(?![a-z0-9])/g)) keep(Number(m[1]) * Number(m[2]));
  for (const m of s.matchAll(/(?<![a-z0-9.])(\d+(?:\.\d+)?)b(?![a-z0-9])/g)) keep(Number(m[1]));
  return best;
}

/** The range a model finding points at: the load call when it fits on one line, else its callee. */
export function loadRange(load: ModelLoad): Node {
  return load.call.startPosition.row === load.call.endPosition.row ? load.call : load.callee;
}

/** A name for the model in messages: the bound name, else the class. */
export function modelLabel(load: ModelLoad): string {
  return load.binding ? load.binding.text : load.className;
}

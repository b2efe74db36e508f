// Reads the tensor files a config names (inputs.overrides.NAME.file, inputs.files), hashes them
// and fits each tensor to its model input. The bytes are hashed as read, so the sha256 in the
// result is of exactly the data that was fed.

import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { InputsConfig } from '../core/config';
import { InputSynthesisError, type InputMetadata } from '../core/inputSynthesis';
import { NpyFormatError, parseNpy } from '../core/npy';
import { TensorFileError, checkTensorNames, fitTensor, parseTensorJson, type RawTensor, type SuppliedInput } from '../core/tensorFile';

/** Far above a real benchmark input (64×3×1024×1024 float32 is 768 MiB); keeps a mistaken path (a dataset) from exhausting memory. */
export const MAX_TENSOR_FILE_BYTES = 2 ** 30;
/** JSON costs several times its size to parse; real token-id or small-image files are far below this. */
export const MAX_JSON_TENSOR_FILE_BYTES = 256 * 2 ** 20;

const NPY_MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]);

export interface TensorFileBytes {
  /** As written in the config or on the command line. */
  path: string;
  absolutePath: string;
  bytes: Buffer;
  sha256: string;
  format: 'npy' | 'json';
}

const mib = (n: number) => `${(n / 2 ** 20).toFixed(n < 2 ** 20 ? 2 : 0)} MiB`;

/** The file's bytes and hash; `forInput` names the input in errors when the file holds just one. */
export async function readTensorFile(file: string, baseDir: string | undefined, forInput?: string): Promise<TensorFileBytes> {
  const absolutePath = path.resolve(baseDir ?? process.cwd(), file);
  const fail = (reason: string, hint: string): never => {
    throw forInput === undefined ? new TensorFileError(file, reason, hint) : new InputSynthesisError(forInput, `tensor file "${file}" ${reason}`, hint);
  };
  const where = baseDir
    ? `Check the path: in .vscode/latency.json, a --config file and settings, relative paths are resolved against ${baseDir}`
    : `Check the path: --input/--inputs paths are resolved against the current directory (${process.cwd()})`;
  let stat;
  try {
    stat = await fs.stat(absolutePath);
  } catch {
    return fail(`was not found (looked for ${absolutePath})`, where);
  }
  if (!stat.isFile()) fail(`is not a file (${absolutePath})`, where);
  const format = formatOf(file, await readHead(absolutePath));
  if (!format) fail('is neither .npy nor JSON (by its name and its first bytes)', 'Save the tensor with np.save (.npy) or as JSON (.json)');
  const cap = format === 'json' ? MAX_JSON_TENSOR_FILE_BYTES : MAX_TENSOR_FILE_BYTES;
  if (stat.size > cap) {
    fail(`is ${mib(stat.size)}, over the ${mib(cap)} Latency reads from a ${format === 'json' ? 'JSON' : '.npy'} tensor file`, format === 'json' ? 'Save large tensors as .npy (np.save), which is compact and exact' : 'Feed a smaller tensor (a smaller batch or sequence): a benchmark input this large is likely the wrong file');
  }
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(absolutePath);
  } catch (err) {
    return fail(`could not be read: ${(err as Error).message}`, where);
  }
  return { path: file, absolutePath, bytes, sha256: createHash('sha256').update(bytes).digest('hex'), format: format as 'npy' | 'json' };
}

async function readHead(file: string): Promise<Buffer> {
  const handle = await fs.open(file, 'r');
  try {
    const head = Buffer.alloc(64);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    return head.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** By extension, else by content: a file saved without one (np.save adds .npy, other writers may not). */
function formatOf(file: string, head: Buffer): 'npy' | 'json' | undefined {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.npy') return 'npy';
  if (ext === '.json') return 'json';
  // A zip (an .npz of several arrays) goes to the .npy reader, which says what it is and what to do.
  if (head.subarray(0, NPY_MAGIC.length).equals(NPY_MAGIC) || head.subarray(0, 2).toString('latin1') === 'PK') return 'npy';
  return /^\s*[[{]/.test(head.toString('utf8')) ? 'json' : undefined;
}

function parseNpyFile(f: TensorFileBytes, forInput: string | undefined): RawTensor {
  try {
    return parseNpy(f.bytes);
  } catch (err) {
    if (!(err instanceof NpyFormatError)) throw err;
    const hint = 'Re-save it with np.save(path, array) (a single C- or Fortran-order array of a numeric or bool dtype)';
    if (forInput === undefined) throw new TensorFileError(f.path, `is not a readable .npy file: ${err.message}`, hint);
    throw new InputSynthesisError(forInput, `tensor file "${f.path}" is not a readable .npy file: ${err.message}`, hint);
  }
}

function inJsonFile(e: unknown, forInput: string): never {
  // The JSON parser knows the file, not which input it was meant for.
  if (e instanceof TensorFileError) throw new TensorFileError(e.file, e.reason, e.hint, forInput);
  throw e;
}

/**
 * Every tensor the config supplies, fitted to its input; inputs without a file are absent (they
 * are synthesized). An input's own `file` wins over a multi-input file that also holds it; one
 * input in two multi-input files is an error, since neither is more specific.
 */
export async function loadSuppliedInputs(inputs: readonly InputMetadata[], config: InputsConfig): Promise<Map<string, SuppliedInput>> {
  const supplied = new Map<string, SuppliedInput>();
  const byName = new Map(inputs.map((m) => [m.name, m]));
  const fitOptions = (name: string) => ({ dimensions: config.dimensions, ...(config.overrides[name]?.shape ? { shape: config.overrides[name]?.shape } : {}) });
  const inputList = inputs.map((i) => i.name).join(', ');

  for (const [name, override] of Object.entries(config.overrides)) {
    if (override.file === undefined) continue;
    const meta = byName.get(name);
    if (!meta) {
      throw new InputSynthesisError(name, `is not an input of the model, but a tensor file ("${override.file}") is given for it`, `The model's inputs are: ${inputList}. Fix the name in inputs.overrides (or --input NAME=FILE); a file meant for one model of several belongs in that model's section of .vscode/latency.json ("models": { "path/to/model.onnx": { "inputs": … } })`);
    }
    const f = await readTensorFile(override.file, override.baseDir, name);
    let raw: RawTensor;
    let entry: string | undefined;
    if (f.format === 'npy') raw = parseNpyFile(f, name);
    else {
      let parsed;
      try {
        parsed = parseTensorJson(f.bytes.toString('utf8'), f.path);
      } catch (e) {
        inJsonFile(e, name);
      }
      if (parsed.kind === 'tensor') raw = parsed.tensor;
      else {
        const t = parsed.tensors.get(name);
        if (!t) {
          throw new InputSynthesisError(name, `tensor file "${f.path}" has no entry "${name}" (it has: ${[...parsed.tensors.keys()].join(', ')})`, `Name the entry "${name}", or hold just the tensor in the file (nested lists, or { "dims", "data", "type" })`);
        }
        raw = t;
        entry = name;
      }
    }
    supplied.set(name, fitTensor(meta, raw, { path: f.path, sha256: f.sha256, ...(entry ? { entry } : {}) }, fitOptions(name)));
  }

  const fromMultiFile = new Map<string, string>();
  for (const ref of config.files ?? []) {
    const f = await readTensorFile(ref.path, ref.baseDir);
    if (f.format === 'npy') {
      throw new TensorFileError(f.path, 'is a .npy file, which holds one unnamed array', 'Name the input it is for: --input NAME=FILE.npy, or inputs.overrides.NAME.file');
    }
    const parsed = parseTensorJson(f.bytes.toString('utf8'), f.path);
    if (parsed.kind === 'tensor') {
      throw new TensorFileError(f.path, 'holds one unnamed tensor, not tensors keyed by input name', `Key it by input name ({ "${inputs[0]?.name ?? 'input'}": ... }), or name the input it is for with --input NAME=FILE (inputs.overrides.NAME.file)`);
    }
    checkTensorNames(parsed.tensors.keys(), inputs, f.path);
    for (const [name, raw] of parsed.tensors) {
      const earlier = fromMultiFile.get(name);
      if (earlier !== undefined) {
        throw new InputSynthesisError(name, `is in two tensor files, "${earlier}" and "${f.path}"`, 'Keep each input in one file, or give this input its own file (--input NAME=FILE, inputs.overrides.NAME.file), which takes precedence');
      }
      fromMultiFile.set(name, f.path);
      const own = supplied.get(name);
      if (own) {
        own.notes.push(`"${f.path}" also holds this input; the input's own file takes precedence`);
        continue;
      }
      supplied.set(name, fitTensor(byName.get(name) as InputMetadata, raw, { path: f.path, sha256: f.sha256, entry: name }, fitOptions(name)));
    }
  }
  return supplied;
}

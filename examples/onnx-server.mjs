// A small real inference endpoint to point `latency bench` at: one ONNX model served over HTTP on
// 127.0.0.1 with onnxruntime-node, one inference at a time (like a single-worker model server).
//
//   node examples/onnx-server.mjs [model.onnx] [--port 8000] [--threads 1]
//   latency bench http://127.0.0.1:8000/predict --body-template examples/onnx-server-body.json -n 500
//
// POST /predict   body: {"<input name>": nested lists, ...} for every model input; the nesting
//                 gives the shape, the model gives the element type. Answers
//                 {"outputs": {"<name>": {"dims": [...], "data": [...]}}, "inferenceMs": t, "queueMs": q}
//                 with the header X-Inference-Ms: t, where t is session.run alone, timed here, and
//                 q the time the request waited for the inferences ahead of it. A body that does not
//                 fit the model gets 400, a failed run 500; both say why in {"error": "..."} and in
//                 the status line's reason phrase (which a benchmark's error examples show).
// GET /health     the model and its inputs.
// GET /stats      {"requests": n, "inferenceMs": [t, ...]} of the last 10,000 inferences, in the order
//                 they finished: the service times a client's figures can be compared with.
//
// Also started by the tests (test/support/onnxServer.ts): with an IPC channel it sends {port} there.

import { createServer } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import ort from 'onnxruntime-node';

const KEEP_TIMES = 10_000;
const MAX_BODY_BYTES = 64 * 1024 * 1024;

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const at = args.indexOf(name);
  if (at < 0) return fallback;
  const value = args.splice(at, 2)[1];
  if (value === undefined) throw new Error(`${name} needs a value`);
  return value;
};
const port = Number(option('--port', '8000'));
// One thread: steadier times on a small machine, and what a replica per core would use.
const threads = Number(option('--threads', '1'));
const modelPath = args[0] ?? join(dirname(fileURLToPath(import.meta.url)), 'tiny-transformer.onnx');

const session = await ort.InferenceSession.create(modelPath, { intraOpNumThreads: threads, interOpNumThreads: 1 });
const inputs = session.inputNames.map((name, k) => ({ name, ...session.inputMetadata[k] }));

const TYPED = {
  float32: Float32Array, float64: Float64Array, int8: Int8Array, uint8: Uint8Array, int16: Int16Array,
  uint16: Uint16Array, int32: Int32Array, uint32: Uint32Array, int64: BigInt64Array, uint64: BigUint64Array,
};

class BadInput extends Error {}

/** The nested lists of one input as a tensor of the model's type; the shape checked against the model's fixed dimensions. */
function tensorOf(input, value) {
  if (value === undefined) throw new BadInput(`missing input "${input.name}" (the model's inputs: ${inputs.map((i) => i.name).join(', ')})`);
  const dims = [];
  for (let v = value; Array.isArray(v); v = v[0]) dims.push(v.length);
  const want = input.shape ?? [];
  const shown = `[${want.join(', ')}]`;
  if (dims.length !== want.length) throw new BadInput(`input "${input.name}": expected ${want.length} dimensions ${shown}, got ${dims.length} [${dims.join(', ')}]`);
  want.forEach((d, k) => {
    if (typeof d === 'number' && d !== dims[k]) throw new BadInput(`input "${input.name}": dimension ${k} must be ${d} ${shown}, got ${dims[k]} [${dims.join(', ')}]`);
  });
  const flat = dims.length ? value.flat(dims.length - 1) : [value];
  const size = dims.reduce((a, b) => a * b, 1);
  if (flat.length !== size || flat.some((x) => Array.isArray(x))) throw new BadInput(`input "${input.name}": ragged lists, not a [${dims.join(', ')}] tensor`);
  if (input.type === 'bool') return new ort.Tensor('bool', Uint8Array.from(flat, (x) => (x ? 1 : 0)), dims);
  const Typed = TYPED[input.type];
  if (!Typed) throw new BadInput(`input "${input.name}": element type ${input.type} is not served here`);
  const big = Typed === BigInt64Array || Typed === BigUint64Array;
  for (const x of flat) if (typeof x !== 'number' || (big && !Number.isInteger(x))) throw new BadInput(`input "${input.name}": ${JSON.stringify(x)} is not a ${input.type}`);
  return new ort.Tensor(input.type, big ? Typed.from(flat, (x) => BigInt(x)) : Typed.from(flat), dims);
}

const times = [];
let requests = 0;
// One inference at a time: onnxruntime-node's run() blocks the event loop anyway; queued
// explicitly, each run is timed alone and the wait ahead of it is reported apart.
let queue = Promise.resolve();

async function predict(body) {
  let parsed;
  try {
    parsed = JSON.parse(body);
  } catch (err) {
    throw new BadInput(`the body is not JSON (${err.message})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new BadInput('the body must be a JSON object of input names to nested lists');
  const feeds = {};
  for (const input of inputs) feeds[input.name] = tensorOf(input, parsed[input.name]);
  const queued = performance.now();
  const turn = queue.then(async () => {
    const start = performance.now();
    const out = await session.run(feeds);
    return { out, inferenceMs: performance.now() - start, queueMs: start - queued };
  });
  queue = turn.catch(() => undefined);
  const { out, inferenceMs, queueMs } = await turn;
  times.push(inferenceMs);
  if (times.length > KEEP_TIMES) times.shift();
  const outputs = {};
  for (const [name, t] of Object.entries(out)) outputs[name] = { dims: t.dims, data: Array.from(t.data, (x) => (typeof x === 'bigint' ? Number(x) : x)) };
  return { outputs, inferenceMs, queueMs };
}

function send(res, status, payload, headers = {}) {
  const text = JSON.stringify(payload);
  // The reason phrase carries a failure's cause too: a client that keeps only the status line still sees it.
  const reason = status >= 400 ? payload.error.replace(/[^\x20-\x7e]/g, '?').slice(0, 200) : undefined;
  res.writeHead(status, reason, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

const server = createServer((req, res) => {
  const chunks = [];
  let size = 0;
  req.on('data', (c) => {
    size += c.length;
    if (size > MAX_BODY_BYTES) req.destroy();
    else chunks.push(c);
  });
  req.on('end', () => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/health') return send(res, 200, { ok: true, model: modelPath, inputs });
    if (req.method === 'GET' && path === '/stats') return send(res, 200, { requests, inferenceMs: times });
    if (path !== '/predict') return send(res, 404, { error: `no ${path} here: POST /predict, GET /health, GET /stats` });
    if (req.method !== 'POST') return send(res, 405, { error: 'POST a JSON body to /predict' });
    requests++;
    predict(Buffer.concat(chunks).toString('utf8')).then(
      (r) => send(res, 200, r, { 'x-inference-ms': r.inferenceMs.toFixed(3) }),
      (err) => send(res, err instanceof BadInput ? 400 : 500, { error: err instanceof BadInput ? err.message : `inference failed: ${err.message}` }),
    );
  });
});

server.listen(port, '127.0.0.1', () => {
  const { port: bound } = server.address();
  if (process.send) process.send({ port: bound });
  else console.log(`serving ${modelPath} on http://127.0.0.1:${bound}/predict (inputs: ${inputs.map((i) => `${i.name} ${i.type} [${i.shape.join(', ')}]`).join('; ')})`);
});
process.on('disconnect', () => process.exit(0));
process.on('SIGTERM', () => server.close(() => process.exit(0)));

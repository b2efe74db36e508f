// An OpenAI-compatible streaming server with known timings, in a process of its own (so its
// timers do not share the event loop with the client being measured), on 127.0.0.1. It serves
// POST /v1/chat/completions and /v1/completions with `stream: true` as Server-Sent Events:
//
//   t = 0                 headers, then the chat role chunk ({"role": "assistant", "content": ""})
//   t = ttft              token 1
//   t = ttft + i·tokenMs  token i+1, up to min(tokens, max_tokens), each in its own chunk
//   then                  the usage chunk (when asked for with stream_options.include_usage and
//                         `usage` is on), "data: [DONE]", the end of the response
//
// Each token is scheduled from the request's start, not from the previous token, so the timings
// do not drift. A prompt whose first `cachePrefixChars` characters were seen before gets
// `cachedTtftMs` instead of `ttftMs` (prefix caching). Every `failEvery`-th request fails as `fail`
// says. Plain JavaScript, run with `node -e`.

import { spawn } from 'node:child_process';

export interface SseServerOptions {
  ttftMs: number;
  tokenMs: number;
  tokens: number;
  /** Send the usage chunk when asked for (default true). */
  usage?: boolean;
  /** Tokens per content chunk (default 1): usage then says more tokens than there are chunks. */
  tokensPerChunk?: number;
  /** The only model name accepted (others get 404); any when absent. */
  model?: string;
  /** Prefix caching: prompts agreeing on their first this many characters share a cache entry. */
  cachePrefixChars?: number;
  cachedTtftMs?: number;
  /** Line endings of the stream (default "\n"). */
  crlf?: boolean;
  /** Write each event in two halves, the cut inside its data line (a few ms apart). */
  splitEvents?: boolean;
  failEvery?: number;
  fail?: 'status' | 'malformed' | 'drop' | 'errorEvent' | 'noTokens' | 'json';
}

export interface SseServer {
  /** The base URL, http://127.0.0.1:PORT/v1. */
  base: string;
  port: number;
  stats(): Promise<{ requests: number; connections: number; open: number; received: Array<{ path: string; body: Record<string, unknown>; headers: Record<string, string> }> }>;
  close(): Promise<void>;
}

const CHILD = `
const http = require('http');
const o = JSON.parse(process.argv[1]);
const EOL = o.crlf ? '\\r\\n' : '\\n';
let requests = 0, connections = 0, open = 0;
const received = [];
const seen = new Set();
const promptText = (b) => typeof b.prompt === 'string' ? b.prompt : Array.isArray(b.messages) ? b.messages.map((m) => typeof m.content === 'string' ? m.content : '').join('\\n') : '';
const server = http.createServer((req, res) => {
  const n = ++requests;
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const start = Date.now();
    let body = {};
    try { body = JSON.parse(Buffer.concat(chunks).toString('utf8')); } catch {}
    if (received.length < 50) received.push({ path: req.url, body, headers: req.headers });
    const chat = req.url === '/v1/chat/completions';
    if (req.method !== 'POST' || (!chat && req.url !== '/v1/completions')) {
      res.writeHead(404, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ error: { message: 'no route ' + req.url } }));
    }
    if (o.model && body.model !== o.model) {
      res.writeHead(404, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ error: { message: 'The model ' + body.model + ' does not exist.' } }));
    }
    const failing = o.failEvery && n % o.failEvery === 0 ? o.fail : undefined;
    if (failing === 'status') {
      res.writeHead(500, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ error: { message: 'engine overloaded' } }));
    }
    if (failing === 'json' || body.stream !== true) {
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ choices: [{ text: 'not streamed' }] }));
    }
    const text = promptText(body);
    const key = o.cachePrefixChars && text.length >= o.cachePrefixChars ? text.slice(0, o.cachePrefixChars) : undefined;
    const cached = key !== undefined && seen.has(key);
    if (key !== undefined) seen.add(key);
    const ttft = cached ? o.cachedTtftMs : o.ttftMs;
    const total = Math.min(o.tokens, typeof body.max_tokens === 'number' ? body.max_tokens : o.tokens);
    const per = o.tokensPerChunk || 1;
    const id = 'cmpl-' + n;
    const chunk = (payload) => JSON.stringify({ id, object: chat ? 'chat.completion.chunk' : 'text_completion', created: 0, model: body.model, ...payload });
    // Split mode: the rest of an event goes out 1 ms later, or before the next write, whichever is first.
    let rest = '', restTimer;
    const flushRest = () => { clearTimeout(restTimer); if (rest && !res.destroyed) res.write(rest); rest = ''; };
    const send = (data) => {
      const ev = 'data: ' + data + EOL + EOL;
      if (!o.splitEvents) return res.write(ev);
      flushRest();
      const cut = Math.min(ev.length - 1, 10);
      res.write(ev.slice(0, cut));
      rest = ev.slice(cut);
      restTimer = setTimeout(flushRest, 1);
    };
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    res.flushHeaders();
    res.write(': keep-alive comment' + EOL + EOL);
    if (chat) send(chunk({ choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] }));
    let sent = 0, chunkNo = 0;
    const tick = () => {
      if (res.destroyed) return;
      if (failing === 'noTokens') { send('[DONE]'); return res.end(); }
      const k = Math.min(per, total - sent);
      const words = Array.from({ length: k }, (_, j) => ' w' + (sent + j + 1)).join('');
      send(chunk({ choices: [chat ? { index: 0, delta: { content: words }, finish_reason: null } : { index: 0, text: words, finish_reason: null }] }));
      sent += k; chunkNo++;
      if (failing === 'malformed' && chunkNo === 2) { res.write('data: {"choices": [' + EOL + EOL); return; }
      if (failing === 'errorEvent' && chunkNo === 2) { send(JSON.stringify({ error: { message: 'engine overloaded mid-stream' } })); return; }
      if (failing === 'drop' && chunkNo === 2) { return setTimeout(() => res.socket.destroy(), 5); }
      if (sent < total) return setTimeout(tick, Math.max(0, start + ttft + chunkNo * o.tokenMs - Date.now()));
      const finish = () => {
        send(chunk({ choices: [chat ? { index: 0, delta: {}, finish_reason: 'length' } : { index: 0, text: '', finish_reason: 'length' }] }));
        if ((o.usage ?? true) && body.stream_options && body.stream_options.include_usage) {
          send(chunk({ choices: [], usage: { prompt_tokens: text.split(/\\s+/).length, completion_tokens: total, total_tokens: total, ...(cached ? { prompt_tokens_details: { cached_tokens: o.cachePrefixChars } } : {}) } }));
        }
        send('[DONE]');
        setTimeout(() => { flushRest(); res.end(); }, o.splitEvents ? 3 : 0);
      };
      finish();
    };
    setTimeout(tick, Math.max(0, start + ttft - Date.now()));
  });
});
server.on('connection', (s) => { connections++; open++; s.on('close', () => open--); });
server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
process.on('message', (m) => {
  if (m === 'stats') process.send({ requests, connections, open, received });
  if (m === 'close') { server.closeAllConnections(); server.close(() => process.exit(0)); }
});
process.on('disconnect', () => process.exit(0));
`;

export async function sseServer(options: SseServerOptions): Promise<SseServer> {
  const child = spawn(process.execPath, ['-e', CHILD, JSON.stringify(options)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (m) => resolve((m as { port: number }).port));
    child.once('exit', (code) => reject(new Error(`the SSE test server exited (${code}) before listening`)));
  });
  return {
    base: `http://127.0.0.1:${port}/v1`,
    port,
    stats: () =>
      new Promise((resolve) => {
        child.once('message', (m) => resolve(m as Awaited<ReturnType<SseServer['stats']>>));
        child.send('stats');
      }),
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.send('close');
      }),
  };
}

// One streamed answer of an OpenAI-compatible server, read event by event as it arrives: when
// the first token came, the gaps between the chunks that carried tokens, how many tokens there
// were (the server's usage count when it sent one), and what went wrong. Pure: the client stamps
// each event with the time it was received and feeds it here.
//
// - A token-bearing chunk is one whose first choice has text: `delta.content` (chat; also
//   `delta.reasoning_content`/`delta.reasoning`, which reasoning models stream before the answer,
//   and `delta.tool_calls`) or `text` (completions). The opening chunk of a chat stream
//   (`{"role": "assistant", "content": ""}`) carries none, so it does not stop the TTFT clock.
// - Tokens: `usage.completion_tokens` of the last chunk that had usage (asked for with
//   `stream_options.include_usage`), else the number of token-bearing chunks, which equals the
//   tokens only when the server sends one token per chunk (most do; some batch several).
// - Chunks in the same socket read get the same timestamp: an inter-token gap of 0 means the
//   client saw them together, which is what a user of the stream sees too.

import { isDone, type SseEvent } from './sse';

export type OpenAiApi = 'chat' | 'completions';

export interface StreamRecord {
  /** Send → first token-bearing chunk. */
  ttftMs: number;
  /** Send → end of the response. */
  e2eMs: number;
  outputTokens: number;
  /** Where outputTokens came from. */
  tokenSource: 'usage' | 'chunks';
  /** Gaps between consecutive token-bearing chunks (token-bearing chunks − 1 of them). */
  itlMs: number[];
  /** Prompt tokens, and those served from the server's prefix cache, when its usage said. */
  promptTokens?: number;
  cachedPromptTokens?: number;
}

export type StreamProblem = { kind: 'malformed' | 'other'; message: string };

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const count = (v: unknown): number | undefined => (typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : undefined);

/** Reads one stream; `event` for each SSE event in order, then `finish` at the end of the response. */
export class StreamRecorder {
  private firstMs: number | undefined;
  private lastTokenMs: number | undefined;
  private readonly itl: number[] = [];
  private chunks = 0;
  private usageTokens: number | undefined;
  private promptTokens: number | undefined;
  private cachedTokens: number | undefined;
  private done = false;
  private events = 0;

  constructor(private readonly api: OpenAiApi) {}

  /** Feeds one event received `atMs` after the request was sent; a problem ends the request as failed. */
  event(e: SseEvent, atMs: number): StreamProblem | undefined {
    if (this.done) return undefined;
    this.events++;
    if (isDone(e)) {
      this.done = true;
      return undefined;
    }
    let chunk: unknown;
    try {
      chunk = JSON.parse(e.data);
    } catch (err) {
      return { kind: 'malformed', message: `a streamed chunk is not JSON (${(err as Error).message}): ${snippet(e.data)}` };
    }
    if (!isObj(chunk)) return { kind: 'malformed', message: `a streamed chunk is not a JSON object: ${snippet(e.data)}` };
    if (chunk.error !== undefined || chunk.object === 'error') {
      const inner = isObj(chunk.error) ? chunk.error : chunk;
      const message = typeof inner.message === 'string' ? inner.message : snippet(e.data);
      return { kind: 'other', message: `the server reported an error in the stream: ${message}` };
    }
    if (isObj(chunk.usage)) {
      const u = chunk.usage;
      const completion = count(u.completion_tokens);
      if (completion !== undefined) this.usageTokens = completion;
      const prompt = count(u.prompt_tokens);
      if (prompt !== undefined) this.promptTokens = prompt;
      const cached = isObj(u.prompt_tokens_details) ? count(u.prompt_tokens_details.cached_tokens) : undefined;
      if (cached !== undefined) this.cachedTokens = cached;
    }
    if (chunk.choices !== undefined && !Array.isArray(chunk.choices)) return { kind: 'malformed', message: `"choices" is not a list in a streamed chunk: ${snippet(e.data)}` };
    const choice = Array.isArray(chunk.choices) ? chunk.choices[0] : undefined;
    if (choice !== undefined && this.bearsTokens(choice)) {
      this.chunks++;
      if (this.firstMs === undefined) this.firstMs = atMs;
      else this.itl.push(Math.max(0, atMs - this.lastTokenMs!));
      this.lastTokenMs = atMs;
    }
    return undefined;
  }

  private bearsTokens(choice: unknown): boolean {
    if (!isObj(choice)) return false;
    const text = (v: unknown) => typeof v === 'string' && v.length > 0;
    if (this.api === 'completions') return text(choice.text) || (isObj(choice.delta) && text(choice.delta.content));
    const d = choice.delta;
    if (!isObj(d)) return text(choice.text);
    return text(d.content) || text(d.reasoning_content) || text(d.reasoning) || (Array.isArray(d.tool_calls) && d.tool_calls.length > 0);
  }

  /** The response ended `atMs` after the send: the record, or why it does not count. */
  finish(atMs: number): { ok: true; record: StreamRecord; sawDone: boolean } | ({ ok: false } & StreamProblem) {
    if (this.firstMs === undefined) {
      const what = this.events === 0 ? 'no event at all' : this.done ? 'only [DONE] and chunks without text' : 'only chunks without text';
      return { ok: false, kind: 'malformed', message: `the stream ended with ${what}: no token, so no time to first token` };
    }
    const fromUsage = this.usageTokens !== undefined && this.usageTokens >= 1;
    return {
      ok: true,
      sawDone: this.done,
      record: {
        ttftMs: this.firstMs,
        e2eMs: Math.max(atMs, this.firstMs),
        outputTokens: fromUsage ? this.usageTokens! : this.chunks,
        tokenSource: fromUsage ? 'usage' : 'chunks',
        itlMs: [...this.itl],
        ...(this.promptTokens !== undefined ? { promptTokens: this.promptTokens } : {}),
        ...(this.cachedTokens !== undefined ? { cachedPromptTokens: this.cachedTokens } : {}),
      },
    };
  }
}

/** Time per output token after the first: (e2e − TTFT) ÷ (tokens − 1); undefined for a single token. */
export function tpotOf(r: StreamRecord): number | undefined {
  return r.outputTokens > 1 ? (r.e2eMs - r.ttftMs) / (r.outputTokens - 1) : undefined;
}

function snippet(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 80 ? `${JSON.stringify(flat.slice(0, 80))}…` : JSON.stringify(flat);
}

/**
 * The endpoint a request goes to: a URL ending in /chat/completions or /completions is taken as
 * it is (and says which API it is); any other is a base such as http://host:8000/v1, to which the
 * API's path is added. Throws a RangeError naming the mismatch when a full URL and `api` disagree.
 */
export function openAiEndpoint(url: string, api: OpenAiApi | undefined): { url: string; api: OpenAiApi } {
  const [head, query = ''] = splitQuery(url.trim());
  const path = head.replace(/\/+$/, '');
  const full: OpenAiApi | undefined = /\/chat\/completions$/i.test(path) ? 'chat' : /\/completions$/i.test(path) ? 'completions' : undefined;
  if (full) {
    if (api !== undefined && api !== full) throw new RangeError(`${url} is the ${full === 'chat' ? 'chat/completions' : 'completions'} endpoint, but the API asked for is "${api}": give the base URL (…/v1) or the matching endpoint`);
    return { url: path + query, api: full };
  }
  const chosen = api ?? 'chat';
  return { url: `${path}/${chosen === 'chat' ? 'chat/completions' : 'completions'}${query}`, api: chosen };
}

function splitQuery(url: string): [string, string?] {
  const q = url.search(/[?#]/);
  return q === -1 ? [url] : [url.slice(0, q), url.slice(q)];
}

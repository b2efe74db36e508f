// The prompts an LLM benchmark sends, and the request body each becomes. Pure: the profiler reads
// the file and hands its text here.
//
// File formats, by extension:
// - .jsonl / .ndjson: one JSON object per line, {"prompt": "…"} or {"messages": [{"role", "content"}, …]};
//   blank lines are skipped.
// - .json: an array of such objects, or of strings.
// - anything else (.txt): one prompt per line; blank lines are skipped. A prompt that spans lines
//   goes in a .jsonl file (with "\n" in its JSON string): blank-line-separated paragraphs would
//   make a one-per-line file with an empty line in it change meaning silently.
//
// Shared prefix (`sharedPrefixWords`): the same generated text of N words goes before every
// prompt, so a server with prefix (prompt) caching computes it once and answers later requests
// sooner. Words, not tokens: a tokenizer is the server's; an English-like word is about 1.3 tokens
// for common BPE tokenizers. The words are drawn from a fixed list with a fixed seed, so a prefix
// of N words is the same text in every run. In a chat request it goes first in the system
// message (one is added when the conversation does not start with one); in a completion, before
// the prompt.

import { mulberry32 } from './random';
import type { OpenAiApi } from './openaiStream';

export interface ChatMessage {
  role: string;
  content: string | unknown[];
  [key: string]: unknown;
}

export type Prompt = { kind: 'text'; text: string } | { kind: 'messages'; messages: ChatMessage[] };

export class PromptsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PromptsError';
  }
}

/** Parses a prompts file's text; `name` (the file name) picks the format and names the file in errors. */
export function parsePrompts(text: string, name: string): Prompt[] {
  const lower = name.toLowerCase();
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  let prompts: Prompt[];
  if (lower.endsWith('.jsonl') || lower.endsWith('.ndjson')) prompts = parseJsonl(body, name);
  else if (lower.endsWith('.json')) prompts = parseJsonArray(body, name);
  else prompts = body.split(/\r\n|\n|\r/).filter((l) => l.trim() !== '').map((text) => ({ kind: 'text', text }));
  if (prompts.length === 0) throw new PromptsError(`${name} holds no prompt (${lower.endsWith('.json') ? 'an empty array' : 'no non-blank line'})`);
  return prompts;
}

function parseJsonl(text: string, name: string): Prompt[] {
  const out: Prompt[] = [];
  text.split(/\r\n|\n|\r/).forEach((line, i) => {
    if (line.trim() === '') return;
    const where = `${name} line ${i + 1}`;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch (err) {
      throw new PromptsError(`${where} is not JSON (${(err as Error).message}): write one object per line, {"prompt": "…"} or {"messages": […]}`);
    }
    out.push(promptOf(v, where));
  });
  return out;
}

function parseJsonArray(text: string, name: string): Prompt[] {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    throw new PromptsError(`${name} is not JSON (${(err as Error).message}): a .json prompts file is an array of prompts (or use .jsonl, one per line)`);
  }
  if (!Array.isArray(v)) throw new PromptsError(`${name} must hold a JSON array of prompts, not ${describe(v)}`);
  return v.map((item, i) => promptOf(item, `${name} item ${i + 1}`));
}

function promptOf(v: unknown, where: string): Prompt {
  if (typeof v === 'string') {
    if (v.trim() === '') throw new PromptsError(`${where} is an empty prompt`);
    return { kind: 'text', text: v };
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new PromptsError(`${where} must be an object with "prompt" or "messages", not ${describe(v)}`);
  const o = v as Record<string, unknown>;
  if (o.prompt !== undefined && o.messages !== undefined) throw new PromptsError(`${where} has both "prompt" and "messages": give one`);
  if (typeof o.prompt === 'string') {
    if (o.prompt.trim() === '') throw new PromptsError(`${where} has an empty "prompt"`);
    return { kind: 'text', text: o.prompt };
  }
  if (o.prompt !== undefined) throw new PromptsError(`${where}: "prompt" must be a string, not ${describe(o.prompt)}`);
  if (Array.isArray(o.messages)) {
    if (o.messages.length === 0) throw new PromptsError(`${where} has an empty "messages" list`);
    o.messages.forEach((m, j) => {
      const ok = typeof m === 'object' && m !== null && typeof (m as ChatMessage).role === 'string' && (typeof (m as ChatMessage).content === 'string' || Array.isArray((m as ChatMessage).content));
      if (!ok) throw new PromptsError(`${where}: message ${j + 1} must be {"role": "…", "content": "…"}`);
    });
    return { kind: 'messages', messages: o.messages as ChatMessage[] };
  }
  if (o.messages !== undefined) throw new PromptsError(`${where}: "messages" must be a list of {"role", "content"}, not ${describe(o.messages)}`);
  throw new PromptsError(`${where} has neither "prompt" nor "messages"`);
}

function describe(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

// ---------------------------------------------------------------------------------------------
// Shared prefix

const WORDS = (
  'the of and to in is that for it as was with be by on not he this are or his from at which but have an they you were her she there one ' +
  'all we their been has when who will more no if out so said what up its about than into them can only other new some could time these two ' +
  'may then do first any my now such like our over man me even most made after also did many before must through back years where much your way ' +
  'well down should because each just those people how too little state good very make world still own see men work long get here between both ' +
  'life being under never day same another know while last might us great old year off come since against go came right used take three'
).split(' ');

/** The same `words` words every time (seeded), ending in a newline pair so the prompt starts on its own. */
export function sharedPrefixText(words: number): string {
  if (!(Number.isInteger(words) && words >= 0)) throw new RangeError(`sharedPrefixText: words must be an integer ≥ 0, got ${words}`);
  if (words === 0) return '';
  const rand = mulberry32(0x5eed);
  const out: string[] = [];
  for (let i = 0; i < words; i++) out.push(WORDS[Math.floor(rand() * WORDS.length)]!);
  return `${out.join(' ')}\n\n`;
}

// ---------------------------------------------------------------------------------------------
// Request bodies

export interface BodyOptions {
  api: OpenAiApi;
  model: string;
  maxTokens: number;
  /** Text put before every prompt (sharedPrefixText). */
  prefix?: string;
}

/** The JSON body of one streaming request; a conversation for the completions API is an error the caller reports. */
export function requestBody(p: Prompt, o: BodyOptions): Record<string, unknown> {
  const prefix = o.prefix ?? '';
  const common = { model: o.model, max_tokens: o.maxTokens, stream: true, stream_options: { include_usage: true } };
  if (o.api === 'completions') {
    if (p.kind === 'messages') throw new PromptsError('a prompt given as "messages" (a conversation) cannot be sent to the completions API: use --api chat, or give {"prompt": "…"}');
    return { ...common, prompt: prefix + p.text };
  }
  const messages: ChatMessage[] = p.kind === 'text' ? [{ role: 'user', content: p.text }] : p.messages.map((m) => ({ ...m }));
  if (prefix) {
    const first = messages[0];
    if (first && first.role === 'system' && typeof first.content === 'string') messages[0] = { ...first, content: prefix + first.content };
    else messages.unshift({ role: 'system', content: prefix.trimEnd() });
  }
  return { model: o.model, messages, max_tokens: o.maxTokens, stream: true, stream_options: { include_usage: true } };
}

/** Checks every prompt fits the API before the first request, so a bad line is named up front. */
export function checkPromptsForApi(prompts: readonly Prompt[], api: OpenAiApi, name: string): void {
  if (api !== 'completions') return;
  const i = prompts.findIndex((p) => p.kind === 'messages');
  if (i !== -1) throw new PromptsError(`${name}: prompt ${i + 1} is a conversation ("messages"), which the completions API cannot take: use --api chat, or give {"prompt": "…"}`);
}

// The SSE parser against the ways a network splits a stream: every cut point, one byte at a
// time, CR/LF/CRLF endings (CRLF cut between its CR and LF), multi-byte characters cut in two,
// comments, multi-line data, events without data, and the end of the stream.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SseParser, isDone, type SseEvent } from '../../src/core/sse';

const enc = new TextEncoder();

function parseChunks(chunks: Array<string | Uint8Array>): SseEvent[] {
  const p = new SseParser();
  const out: SseEvent[] = [];
  for (const c of chunks) out.push(...p.push(typeof c === 'string' ? enc.encode(c) : c));
  out.push(...p.end());
  return out;
}

const STREAM = [
  ': ping\n\n',
  'data: {"choices":[{"delta":{"role":"assistant","content":""}}]}\n\n',
  'data: {"choices":[{"delta":{"content":"Hé"}}]}\n\n',
  'event: update\nid: 7\ndata: line one\ndata: line two\n\n',
  'data:no-space\n\n',
  'data: [DONE]\n\n',
].join('');

const EXPECTED: SseEvent[] = [
  { event: 'message', data: '{"choices":[{"delta":{"role":"assistant","content":""}}]}' },
  { event: 'message', data: '{"choices":[{"delta":{"content":"Hé"}}]}' },
  { event: 'update', data: 'line one\nline two', id: '7' },
  { event: 'message', data: 'no-space', id: '7' },
  { event: 'message', data: '[DONE]', id: '7' },
];

test('one chunk: comments skipped, fields read, data lines joined, the id kept', () => {
  assert.deepEqual(parseChunks([STREAM]), EXPECTED);
});

test('every way of cutting the stream in two, and in three, gives the same events', () => {
  const bytes = enc.encode(STREAM);
  for (let i = 0; i <= bytes.length; i++) {
    assert.deepEqual(parseChunks([bytes.slice(0, i), bytes.slice(i)]), EXPECTED, `cut at ${i}`);
  }
  for (let i = 0; i <= bytes.length; i += 7) {
    for (let j = i; j <= bytes.length; j += 5) assert.deepEqual(parseChunks([bytes.slice(0, i), bytes.slice(i, j), bytes.slice(j)]), EXPECTED, `cuts at ${i}, ${j}`);
  }
});

test('one byte at a time, including inside the two-byte é', () => {
  const bytes = enc.encode(STREAM);
  assert.deepEqual(parseChunks(Array.from(bytes, (b) => Uint8Array.of(b))), EXPECTED);
});

test('CRLF and lone CR line endings, CRLF cut between CR and LF (not read as two endings)', () => {
  for (const eol of ['\r\n', '\r']) {
    const text = STREAM.replace(/\n/g, eol);
    const bytes = enc.encode(text);
    assert.deepEqual(parseChunks([text]), EXPECTED, JSON.stringify(eol));
    for (let i = 0; i <= bytes.length; i++) assert.deepEqual(parseChunks([bytes.slice(0, i), bytes.slice(i)]), EXPECTED, `${JSON.stringify(eol)} cut at ${i}`);
  }
  // "data: a\r" + "\n\r\n": the LF completes the first ending, the CRLF is the blank line.
  assert.deepEqual(parseChunks(['data: a\r', '\n\r\n', 'data: b\r\n\r\n']), [
    { event: 'message', data: 'a' },
    { event: 'message', data: 'b' },
  ]);
});

test('events without data are not dispatched; the event type resets after each event; a BOM is dropped', () => {
  assert.deepEqual(parseChunks(['\uFEFFevent: ping\n\n', 'id: 1\n\n', 'data\n\n', 'data: x\n\n']), [
    { event: 'message', data: '', id: '1' },
    { event: 'message', data: 'x', id: '1' },
  ]);
  assert.deepEqual(parseChunks(['retry: 100\nunknown: y\ndata:  two spaces\n\n']), [{ event: 'message', data: ' two spaces' }]);
});

test('the end of the stream: an event without its blank line still counts; a half line without data does not', () => {
  assert.deepEqual(parseChunks(['data: {"a":1}\n\ndata: [DONE]']), [
    { event: 'message', data: '{"a":1}' },
    { event: 'message', data: '[DONE]' },
  ]);
  assert.deepEqual(parseChunks(['data: x\n\n: comment without end']), [{ event: 'message', data: 'x' }]);
  assert.deepEqual(parseChunks([]), []);
});

test('events come out as soon as their blank line arrives, not at the end', () => {
  const p = new SseParser();
  assert.deepEqual(p.push(enc.encode('data: one\n')), []);
  assert.deepEqual(p.push(enc.encode('\ndata: tw')), [{ event: 'message', data: 'one' }]);
  assert.deepEqual(p.push(enc.encode('o\n\n')), [{ event: 'message', data: 'two' }]);
  assert.equal(p.bytes, 22);
  assert.deepEqual(p.end(), []);
});

test('isDone: the [DONE] sentinel, spaces around it allowed', () => {
  assert.equal(isDone({ event: 'message', data: '[DONE]' }), true);
  assert.equal(isDone({ event: 'message', data: ' [DONE] ' }), true);
  assert.equal(isDone({ event: 'message', data: '{"done":true}' }), false);
});

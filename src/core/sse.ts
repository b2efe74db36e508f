// An incremental parser of Server-Sent Events (the WHATWG "event stream" format), as an LLM
// server streams tokens: bytes go in as the socket delivers them, complete events come out. The
// network splits the stream anywhere (inside a UTF-8 character, a field name, between the CR
// and the LF of one line ending), so nothing here assumes a chunk holds whole lines. Pure.
//
// Followed from the spec: lines end in CRLF, LF or CR; a line starting with ":" is a comment;
// "field: value" loses one space after the colon; several data lines join with "\n"; a blank
// line dispatches the event, and an event with no data line is not dispatched; a BOM at the very
// start is dropped. One leniency: at the end of the stream, an event whose blank line never came
// is still dispatched (the spec drops it), so a server that ends on `data: [DONE]` without the
// blank line is not taken for one that dropped the connection.

export interface SseEvent {
  /** The `event:` field; "message" when none was given. */
  event: string;
  /** The data lines joined by "\n". */
  data: string;
  /** The last `id:` field seen, when any. */
  id?: string;
}

/** The data of OpenAI-compatible servers' last event. */
export const DONE_DATA = '[DONE]';

export function isDone(e: SseEvent): boolean {
  return e.data.trim() === DONE_DATA;
}

export class SseParser {
  private readonly decoder = new TextDecoder('utf-8');
  /** Text of the current line not yet ended. */
  private line = '';
  /** The last chunk ended in CR: an LF at the start of the next one belongs to that line ending. */
  private afterCr = false;
  private started = false;
  private data: string[] = [];
  private eventType = '';
  private lastId: string | undefined;
  /** Bytes received, for the caller's messages. */
  bytes = 0;

  /** Feeds one chunk as received; returns the events it completed, in order. */
  push(chunk: Uint8Array | string): SseEvent[] {
    let text: string;
    if (typeof chunk === 'string') text = chunk;
    else {
      this.bytes += chunk.byteLength;
      text = this.decoder.decode(chunk, { stream: true });
    }
    if (!this.started && text.length > 0) {
      this.started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    const out: SseEvent[] = [];
    let i = 0;
    if (this.afterCr && text.length > 0) {
      if (text[0] === '\n') i = 1;
      this.afterCr = false;
    }
    let start = i;
    for (; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c !== 10 && c !== 13) continue;
      this.line += text.slice(start, i);
      this.endLine(out);
      if (c === 13) {
        if (i + 1 < text.length) {
          if (text.charCodeAt(i + 1) === 10) i++;
        } else this.afterCr = true;
      }
      start = i + 1;
    }
    this.line += text.slice(start);
    return out;
  }

  /** The stream ended: the event still being built, if it has data (see the file notes). */
  end(): SseEvent[] {
    const out: SseEvent[] = [];
    const rest = this.decoder.decode();
    if (rest) out.push(...this.push(rest));
    if (this.line !== '') this.endLine(out);
    this.dispatch(out);
    return out;
  }

  private endLine(out: SseEvent[]): void {
    const line = this.line;
    this.line = '';
    if (line === '') {
      this.dispatch(out);
      return;
    }
    if (line[0] === ':') return;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value[0] === ' ') value = value.slice(1);
    if (field === 'data') this.data.push(value);
    else if (field === 'event') this.eventType = value;
    else if (field === 'id' && !value.includes('\0')) this.lastId = value;
    // `retry` and unknown fields are ignored, as the spec says.
  }

  private dispatch(out: SseEvent[]): void {
    if (this.data.length > 0) {
      out.push({ event: this.eventType || 'message', data: this.data.join('\n'), ...(this.lastId !== undefined ? { id: this.lastId } : {}) });
    }
    this.data = [];
    this.eventType = '';
  }
}

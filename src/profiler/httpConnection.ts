// The HTTP/1.1 transport of the endpoint benchmarks: keep-alive connections on node:net (node:tls
// for https), one request at a time on each (no pipelining: a benchmark's requests must not
// queue behind one another on a connection the server cannot see as busy), responses parsed
// with http-parser-js, and a pool of at most `max` of them with a FIFO queue of requests waiting
// for one. Why not node:http or undici, and how a request is timed on it: httpClient.ts.
//
// - A request is handed its connection and written with ONE socket.write (head and body
//   pre-rendered as one Buffer by the client), Nagle off: a request is never split into two
//   segments the server would see apart. Its handler's onWrite() runs just before that write.
// - Reuse: a connection goes back to the pool after a complete response the server keeps alive
//   (HTTP/1.1 without `connection: close`; a body framed by its length or chunks). A
//   `connection: close` answer, a body delimited by the close, an HTTP/1.0 answer without
//   keep-alive, a 101 or anything unparsable: the connection is destroyed after it, and the next
//   request gets a new one.
// - Idle: a connection is kept 4 s when the server gave no Keep-Alive hint (servers that send
//   none often close idle connections after ~5 s, and reusing one as it closes fails a request),
//   and as long as the hint's `timeout` says, less a second, up to 10 minutes, when it gives one
//   (a hint of a second or less: not reused). These are undici's rules, which this client ran on
//   before. The check is made when an idle connection is taken (an expired one is closed and the
//   next tried), and a sweep every second closes expired ones nobody took. An idle connection
//   the server closes (FIN, RST, or an answer nobody asked for such as a 408) is dropped from the
//   pool quietly: no request was on it.
// - Failures come to the request's handler as Errors whose codes httpClient.ts's failureOf sorts
//   by kind: node's own (ECONNREFUSED, ECONNRESET, EPIPE, TLS codes…), ETIMEDOUT for a connection
//   attempt that took longer than the request timeout, HTTP_CLOSED for a connection closed
//   before its response was complete (a request written to a reused connection that then closes
//   with no answer at all is one: it is not retried, the server did drop it), HTTP_PARSE for an
//   answer that is not HTTP/1.1.
// - A connection attempt is made for a waiting request, but takes whichever request is at the
//   head of the queue when it is ready (another connection may have freed first); an attempt
//   that fails fails the request at the head (so a refused port fails requests one by one, each
//   with its own error, never leaving one waiting for ever).

import * as net from 'node:net';
import * as tls from 'node:tls';
import { performance } from 'node:perf_hooks';
import { HTTPParser } from 'http-parser-js';

/** An idle connection is closed after this without a Keep-Alive hint. */
const DEFAULT_KEEP_ALIVE_MS = 4_000;
/** A Keep-Alive hint's timeout is trusted less this much… */
const KEEP_ALIVE_MARGIN_MS = 1_000;
/** …and up to this much. */
const MAX_KEEP_ALIVE_MS = 600_000;
const SWEEP_MS = 1_000;
/** At most this much of an answer that is not HTTP is quoted. */
const MAX_GARBAGE_CHARS = 60;

/** A request as a connection sees it; httpClient.ts's Exchange. */
export interface RequestHandler {
  /** Settled already (timed out or cancelled): a queued request so marked is withdrawn unsent. */
  readonly settled: boolean;
  /** Head and body, as they go on the wire. */
  readonly bytes: Buffer;
  /** A HEAD request: its answer has no body, whatever its headers say. */
  readonly head: boolean;
  /** It asked for `connection: close`: the connection is not reused after its answer. */
  readonly close: boolean;
  /** The connection it was written to, set just before onWrite(); cleared by nothing. */
  connection: Connection | undefined;
  /** Just before its bytes are written. */
  onWrite(): void;
  /** The final (non-1xx) response's head; `headers` flat: name, value, name, value…; `noBody`: HEAD, 204 or 304. */
  onHead(status: number, statusText: string, headers: string[], noBody: boolean): void;
  onBody(chunk: Buffer): void;
  /**
   * Its response is complete. `at`: performance.now() when the bytes that completed it were read,
   * taken before they were parsed, so the parse (the client's work) is not in the sample.
   */
  onComplete(at: number): void;
  onError(err: Error): void;
}

export interface Origin {
  /** What to connect to: a name or an address (an IPv6 one without brackets). */
  host: string;
  port: number;
  tls: boolean;
}

/** An Error with a code, as failureOf reads them. */
export function codedError(code: string, message: string): NodeJS.ErrnoException {
  return Object.assign(new Error(message), { code });
}

/** The origin a URL's requests go to. */
export function originOf(url: URL): Origin {
  const https = url.protocol === 'https:';
  const host = url.hostname.startsWith('[') && url.hostname.endsWith(']') ? url.hostname.slice(1, -1) : url.hostname;
  return { host, port: url.port ? Number(url.port) : https ? 443 : 80, tls: https };
}

export class Connection {
  private readonly socket: net.Socket;
  private readonly parser: InstanceType<typeof HTTPParser>;
  /** The request on it, from its write to its outcome. */
  private current: RequestHandler | undefined = undefined;
  /** A response completed during the parse now running (see onData). */
  private completed: RequestHandler | undefined = undefined;
  /** The message being parsed is a 1xx: its end is not the response's. */
  private informational = false;
  /** Response bytes received for the current request, and the first chunk of them (for an answer that is not HTTP). */
  private received = 0;
  private firstChunk: Buffer | undefined = undefined;
  private reusable = true;
  private connected = false;
  private gone = false;
  idleSince = 0;
  keepAliveMs = DEFAULT_KEEP_ALIVE_MS;

  constructor(
    private readonly pool: ConnectionPool,
    origin: Origin,
    private readonly connectTimeoutMs: number,
  ) {
    const socket = origin.tls
      ? tls.connect({ host: origin.host, port: origin.port, servername: net.isIP(origin.host) ? undefined : origin.host, ALPNProtocols: ['http/1.1'] })
      : net.connect({ host: origin.host, port: origin.port });
    this.socket = socket;
    socket.setNoDelay(true);
    socket.setTimeout(connectTimeoutMs);
    socket.once('timeout', this.onConnectTimeout);
    socket.once(origin.tls ? 'secureConnect' : 'connect', this.onConnect);
    socket.on('data', this.onData);
    socket.on('end', this.onEnd);
    socket.on('error', this.onSocketError);
    socket.on('close', this.onClose);
    const parser = new HTTPParser(HTTPParser.RESPONSE);
    parser[HTTPParser.kOnHeadersComplete] = this.onHeadersComplete;
    parser[HTTPParser.kOnBody] = this.onBody;
    parser[HTTPParser.kOnMessageComplete] = this.onMessageComplete;
    this.parser = parser;
  }

  /** Writes the request; the connection is idle and connected. */
  send(h: RequestHandler): void {
    this.current = h;
    this.received = 0;
    this.firstChunk = undefined;
    h.connection = this;
    h.onWrite();
    this.socket.write(h.bytes);
  }

  /** Ends `h`'s exchange on this connection (cancel, timeout): the connection is destroyed, its answer unread. */
  abort(h: RequestHandler): void {
    if (this.current !== h) return;
    this.current = undefined;
    this.destroy();
  }

  destroy(): void {
    if (this.gone) return;
    this.gone = true;
    this.socket.destroy();
    this.pool.removed(this, this.connected);
  }

  private readonly onConnectTimeout = (): void => {
    if (this.connected) return;
    this.fail(codedError('ETIMEDOUT', `connecting took longer than the request timeout (${Number((this.connectTimeoutMs / 1000).toPrecision(6))} s)`));
  };

  private readonly onConnect = (): void => {
    this.connected = true;
    this.socket.setTimeout(0);
    this.pool.connected(this);
  };

  private readonly onData = (chunk: Buffer): void => {
    const at = performance.now();
    if (this.current !== undefined) {
      if (this.received === 0) this.firstChunk = chunk;
      this.received += chunk.length;
    }
    const r = this.parser.execute(chunk);
    const done = this.completed;
    this.completed = undefined;
    if (done !== undefined) done.onComplete(at);
    if (r instanceof Error) return this.fail(this.parseError(r));
    if (this.gone) return;
    if (done !== undefined) {
      if (this.reusable) this.pool.release(this);
      else this.destroy();
    }
  };

  private readonly onHeadersComplete = (info: { statusCode: number; statusMessage: string; headers: string[]; shouldKeepAlive: boolean; versionMajor: number; versionMinor: number }): number => {
    const h = this.current;
    // An answer nobody asked for (a 408 on an idle connection, bytes after a complete response).
    if (h === undefined) {
      this.reusable = false;
      this.destroy();
      return 1;
    }
    const status = info.statusCode;
    if (status < 200) {
      if (status === 101) {
        this.fail(codedError('HTTP_PARSE', 'the server switched protocols (101) unasked'));
        return 1;
      }
      // 100 Continue, 103 Early Hints…: the real answer follows on the same request.
      this.informational = true;
      return 1;
    }
    let hint: string | undefined;
    let connection: string | undefined;
    const headers = info.headers;
    for (let i = 0; i + 1 < headers.length; i += 2) {
      const name = headers[i]!;
      if (name.length === 10) {
        const lower = name.toLowerCase();
        if (lower === 'keep-alive') hint = headers[i + 1];
        else if (lower === 'connection') connection = connection === undefined ? headers[i + 1]!.toLowerCase() : `${connection},${headers[i + 1]!.toLowerCase()}`;
      }
    }
    // No body, whatever the headers say: HEAD, 204, 304 (RFC 9112 §6.3). The parser cannot know
    // a HEAD's, reads a 304's content-length as a body's, and calls an answer with neither a
    // length nor chunks close-delimited: its keep-alive is judged here from the version and the
    // connection header alone.
    const noBody = h.head || status === 204 || status === 304;
    const keepAlive = noBody ? (info.versionMajor === 1 && info.versionMinor >= 1 ? !connection?.includes('close') : !!connection?.includes('keep-alive')) : info.shouldKeepAlive;
    this.reusable = keepAlive && !h.close;
    this.keepAliveMs = DEFAULT_KEEP_ALIVE_MS;
    if (keepAlive && hint !== undefined) {
      const m = /timeout\s*=\s*(\d+)/i.exec(hint);
      if (m) {
        const ms = Math.min(Number(m[1]) * 1000 - KEEP_ALIVE_MARGIN_MS, MAX_KEEP_ALIVE_MS);
        if (ms > 0) this.keepAliveMs = ms;
        else this.reusable = false;
      }
    }
    h.onHead(status, info.statusMessage, headers, noBody);
    // Returning 1 tells the parser there is no body, as node's own client does for HEAD.
    return noBody ? 1 : 0;
  };

  private readonly onBody = (chunk: Buffer): void => {
    if (this.informational) return;
    this.current?.onBody(chunk);
  };

  private readonly onMessageComplete = (): void => {
    if (this.informational) {
      this.informational = false;
      return;
    }
    // Settled after execute() returns, so the next request is never written from inside a parse.
    this.completed = this.current;
    this.current = undefined;
  };

  /** FIN from the server: completes a close-delimited body; anything else on board was cut short. */
  private readonly onEnd = (): void => {
    if (this.current !== undefined && !this.informational) {
      const at = performance.now();
      this.parser.finish();
      const done = this.completed;
      this.completed = undefined;
      if (done !== undefined) done.onComplete(at);
    }
    this.fail(undefined);
  };

  private readonly onSocketError = (err: Error): void => {
    this.fail(err);
  };

  private readonly onClose = (): void => {
    this.fail(undefined);
  };

  /**
   * The connection is done for: the request on it, if any, fails with `err` (or, when the
   * connection merely closed, with HTTP_CLOSED); a failed attempt to connect fails the request
   * waiting at the head of the queue.
   */
  private fail(err: Error | undefined): void {
    const h = this.current;
    this.current = undefined;
    // 'error' then 'close', or 'end' then 'close': only the first one counts.
    const first = !this.gone;
    this.gone = true;
    if (first) this.socket.destroy();
    if (h !== undefined) h.onError(err ?? this.closedError());
    else if (first && !this.connected && !this.pool.isClosed) this.pool.connectFailed(err ?? codedError('HTTP_CLOSED', 'the connection closed while it was being set up'));
    // Last: the pool may open a connection for whoever still waits, which is no longer the request failed just now.
    if (first) this.pool.removed(this, this.connected);
  }

  private closedError(): Error {
    if (this.received === 0) return codedError('HTTP_CLOSED', 'the server closed the connection without answering');
    if (!this.looksLikeHttp()) return this.parseError(undefined);
    return codedError('HTTP_CLOSED', `the server closed the connection after ${this.received} bytes of its answer`);
  }

  /** Whether the answer's first bytes could begin a status line. */
  private looksLikeHttp(): boolean {
    const first = this.firstChunk;
    if (first === undefined) return true;
    const text = first.toString('latin1', 0, Math.min(first.length, 5)).replace(/^[\r\n]+/, '');
    return 'HTTP/'.startsWith(text.slice(0, 5)) || text.length === 0;
  }

  private parseError(err: Error | undefined): Error {
    const code = (err as NodeJS.ErrnoException | undefined)?.code;
    const why = err ? ` (${code ? `${code}: ` : ''}${err.message})` : '';
    const text = (this.firstChunk ?? Buffer.alloc(0)).toString('latin1', 0, Math.min(this.firstChunk?.length ?? 0, 4 * MAX_GARBAGE_CHARS)).replace(/\s+/g, ' ').trim();
    const quoted = text.length > MAX_GARBAGE_CHARS ? `${JSON.stringify(text.slice(0, MAX_GARBAGE_CHARS))}…` : JSON.stringify(text);
    return codedError('HTTP_PARSE', `the answer is not HTTP/1.1${why}: ${quoted}`);
  }
}

/** At most `max` connections to one origin; requests wait FIFO for a free one. */
export class ConnectionPool {
  /** Idle connections, most recently used last (taken first: the warmest). */
  private idle: Connection[] = [];
  /** Requests waiting for a connection, from `head` on. */
  private queue: RequestHandler[] = [];
  private head = 0;
  /** Connections open or being opened, and of those the ones being opened. */
  private count = 0;
  private connecting = 0;
  private readonly all = new Set<Connection>();
  private sweeper: NodeJS.Timeout | undefined;
  private closed = false;
  private filling = false;

  constructor(
    private readonly origin: Origin,
    private readonly max: number,
    private readonly connectTimeoutMs: number,
  ) {}

  get isClosed(): boolean {
    return this.closed;
  }

  /** Sends `h` on a free connection now, or queues it for the next one. */
  request(h: RequestHandler): void {
    if (this.closed) return;
    if (this.head === this.queue.length) {
      const c = this.takeIdle();
      if (c !== undefined) return c.send(h);
    }
    this.queue.push(h);
    this.fill();
  }

  /** A connection is ready: it takes the head of the queue, or goes idle. */
  connected(c: Connection): void {
    this.connecting--;
    this.release(c);
  }

  /** A connection is free again. */
  release(c: Connection): void {
    if (this.closed) return c.destroy();
    const h = this.nextWaiting();
    if (h !== undefined) return c.send(h);
    c.idleSince = performance.now();
    this.idle.push(c);
    if (this.sweeper === undefined) {
      this.sweeper = setInterval(this.sweep, SWEEP_MS);
      this.sweeper.unref();
    }
  }

  /** A connection is gone (closed by either side); whoever was on it has been told. */
  removed(c: Connection, wasConnected: boolean): void {
    if (!this.all.delete(c)) return;
    this.count--;
    if (!wasConnected) this.connecting--;
    const i = this.idle.lastIndexOf(c);
    if (i >= 0) this.idle.splice(i, 1);
    if (!this.closed && !this.filling) this.fill();
  }

  /** An attempt to connect failed: the request at the head of the queue gets its error. */
  connectFailed(err: Error): void {
    const h = this.nextWaiting();
    if (h !== undefined) h.onError(err);
  }

  /** Drops every queued request (settled already by the caller), keeping the connections. */
  clearQueue(): void {
    this.queue = [];
    this.head = 0;
  }

  /** Destroys every connection, busy or idle; requests still queued are dropped unsent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.clearQueue();
    if (this.sweeper !== undefined) clearInterval(this.sweeper);
    this.sweeper = undefined;
    for (const c of [...this.all]) c.destroy();
    this.idle = [];
  }

  /** Opens connections for waiting requests, up to `max` in all. */
  private fill(): void {
    // Not re-entered from an expired idle connection closed below.
    this.filling = true;
    try {
      this.fillNow();
    } finally {
      this.filling = false;
    }
  }

  private fillNow(): void {
    while (this.connecting < this.queue.length - this.head && this.count < this.max) {
      const idle = this.takeIdle();
      if (idle !== undefined) {
        const h = this.nextWaiting();
        if (h === undefined) {
          this.release(idle);
          return;
        }
        idle.send(h);
        continue;
      }
      this.count++;
      this.connecting++;
      this.all.add(new Connection(this, this.origin, this.connectTimeoutMs));
    }
  }

  /** The longest-waiting request not settled meanwhile (those are withdrawn, never written). */
  private nextWaiting(): RequestHandler | undefined {
    const q = this.queue;
    while (this.head < q.length) {
      const h = q[this.head++]!;
      if (!h.settled) {
        if (this.head > 1024 && this.head * 2 > q.length) {
          this.queue = q.slice(this.head);
          this.head = 0;
        }
        return h;
      }
    }
    this.queue = [];
    this.head = 0;
    return undefined;
  }

  /** The warmest idle connection still within its keep-alive time; expired ones are closed. */
  private takeIdle(): Connection | undefined {
    const now = performance.now();
    for (let c = this.idle.pop(); c !== undefined; c = this.idle.pop()) {
      if (now - c.idleSince < c.keepAliveMs) return c;
      c.destroy();
    }
    return undefined;
  }

  private readonly sweep = (): void => {
    const now = performance.now();
    const expired = this.idle.filter((c) => now - c.idleSince >= c.keepAliveMs);
    for (const c of expired) c.destroy();
    if (this.idle.length === 0 && this.sweeper !== undefined) {
      clearInterval(this.sweeper);
      this.sweeper = undefined;
    }
  };
}

// Sending a case as bytes: placeholders resolved, the path and headers made sendable, one fresh connection each.
import http from 'node:http';
import net from 'node:net';
import { wellFormed } from './fuzz-values.js';
import type { BodySpec, QuerySpec, WireCase } from './http-cases.js';

/** What came back (status null: no response at all, with `error` saying why). */
export interface WireResult {
  status: number | null;
  headers: http.IncomingHttpHeaders;
  body: string;
  error?: string;
  /**
   * Node's parser refused the answer (e.g. a body after a HEAD): `error` says how, and `status` is the status
   * line read from the same request sent again over a bare socket.
   */
  malformed?: boolean;
  ms: number;
}

/** A case ready to send. */
export interface CompiledRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[]>;
  body: Buffer | undefined;
}

/** Percent-encodes what may not appear raw in a request line (Node refuses it): controls, spaces, non-ASCII. */
function wireSafe(s: string): string {
  return s.replace(/[^\x21-\x7e]/gu, (c) => encodeURIComponent(wellFormed(c)));
}

/** UTF-8 bytes as Node sends a latin1 string: CR, LF, NUL and other controls cannot be sent in a header. */
export function headerSafe(s: string): string {
  return Buffer.from(s, 'utf8')
    .toString('latin1')
    .replace(/[^\t\x20-\x7e\x80-\xff]/g, '');
}

function encodeQuery(q: QuerySpec, resolve: (s: string) => string): string {
  const pairs = q.pairs.map(([k, v]) => {
    const key = resolve(k);
    const value = resolve(v);
    return q.raw
      ? `${wireSafe(key)}=${wireSafe(value)}`
      : `${encodeURIComponent(wellFormed(key))}=${encodeURIComponent(wellFormed(value))}`;
  });
  const text = pairs.join('&') + wireSafe(q.suffix);
  return text ? `?${text}` : '';
}

export function bodyBytes(body: BodySpec | undefined, resolve: (s: string) => string): Buffer | undefined {
  if (!body) return undefined;
  if ('text' in body) return Buffer.from(resolve(body.text), 'utf8');
  if ('bytes' in body) return Buffer.from(body.bytes);
  return Buffer.alloc(body.size, 'a');
}

/** Resolves a case's placeholders and encodes it for the wire. */
export function compile(c: WireCase, resolve: (s: string) => string): CompiledRequest {
  const path = wireSafe(resolve(c.path)) + (c.query ? encodeQuery(c.query, resolve) : '');
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of c.headers) {
    const v = headerSafe(resolve(value));
    const prev = headers[name];
    headers[name] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return {
    method: c.method,
    path: path.startsWith('/') ? path : `/${path}`,
    headers,
    body: bodyBytes(c.body, resolve),
  };
}

/** One request on its own connection (no keep-alive race with the server's idle timeout). */
export function send(port: number, req: CompiledRequest, timeoutMs = 20_000): Promise<WireResult> {
  const started = performance.now();
  return new Promise((resolve) => {
    let done = false;
    const finish = (r: Omit<WireResult, 'ms'>) => {
      if (done) return;
      done = true;
      resolve({ ...r, ms: Math.round(performance.now() - started) });
    };
    let outgoing: http.ClientRequest;
    try {
      // Node frames a GET/HEAD/OPTIONS/DELETE body without a length unless told.
      const headers =
        req.body === undefined ? req.headers : { ...req.headers, 'content-length': String(req.body.length) };
      outgoing = http.request(
        { host: '127.0.0.1', port, method: req.method, path: req.path, headers, agent: false },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            if (size < 8 * 1024 * 1024) chunks.push(c);
            size += c.length;
          });
          res.on('end', () =>
            finish({
              status: res.statusCode ?? null,
              headers: res.headers,
              body: Buffer.concat(chunks).toString('utf8'),
            }),
          );
          res.on('error', (e) =>
            finish({
              status: res.statusCode ?? null,
              headers: res.headers,
              body: Buffer.concat(chunks).toString('utf8'),
              error: String(e),
            }),
          );
        },
      );
    } catch (e) {
      throw new Error(`fuzz harness bug: Node refused to send ${req.method} ${req.path.slice(0, 200)}: ${String(e)}`);
    }
    outgoing.setTimeout(timeoutMs, () => outgoing.destroy(new Error(`no response within ${timeoutMs} ms`)));
    outgoing.on('error', (e: NodeJS.ErrnoException) => {
      const error = e.code ?? e.message;
      if (!error.startsWith('HPE_')) return finish({ status: null, headers: {}, body: '', error });
      void statusLine(port, req).then((status) => finish({ status, headers: {}, body: '', error, malformed: true }));
    });
    outgoing.end(req.body);
  });
}

/** The status of the first answer to `req` sent over a bare socket (null if none came). */
function statusLine(port: number, req: CompiledRequest): Promise<number | null> {
  return new Promise((resolve) => {
    const head = [`${req.method} ${req.path} HTTP/1.1`, `host: 127.0.0.1:${port}`, 'connection: close'];
    for (const [k, v] of Object.entries(req.headers))
      for (const one of Array.isArray(v) ? v : [v]) head.push(`${k}: ${one}`);
    if (req.body) head.push(`content-length: ${req.body.length}`);
    const socket = net.connect(port, '127.0.0.1', () =>
      socket.end(Buffer.concat([Buffer.from(`${head.join('\r\n')}\r\n\r\n`, 'latin1'), req.body ?? Buffer.alloc(0)])),
    );
    let got = '';
    socket.setTimeout(20_000, () => socket.destroy());
    socket.on('data', (d: Buffer) => (got += d.toString('latin1')));
    socket.on('error', () => {});
    socket.on('close', () => resolve(Number(/^HTTP\/1\.[01] (\d{3})/.exec(got)?.[1]) || null));
  });
}

/** A short, printable account of a request (a counterexample must be readable). */
export function describeRequest(req: CompiledRequest): string {
  const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n)}… (${s.length} chars)` : s);
  // Header values as the text whose UTF-8 bytes were sent, non-ASCII escaped so nothing on screen hides.
  const shown = (v: string) =>
    JSON.stringify(Buffer.from(v, 'latin1').toString('utf8')).replace(
      /[^\x20-\x7e]/g,
      (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
    );
  const headers = Object.entries(req.headers)
    .map(([k, v]) => `${k}: ${clip(Array.isArray(v) ? `[${v.map(shown).join(', ')}]` : shown(v), 160)}`)
    .join('\n    ');
  const body =
    req.body === undefined
      ? ''
      : `\n  body (${req.body.length} bytes): ${clip(JSON.stringify(req.body.toString('utf8')), 600)}`;
  return `${req.method} ${clip(req.path, 400)}${headers ? `\n    ${headers}` : ''}${body}`;
}

// A TCP proxy that stands between a client and a server and misbehaves on request: it adds
// latency, refuses new connections (nothing listens: ECONNREFUSED, as when a server is stopped)
// and drops every open connection (as a restarting server does). The real MariaDB, Redis and
// services are never touched; only what their clients see through the proxy changes.
import net from 'node:net';

/** host and port of the real server. */
export interface ProxyTarget {
  host: string;
  port: number;
}

/** A running proxy and its fault switches. */
export interface FaultProxy {
  /** The port the proxy listens on (127.0.0.1), the same across refuse()/accept(). */
  readonly port: number;
  /** `127.0.0.1:<port>`, to use in place of the target's address. */
  readonly address: string;
  /** Delays every chunk from client to server by `ms` (order is kept; 0 removes the delay). */
  setLatency(ms: number): void;
  /** Stops listening: new connections are refused until accept(). Open ones stay. */
  refuse(): Promise<void>;
  /** Listens again on the same port. */
  accept(): Promise<void>;
  /** Closes every open connection on both sides; returns how many there were. */
  dropConnections(): number;
  /** Connections open now, and accepted since start. */
  stats(): { open: number; accepted: number };
  close(): Promise<void>;
}

const DEFAULT_PORTS: Record<string, number> = { 'mysql:': 3306, 'redis:': 6379, 'http:': 80 };

/** The target of `host:port` or of a URL such as `mysql://root@127.0.0.1:3306/db`. */
export function targetOf(address: string): ProxyTarget {
  if (/^\w+:\/\//.test(address)) {
    const url = new URL(address);
    return { host: url.hostname.replace(/^\[(.*)\]$/, '$1'), port: Number(url.port || DEFAULT_PORTS[url.protocol]) };
  }
  const match = /^(.*):(\d+)$/.exec(address);
  if (!match) throw new Error(`not a host:port address: ${address}`);
  return { host: match[1]!.replace(/^\[(.*)\]$/, '$1'), port: Number(match[2]) };
}

/** `url` with its host and port replaced by the proxy's (credentials, path and query kept). */
export function viaProxy(url: string, proxy: FaultProxy): string {
  const parsed = new URL(url);
  parsed.hostname = '127.0.0.1';
  parsed.port = String(proxy.port);
  return parsed.toString();
}

/** Starts a proxy on 127.0.0.1 (port 0 unless given) forwarding to `target`. */
export async function createFaultProxy(
  target: ProxyTarget | string,
  options: { port?: number } = {},
): Promise<FaultProxy> {
  const to = typeof target === 'string' ? targetOf(target) : target;
  const pairs = new Set<{ client: net.Socket; server: net.Socket }>();
  let latencyMs = 0;
  let accepted = 0;

  const server = net.createServer((client) => {
    accepted++;
    const upstream = net.connect(to.port, to.host);
    const pair = { client, server: upstream };
    pairs.add(pair);
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    // Client → server goes through a queue so a changing latency never reorders bytes.
    const queue: { due: number; data: Buffer }[] = [];
    let timer: NodeJS.Timeout | undefined;
    const pump = () => {
      timer = undefined;
      const now = Date.now();
      while (queue.length > 0 && queue[0]!.due <= now) upstream.write(queue.shift()!.data);
      if (queue.length > 0) timer = setTimeout(pump, queue[0]!.due - now);
    };
    client.on('data', (data) => {
      const last = queue.at(-1)?.due ?? 0;
      queue.push({ due: Math.max(Date.now() + latencyMs, last), data });
      if (!timer) pump();
    });
    upstream.on('data', (data) => client.write(data));
    const end = () => {
      pairs.delete(pair);
      clearTimeout(timer);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end);
    upstream.on('close', end);
    client.on('error', end);
    upstream.on('error', end);
  });

  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve((server.address() as net.AddressInfo).port);
      });
    });
  const port = await listen(options.port ?? 0);
  const dropConnections = () => {
    const n = pairs.size;
    for (const pair of [...pairs]) {
      pair.client.destroy();
      pair.server.destroy();
    }
    pairs.clear();
    return n;
  };

  return {
    port,
    address: `127.0.0.1:${port}`,
    setLatency(ms) {
      latencyMs = Math.max(0, ms);
    },
    refuse() {
      if (!server.listening) return Promise.resolve();
      // close() stops listening at once; its callback waits for open connections, which we keep.
      server.close();
      return Promise.resolve();
    },
    async accept() {
      if (server.listening) return;
      for (let attempt = 0; ; attempt++) {
        try {
          await listen(port);
          return;
        } catch (err) {
          // The port can be briefly taken on a busy machine; it is ours again within a moment.
          if (attempt >= 50) throw err;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    },
    dropConnections,
    stats: () => ({ open: pairs.size, accepted }),
    async close() {
      dropConnections();
      if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

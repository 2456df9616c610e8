import type { Server } from 'node:http';
import { Counter } from 'prom-client';
import type { Metrics } from '@pastemesh/kit/observability';

/**
 * Closes a client's connections beyond `max` open at once from its address, before any byte is read: with
 * the request and header timeouts this bounds what slow clients can hold (ten sockets trickling 2 bytes/s
 * used to stay open for minutes). Off (0) behind a proxy, where every connection comes from the proxy.
 */
export function limitConnectionsPerIp(server: Server, max: number, metrics: Metrics): void {
  if (max <= 0) return;
  const refused = new Counter({
    name: 'gateway_connections_refused_total',
    help: 'Connections closed at once because their client address already held MAX_CONNECTIONS_PER_IP',
    registers: [metrics.registry],
  });
  const open = new Map<string, number>();
  server.on('connection', (socket) => {
    const ip = socket.remoteAddress ?? '';
    const count = (open.get(ip) ?? 0) + 1;
    if (count > max) {
      refused.inc();
      socket.destroy();
      return;
    }
    open.set(ip, count);
    socket.once('close', () => {
      const left = (open.get(ip) ?? 1) - 1;
      if (left <= 0) open.delete(ip);
      else open.set(ip, left);
    });
  });
}

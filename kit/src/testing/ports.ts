import net from 'node:net';

/** A range of ports [from, from + size). */
export interface PortBand {
  from: number;
  size: number;
}

/**
 * `count` distinct ports free right now, for processes that bind them later (a mesh started as separate
 * processes must know every peer's port up front). Chosen below Linux's ephemeral range (32768+): a port the
 * OS hands out for listen(0) can meanwhile become the local end of any outgoing connection (a MySQL pool, a
 * load generator's clients), which failed starts with EADDRINUSE. Callers that run side by side (jest
 * workers, the bench) draw from separate bands.
 */
export async function freePortsBelowEphemeral(count: number, band: PortBand): Promise<number[]> {
  if (band.from < 1024 || band.from + band.size > 32768)
    throw new Error(`port band ${band.from}+${band.size} must lie in 1024-32767`);
  const held: net.Server[] = [];
  const hold = (port: number) =>
    new Promise<net.Server | undefined>((resolve) => {
      const server = net.createServer();
      server.once('error', () => resolve(undefined));
      server.listen(port, '127.0.0.1', () => resolve(server));
    });
  try {
    for (let tries = 0; held.length < count; tries++) {
      if (tries > count * 50)
        throw new Error(`no ${count} free ports in ${band.from}-${band.from + band.size - 1} on 127.0.0.1`);
      const server = await hold(band.from + Math.floor(Math.random() * band.size));
      if (server) held.push(server);
    }
    return held.map((s) => (s.address() as net.AddressInfo).port);
  } finally {
    await Promise.all(held.map((s) => new Promise((r) => s.close(r))));
  }
}

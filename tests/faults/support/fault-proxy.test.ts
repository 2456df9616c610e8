import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import net from 'node:net';
import { once } from 'node:events';
import { createFaultProxy, targetOf, type FaultProxy } from './fault-proxy.js';

/** Connects, sends `text`, and resolves with the first reply (the echo server answers at once). */
async function roundTrip(port: number, text: string): Promise<{ reply: string; ms: number }> {
  const started = Date.now();
  const socket = net.connect(port, '127.0.0.1');
  try {
    await once(socket, 'connect');
    socket.write(text);
    const [data] = (await once(socket, 'data')) as [Buffer];
    return { reply: data.toString(), ms: Date.now() - started };
  } finally {
    socket.destroy();
  }
}

describe('fault proxy', () => {
  let echo: net.Server;
  let proxy: FaultProxy;
  beforeAll(async () => {
    echo = net.createServer((s) => s.on('data', (d) => s.write(`echo:${d.toString()}`)).on('error', () => {}));
    await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
    proxy = await createFaultProxy({ host: '127.0.0.1', port: (echo.address() as net.AddressInfo).port });
  });
  afterAll(async () => {
    await proxy.close();
    await new Promise((r) => echo.close(r));
  });

  it('forwards bytes both ways', async () => {
    expect((await roundTrip(proxy.port, 'hello')).reply).toBe('echo:hello');
  });

  it('delays traffic by the latency it is given and stops delaying when it is removed', async () => {
    proxy.setLatency(300);
    const slow = await roundTrip(proxy.port, 'slow');
    proxy.setLatency(0);
    const fast = await roundTrip(proxy.port, 'fast');
    expect(slow.reply).toBe('echo:slow');
    expect(slow.ms).toBeGreaterThanOrEqual(290);
    expect(fast.ms).toBeLessThan(200);
  });

  it('refuses new connections like a stopped server, then accepts again on the same port', async () => {
    await proxy.refuse();
    const refused = net.connect(proxy.port, '127.0.0.1');
    const [err] = (await once(refused, 'error')) as [NodeJS.ErrnoException];
    expect(err.code).toBe('ECONNREFUSED');
    await proxy.accept();
    expect((await roundTrip(proxy.port, 'back')).reply).toBe('echo:back');
  });

  it('drops every open connection on request', async () => {
    const socket = net.connect(proxy.port, '127.0.0.1');
    await once(socket, 'connect');
    await new Promise((r) => setTimeout(r, 20));
    expect(proxy.stats().open).toBeGreaterThanOrEqual(1);
    const closed = once(socket, 'close');
    expect(proxy.dropConnections()).toBeGreaterThanOrEqual(1);
    await closed;
    expect(proxy.stats().open).toBe(0);
  });

  it('reads host and port from an address or a URL', () => {
    expect(targetOf('127.0.0.1:6379')).toEqual({ host: '127.0.0.1', port: 6379 });
    expect(targetOf('mysql://root@127.0.0.1:3306/db')).toEqual({ host: '127.0.0.1', port: 3306 });
    expect(targetOf('redis://localhost')).toEqual({ host: 'localhost', port: 6379 });
  });
});

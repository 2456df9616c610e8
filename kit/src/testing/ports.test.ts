import { describe, expect, it } from '@jest/globals';
import net from 'node:net';
import { freePortsBelowEphemeral } from './ports.js';

describe('freePortsBelowEphemeral', () => {
  it('gives distinct ports inside the band, each free to bind', async () => {
    const ports = await freePortsBelowEphemeral(8, { from: 21_000, size: 500 });
    expect(new Set(ports).size).toBe(8);
    for (const p of ports) expect(p >= 21_000 && p < 21_500).toBe(true);
    await Promise.all(
      ports.map(
        (p) =>
          new Promise<void>((resolve, reject) => {
            const s = net.createServer().once('error', reject);
            s.listen(p, '127.0.0.1', () => s.close(() => resolve()));
          }),
      ),
    );
  });

  it('skips a port in use and says so when the band has too few free', async () => {
    const held = net.createServer();
    const [port] = await freePortsBelowEphemeral(1, { from: 22_000, size: 500 });
    await new Promise<void>((r) => held.listen(port, '127.0.0.1', r));
    try {
      await expect(freePortsBelowEphemeral(1, { from: port!, size: 1 })).rejects.toThrow(
        `no 1 free ports in ${port}-${port}`,
      );
      const [other] = await freePortsBelowEphemeral(1, { from: port!, size: 2 });
      expect(other).toBe(port! + 1);
    } finally {
      held.close();
    }
  });

  it('refuses a band that reaches into the ephemeral range', async () => {
    await expect(freePortsBelowEphemeral(1, { from: 32_000, size: 1_000 })).rejects.toThrow(/must lie in 1024-32767/);
  });
});

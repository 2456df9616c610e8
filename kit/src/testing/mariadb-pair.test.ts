import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { RowDataPacket } from 'mysql2/promise';
import { startMariadbPair, type MariadbPair } from './mariadb-pair.js';

describe('startMariadbPair', () => {
  let pair: MariadbPair;
  beforeAll(async () => {
    pair = await startMariadbPair({ label: 'kit' });
    process.stdout.write(`MariaDB primary + replica started in ${pair.startMs} ms\n`);
  }, 60_000);
  afterAll(() => pair?.close());

  it('runs a primary and a replica of its own, not the machine’s server on 3306', async () => {
    expect([pair.primary.port, pair.replica.port]).not.toContain(3306);
    const [p] = await pair.primary.query<RowDataPacket[]>('SELECT @@datadir AS dir, @@server_id AS id, @@log_bin AS b');
    const [r] = await pair.replica.query<RowDataPacket[]>(
      'SELECT @@datadir AS dir, @@server_id AS id, @@read_only AS ro',
    );
    expect(p).toMatchObject({ id: 1, b: 1 });
    expect(String(p!['dir'])).toContain(pair.primary.dataDir);
    expect(r).toMatchObject({ id: 2, ro: 1 });
    expect(String(r!['dir'])).toContain(pair.replica.dataDir);
  });

  it('replicates what the primary writes, and holds it back while replication is paused', async () => {
    await pair.primary.query('CREATE DATABASE kit_pair');
    await pair.primary.query('CREATE TABLE kit_pair.t (id INT PRIMARY KEY) ENGINE=InnoDB');
    await pair.primary.query('INSERT INTO kit_pair.t VALUES (1)');
    await pair.waitForReplica();
    expect(await pair.replica.query('SELECT id FROM kit_pair.t')).toEqual([{ id: 1 }]);

    await pair.pauseReplication();
    await pair.primary.query('INSERT INTO kit_pair.t VALUES (2)');
    await new Promise((r) => setTimeout(r, 300));
    expect(await pair.replica.query('SELECT id FROM kit_pair.t')).toEqual([{ id: 1 }]);
    await expect(pair.waitForReplica(200)).rejects.toThrow(/did not reach/);

    await pair.resumeReplication();
    await pair.waitForReplica();
    expect(await pair.replica.query('SELECT id FROM kit_pair.t ORDER BY id')).toEqual([{ id: 1 }, { id: 2 }]);
  });

  it('stops the replica and starts it again where it left off', async () => {
    await pair.stopReplica();
    await pair.primary.query('INSERT INTO kit_pair.t VALUES (3)');
    await pair.startReplica();
    await pair.waitForReplica();
    expect(await pair.replica.query('SELECT COUNT(*) AS n FROM kit_pair.t')).toEqual([{ n: 3 }]);
  });

  it('fails with how to install MariaDB when mariadbd is missing, and never skips', async () => {
    await expect(startMariadbPair({ mariadbd: '/nonexistent/mariadbd' })).rejects.toThrow(
      /mariadbd not found at \/nonexistent\/mariadbd; install MariaDB 10\.11 with: apt-get install mariadb-server/,
    );
  });

  it('removes its directories when closed', async () => {
    const other = await startMariadbPair({ label: 'kit-close' });
    const dirs = [other.primary.dataDir, other.replica.dataDir];
    expect(dirs.every((d) => fs.existsSync(d))).toBe(true);
    await other.close();
    expect(dirs.some((d) => fs.existsSync(d))).toBe(false);
  }, 60_000);
});

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createFileWriter, type FileWriter } from './file-writer.js';

describe("the file store's writer thread", () => {
  let dir: string;
  let writer: FileWriter;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pm-writer-'));
    writer = createFileWriter();
  });
  afterAll(() => {
    writer.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('writes a turn of objects whole, each its own bytes, making missing folders and leaving no temporary files', async () => {
    // Views into one larger buffer, as request bytes are: each object must get only its own slice.
    const request = Buffer.from('aaaa|bbbbbbbb||cc');
    const parts = [request.subarray(0, 4), request.subarray(5, 13), request.subarray(13, 13), request.subarray(15)];
    const files = parts.map((_, i) => path.join(dir, 'x', `${i}`, `object-${i}`));
    await Promise.all(parts.map((bytes, i) => writer.write(files[i]!, bytes)));
    expect(files.map((f) => fs.readFileSync(f, 'latin1'))).toEqual(['aaaa', 'bbbbbbbb', '', 'cc']);
    // The same object again (a second writer of the same bytes) replaces it, never half of it.
    await writer.write(files[0]!, Buffer.from('aaaa'));
    expect(fs.readFileSync(files[0]!, 'latin1')).toBe('aaaa');
    const left = fs.readdirSync(dir, { recursive: true }).map(String);
    expect(left.filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('fails only the write that failed, with its system error code, in a turn with others', async () => {
    fs.writeFileSync(path.join(dir, 'a-file'), 'not a folder');
    const ok = path.join(dir, 'ok', 'object');
    const results = await Promise.allSettled([
      writer.write(path.join(dir, 'a-file', 'object'), Buffer.from('x')),
      writer.write(ok, Buffer.from('fine')),
    ]);
    expect(results[0]).toMatchObject({ status: 'rejected', reason: { code: 'ENOTDIR' } });
    expect(results[1]).toEqual({ status: 'fulfilled', value: undefined });
    expect(fs.readFileSync(ok, 'utf8')).toBe('fine');
  });

  it('fails writes still waiting when closed, and starts again on the next write', async () => {
    const waiting = writer.write(path.join(dir, 'closed', 'object'), Buffer.alloc(1 << 20, 1));
    await new Promise((r) => setImmediate(r)); // sent to the thread
    writer.close();
    await expect(waiting).rejects.toThrow(/writer thread was stopped/);
    const again = path.join(dir, 'again', 'object');
    await writer.write(again, Buffer.from('later'));
    expect(fs.readFileSync(again, 'utf8')).toBe('later');
  });
});

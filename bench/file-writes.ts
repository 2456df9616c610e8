// `npx tsx bench/file-writes.ts`: what writing one object costs the file store (CONTENT_STORE=file:///PATH), its
// writer thread (paste-svc/src/content/file-writer.ts) against node:fs's async calls as the store made them before
// (mkdir, writeFile, rename). Per round and way (order rotated each round): N unique 1 KiB objects, BATCH at a
// time (a CreatePastes batch at 50 connections is ~14), into folders made beforehand (a store in use has them).
// Prints, per object, the process's CPU (every thread, kernel time included), the event loop's busy time, and
// the wall time; medians over rounds.
import fs from 'node:fs';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { contentKey, fileStorePath } from '../paste-svc/src/content/content-store.js';
import { makeObjectFolders } from './seed.js';
import { createFileWriter } from '../paste-svc/src/content/file-writer.js';
import { median } from './report.js';

const ROUNDS = Number(process.env['ROUNDS'] ?? 5);
const N = Number(process.env['N'] ?? 6_000);
const BATCH = Number(process.env['BATCH'] ?? 14);

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pm-bench-writes-'));
const fileOf = (key: string) => fileStorePath(dir, key);
makeObjectFolders(dir);

const writer = createFileWriter();
const ways: Record<string, (file: string, content: Buffer) => Promise<void>> = {
  'node:fs async calls': async (file, content) => {
    await fs.promises.mkdir(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    await fs.promises.writeFile(tmp, content);
    await fs.promises.rename(tmp, file);
  },
  'writer thread': (file, content) => writer.write(file, content),
};

const results: Record<string, { cpu: number[]; loop: number[]; wall: number[] }> = {};
for (let round = 0; round < ROUNDS; round++) {
  const names = Object.keys(ways);
  for (const name of names.map((_, i) => names[(i + round) % names.length]!)) {
    const objects = Array.from({ length: N }, () => {
      const content = randomBytes(1024);
      return { file: fileOf(contentKey(content)), content };
    });
    const cpu0 = process.cpuUsage();
    const loop0 = performance.eventLoopUtilization();
    const t0 = performance.now();
    for (let i = 0; i < N; i += BATCH)
      await Promise.all(objects.slice(i, i + BATCH).map((o) => ways[name]!(o.file, o.content)));
    const wall = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const loop = performance.eventLoopUtilization(loop0);
    const r = (results[name] ??= { cpu: [], loop: [], wall: [] });
    r.cpu.push((cpu.user + cpu.system) / N);
    r.loop.push((loop.active * 1000) / N);
    r.wall.push((wall * 1000) / N);
  }
}
writer.close();
fs.rmSync(dir, { recursive: true, force: true });

console.log(`file store writes: ${N} objects of 1 KiB, ${BATCH} at a time, ${ROUNDS} rounds (medians, µs per object)`);
console.log('way                    CPU   event loop   wall');
for (const [name, r] of Object.entries(results))
  console.log(
    `${name.padEnd(20)} ${median(r.cpu).toFixed(0).padStart(5)} ${median(r.loop).toFixed(0).padStart(12)} ${median(r.wall).toFixed(0).padStart(6)}`,
  );

import { Worker } from 'node:worker_threads';

/**
 * Writes the file store's objects on a thread of its own. A small write through node:fs's async API costs
 * four trips through libuv's thread pool (mkdir, writeFile's open/write/close, rename), each with its wake-up
 * and promise on the event loop. Here the writes of one event-loop turn (a batch of creates) go to the thread
 * as one message with their bytes in one transferred buffer, and come back as one answer. Per 1 KiB object
 * (bench/file-writes.ts): 212 -> 62 µs of CPU, of which 122 -> 8 µs on the event loop. Per create in the mesh
 * (bench/ab-paste.ts): paste-svc 463 -> 319 µs of CPU, 1,411 -> 1,700 creates/s.
 */
export interface FileWriter {
  /** Writes `content` to `file` whole: beside it first, then renamed into place; makes missing folders. */
  write(file: string, content: Uint8Array): Promise<void>;
  /** Stops the thread; writes still waiting fail, and a later write starts it again. */
  close(): void;
}

/**
 * The thread's code (CommonJS, as `eval: true` runs it). Each object is written under a name of its own and
 * renamed into place, so a reader never sees half a file and two writers of the same bytes cannot meet; the
 * folder is made only when the write finds it missing. The answer lists one error (or null) per file.
 */
const WRITER_SOURCE = `
const { parentPort, threadId } = require('node:worker_threads');
const fs = require('node:fs');
const path = require('node:path');
function put(file, bytes) {
  // Random as well: replicas on other machines may share the folder (and a pid, and a thread id).
  const tmp = file + '.' + process.pid + '.' + threadId + '.' + Math.random().toString(36).slice(2) + '.tmp';
  try {
    try {
      fs.writeFileSync(tmp, bytes);
    } catch (err) {
      if (err.code !== 'ENOENT') throw err;
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(tmp, bytes);
    }
    fs.renameSync(tmp, file);
  } catch (err) {
    try { fs.rmSync(tmp, { force: true }); } catch {}
    throw err;
  }
}
parentPort.on('message', ({ id, files, ends, bytes }) => {
  const errors = files.map((file, i) => {
    try {
      put(file, new Uint8Array(bytes, i === 0 ? 0 : ends[i - 1], ends[i] - (i === 0 ? 0 : ends[i - 1])));
      return null;
    } catch (err) {
      return { code: err.code, message: String(err.message) };
    }
  });
  parentPort.postMessage({ id, errors });
});
`;

interface Waiter {
  resolve(): void;
  reject(err: Error): void;
}

interface Batch {
  files: string[];
  contents: Uint8Array[];
  waiters: Waiter[];
}

interface Answer {
  id: number;
  errors: Array<{ code?: string; message: string } | null>;
}

export function createFileWriter(): FileWriter {
  let worker: Worker | undefined;
  let nextId = 0;
  const sent = new Map<number, Waiter[]>();
  let queued: Batch | undefined;

  const failSent = (err: Error) => {
    for (const waiters of sent.values()) for (const w of waiters) w.reject(err);
    sent.clear();
  };
  const start = (): Worker => {
    // Little lives on the thread's heap (the bytes arrive in a transferred buffer, outside it), so it is kept
    // small: a thread with these bounds added 31 MiB of RSS to a bare process, with V8's defaults 42. In
    // paste-svc under load it costs about 3 MiB (bench/ab-paste.ts; bench/README.md, "File store writes").
    const w = new Worker(WRITER_SOURCE, {
      eval: true,
      resourceLimits: { maxOldGenerationSizeMb: 8, maxYoungGenerationSizeMb: 1 },
    });
    w.on('message', ({ id, errors }: Answer) => {
      const waiters = sent.get(id);
      sent.delete(id);
      if (sent.size === 0) w.unref();
      for (const [i, waiter] of (waiters ?? []).entries()) {
        const error = errors[i];
        if (!error) waiter.resolve();
        else waiter.reject(Object.assign(new Error(error.message), error.code ? { code: error.code } : {}));
      }
    });
    const lost = (why: string) => {
      if (worker !== w) return;
      worker = undefined;
      failSent(new Error(`the file store's writer thread ${why}`));
    };
    w.on('error', (err) => lost(`failed: ${err.message}`));
    w.on('exit', (code) => lost(`exited (${code})`));
    return w;
  };
  const flush = () => {
    const batch = queued!;
    queued = undefined;
    // One buffer for the batch, transferred rather than copied: a Uint8Array posted on its own would copy
    // the whole buffer it views, which for request bytes is the whole request.
    const ends: number[] = [];
    let size = 0;
    for (const c of batch.contents) ends.push((size += c.byteLength));
    const bytes = new Uint8Array(size);
    for (const [i, c] of batch.contents.entries()) bytes.set(c, i === 0 ? 0 : ends[i - 1]);
    try {
      worker ??= start();
    } catch (err) {
      // No thread (out of memory, or of threads): these writes fail, and the next turn's try again.
      for (const waiter of batch.waiters) waiter.reject(err as Error);
      return;
    }
    const id = nextId++;
    sent.set(id, batch.waiters);
    // A writer keeps the process alive only while it owes answers (a `content:move` may wait on nothing else).
    if (sent.size === 1) worker.ref();
    worker.postMessage({ id, files: batch.files, ends, bytes: bytes.buffer }, [bytes.buffer]);
  };
  return {
    write(file, content) {
      return new Promise<void>((resolve, reject) => {
        if (!queued) {
          queued = { files: [], contents: [], waiters: [] };
          setImmediate(flush);
        }
        queued.files.push(file);
        queued.contents.push(content);
        queued.waiters.push({ resolve, reject });
      });
    },
    close() {
      const w = worker;
      worker = undefined;
      failSent(new Error("the file store's writer thread was stopped"));
      void w?.terminate();
    },
  };
}

// Whether a process's main thread waits on writes to its stdout/stderr: samples /proc/<pid>/syscall (the
// system call a sleeping thread is in, and its arguments; "running" while it runs) over a window. A logger that
// writes synchronously (pino to fd 1) into a pipe nobody drains shows up as write(1, …) in most samples.
import fs from 'node:fs';
import os from 'node:os';

/** write and writev on this architecture. */
const WRITE_CALLS = os.arch() === 'arm64' ? new Set(['64', '66']) : new Set(['1', '20']);

/** Per process: samples taken, and how many found the main thread inside a write to fd 1 or 2. */
export interface StdoutBlocking {
  samples: number;
  inStdoutWrite: number;
}

/** Samples each process every `everyMs` until stop(). */
export function sampleStdoutBlocking(
  procs: { name: string; pid: number }[],
  everyMs = 10,
): { stop(): Record<string, StdoutBlocking> } {
  const out: Record<string, StdoutBlocking> = Object.fromEntries(
    procs.map((p) => [p.name, { samples: 0, inStdoutWrite: 0 }]),
  );
  const timer = setInterval(() => {
    for (const p of procs) {
      let text: string;
      try {
        text = fs.readFileSync(`/proc/${p.pid}/syscall`, 'utf8');
      } catch {
        continue; // exited, or not ours to read
      }
      const [call, fd] = text.split(' ');
      out[p.name]!.samples++;
      if (WRITE_CALLS.has(call!) && (fd === '0x1' || fd === '0x2')) out[p.name]!.inStdoutWrite++;
    }
  }, everyMs);
  return {
    stop() {
      clearInterval(timer);
      return out;
    },
  };
}

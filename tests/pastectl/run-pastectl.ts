// Runs pastectl in-process (fast) with captured output, or as the real binary (exit codes, pipes).
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { main, type CliIo } from '../../pastectl/src/main.js';

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  env?: Record<string, string | undefined>;
  stdin?: string | Uint8Array;
  stdoutIsTTY?: boolean;
  stderrIsTTY?: boolean;
}

/** Calls main() with fake streams. */
export async function runInProcess(argv: string[], options: RunOptions = {}): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: {
      write: (c: string | Uint8Array) => (stdout += typeof c === 'string' ? c : Buffer.from(c).toString('utf8')),
      isTTY: options.stdoutIsTTY ?? false,
    },
    stderr: { write: (c: string) => (stderr += c), isTTY: options.stderrIsTTY ?? false },
    stdinIsTTY: options.stdin === undefined,
    readStdin: async () =>
      typeof options.stdin === 'string' ? Buffer.from(options.stdin) : (options.stdin ?? new Uint8Array()),
    env: options.env ?? {},
  };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}

const BIN = fileURLToPath(new URL('../../pastectl/bin/pastectl.js', import.meta.url));

/** Spawns bin/pastectl.js with only the given environment (plus PATH). */
export function runBinary(argv: string[], options: RunOptions = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...argv], {
      env: { PATH: process.env['PATH'], ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(options.stdin ?? '');
  });
}

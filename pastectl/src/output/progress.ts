import type { CliIo } from '../cli-io.js';

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/** A one-line progress indicator on stderr; does nothing unless stderr is a terminal. */
export interface Progress {
  update(message: string): void;
  /** Erases the line (call before printing results or errors). */
  done(): void;
}

/** Shown only when stderr is a TTY (never in pipes, logs or CI) and not turned off. */
export function createProgress(io: CliIo, enabled: boolean): Progress {
  if (!enabled || !io.stderr.isTTY) return { update() {}, done() {} };
  let frame = 0;
  let shown = false;
  return {
    update(message) {
      io.stderr.write(`\r\x1b[2K${FRAMES[frame++ % FRAMES.length]} ${message}`);
      shown = true;
    },
    done() {
      if (shown) io.stderr.write('\r\x1b[2K');
      shown = false;
    },
  };
}

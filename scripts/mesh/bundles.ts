// The esbuild bundles child processes start from (`npm run build`, scripts/build-service.mjs): rebuilt here
// when missing or older than a source they were built from, so a test never times an old build or tsx's
// start-up. A build takes about a second for all four; it writes each file atomically, so two test workers
// building at once, or a process starting meanwhile, never see half a bundle.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { ROOT, SERVICES, entryOf, type ServiceName } from './services.js';

const run = promisify(execFile);

/** True when the bundle exists and no source listed in its source map changed after it was written. */
export function isBundleFresh(service: ServiceName): boolean {
  const bundle = entryOf(service, 'built');
  try {
    const builtAt = fs.statSync(bundle).mtimeMs;
    const { sources } = JSON.parse(fs.readFileSync(`${bundle}.map`, 'utf8')) as { sources: string[] };
    const dir = path.dirname(bundle);
    return sources.every((source) => fs.statSync(path.resolve(dir, source)).mtimeMs <= builtAt);
  } catch {
    return false; // missing bundle, map or source: build
  }
}

/** Builds the bundles of `services` that are missing or stale. */
export async function ensureBuilt(services: readonly ServiceName[]): Promise<void> {
  const stale = [...new Set(services)].filter((s) => !isBundleFresh(s));
  if (stale.length === 0) return;
  await run(process.execPath, [path.join(ROOT, 'scripts', 'build-service.mjs'), ...stale.map((s) => SERVICES[s].dir)], {
    cwd: ROOT,
  });
}

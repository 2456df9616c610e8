// The four bundles built from one commit, apart from the working tree: a bench that restarts services for
// many minutes must not start a bundle that another engineer's test run rebuilt from half-finished sources in
// the meantime (the launcher rebuilds */dist whenever a source is newer). The commit's files go to a temporary
// folder (git archive); its node_modules links to the repository's packages, except the workspace packages,
// which link to the commit's own folders; scripts/build-service.mjs then builds there as it does here.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT, SERVICES, type ServiceName } from '../scripts/mesh/services.js';

/** Files a service reads beside its sources at run time that git does not hold (built by `npm install`). */
const UNTRACKED_RUNTIME = ['gateway/web/dist'];

export interface Snapshot {
  /** The commit, abbreviated. */
  commit: string;
  dir: string;
  /** The bundle a service starts from. */
  entry(service: ServiceName): string;
}

const entryIn = (dir: string) => (service: ServiceName) => path.join(dir, SERVICES[service].dir, 'dist', 'main.js');

/** Bundles already built in `dir` in the same layout (e.g. a copy of a snapshot with a patch, for an experiment). */
export function builtAt(dir: string): Snapshot {
  const snapshot = { commit: path.basename(dir), dir, entry: entryIn(dir) };
  for (const service of Object.keys(SERVICES) as ServiceName[])
    if (!fs.existsSync(snapshot.entry(service))) throw new Error(`no bundle at ${snapshot.entry(service)}`);
  return snapshot;
}

/** Builds `rev` (default HEAD) in `<tmp>/pmbench-build-<commit>`, or reuses an earlier build of the same commit. */
export function buildSnapshot(rev = 'HEAD'): Snapshot {
  const commit = execFileSync('git', ['rev-parse', '--short=12', rev], { cwd: ROOT }).toString().trim();
  const dir = path.join(os.tmpdir(), `pmbench-build-${commit}`);
  const entry = entryIn(dir);
  const done = path.join(dir, '.built');
  if (fs.existsSync(done)) return { commit, dir, entry };
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const tar = execFileSync('git', ['archive', '--format=tar', commit], { cwd: ROOT, maxBuffer: 256 * 1024 * 1024 });
  execFileSync('tar', ['-x', '-C', dir], { input: tar });
  const modules = path.join(dir, 'node_modules');
  fs.mkdirSync(modules);
  for (const name of fs.readdirSync(path.join(ROOT, 'node_modules'))) {
    if (name === '@pastemesh') continue;
    fs.symlinkSync(path.join(ROOT, 'node_modules', name), path.join(modules, name));
  }
  fs.mkdirSync(path.join(modules, '@pastemesh'));
  for (const name of fs.readdirSync(path.join(ROOT, 'node_modules', '@pastemesh'))) {
    if (fs.existsSync(path.join(dir, name)))
      fs.symlinkSync(path.join(dir, name), path.join(modules, '@pastemesh', name));
  }
  for (const rel of UNTRACKED_RUNTIME) fs.cpSync(path.join(ROOT, rel), path.join(dir, rel), { recursive: true });
  execFileSync(process.execPath, [path.join(dir, 'scripts', 'build-service.mjs')], { cwd: dir, stdio: 'ignore' });
  fs.writeFileSync(done, '');
  return { commit, dir, entry };
}

// Builds the web client into gateway/web/dist: index.html plus content-hashed assets
// (run by the root `postinstall` and `prestart`, and by the browser tests when dist is missing).
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';

const WEB_DIR = path.dirname(fileURLToPath(import.meta.url));
/** Where the gateway serves the client from (see gateway/src/http/web.routes.ts). */
export const WEB_DIST = path.join(WEB_DIR, 'dist');

/** What a build produced. */
export interface WebBuild {
  outdir: string;
  /** Files under outdir, relative paths with forward slashes. */
  files: string[];
  bytes: number;
}

/**
 * Bundles src/main.ts (and the CSS it imports) with esbuild, then writes
 * index.html pointing at the hashed names. Builds into a temp folder and
 * renames each file into place, assets first and index.html last, so a
 * running gateway (or a concurrent build of the same sources, which yields
 * the same names) never sees half a build. Assets of older builds are removed.
 */
export async function buildWeb(options: { outdir?: string; minify?: boolean } = {}): Promise<WebBuild> {
  const outdir = options.outdir ?? WEB_DIST;
  const tmp = `${outdir}.tmp-${process.pid}-${Date.now()}`;
  const result = await esbuild.build({
    absWorkingDir: WEB_DIR,
    entryPoints: { app: 'src/main.ts' },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['chrome115', 'firefox115', 'safari16'],
    outdir: path.join(tmp, 'assets'),
    entryNames: '[name]-[hash]',
    assetNames: '[name]-[hash]',
    minify: options.minify ?? true,
    sourcemap: 'linked',
    legalComments: 'linked',
    metafile: true,
    logLevel: 'warning',
  });
  const outputs = Object.keys(result.metafile.outputs).map((f) =>
    path.relative(tmp, path.resolve(WEB_DIR, f)).split(path.sep).join('/'),
  );
  const js = outputs.find((f) => /^assets\/app-[\w-]+\.js$/.test(f));
  const css = outputs.find((f) => /^assets\/app-[\w-]+\.css$/.test(f));
  if (!js || !css) throw new Error(`web build: expected app-*.js and app-*.css, got ${outputs.join(', ')}`);
  const template = await fs.readFile(path.join(WEB_DIR, 'index.html'), 'utf8');
  const html = template.replace('/assets/app.css', `/${css}`).replace('/assets/app.js', `/${js}`);
  await fs.writeFile(path.join(tmp, 'index.html'), html);
  await fs.mkdir(path.join(outdir, 'assets'), { recursive: true });
  for (const f of outputs) await fs.rename(path.join(tmp, f), path.join(outdir, f));
  await fs.rename(path.join(tmp, 'index.html'), path.join(outdir, 'index.html'));
  await fs.rm(tmp, { recursive: true, force: true });
  const current = new Set(outputs.map((f) => path.basename(f)));
  for (const old of await fs.readdir(path.join(outdir, 'assets'))) {
    if (!current.has(old)) await fs.rm(path.join(outdir, 'assets', old), { force: true });
  }
  const files = ['index.html', ...outputs].sort();
  let bytes = 0;
  for (const f of files) bytes += (await fs.stat(path.join(outdir, f))).size;
  return { outdir, files, bytes };
}

/** Builds when dist has no index.html or a source is newer than it (tests call this, so a fresh clone works). */
export async function ensureWebBuilt(): Promise<void> {
  let builtAt = 0;
  try {
    builtAt = (await fs.stat(path.join(WEB_DIST, 'index.html'))).mtimeMs;
  } catch {
    // not built yet
  }
  const sources = [
    path.join(WEB_DIR, 'index.html'),
    ...(await fs.readdir(path.join(WEB_DIR, 'src'), { recursive: true })).map((f) => path.join(WEB_DIR, 'src', f)),
  ];
  for (const file of sources) {
    if ((await fs.stat(file)).mtimeMs > builtAt) {
      await buildWeb();
      return;
    }
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const started = Date.now();
  const build = await buildWeb({ minify: !process.argv.includes('--no-minify') });
  console.log(
    `web client built: ${build.files.length} files, ${(build.bytes / 1024).toFixed(0)} KiB in ${Date.now() - started} ms → ${path.relative(process.cwd(), build.outdir) || '.'}`,
  );
}

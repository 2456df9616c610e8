#!/usr/bin/env node
// Production build: bundles each service's src/main.ts into <svc>/dist/main.js with esbuild.
// Workspace packages (@pastemesh/*: the kit and generated code) are bundled from their TypeScript sources;
// every other package stays external (native ones like better-sqlite3 and @node-rs/argon2 must) and is
// pinned, at the version installed here, in <svc>/dist/package.json, so the image installs exactly those with
// `npm install --omit=dev`. Files a module reads beside its source at run time (the gateway's schema and web
// client, RUNTIME_FILES) keep their paths relative to <svc>/dist.
// Usage: node scripts/build-service.mjs [--image <dir>] [service ...]   (default: all four)
// --image lays out what the one Dockerfile copies into /app: <dir>/<svc>/dist, the runtime files, and
// <dir>/package.json (the external packages, and "main" naming the bundle, so the image runs `node .`).
// Each file is written to a temporary name and renamed, so a process starting from dist meanwhile (the fault
// suite, the bench, a second build) never reads half a bundle.
import fs from 'node:fs';
import path from 'node:path';
import { builtinModules } from 'node:module';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SERVICES = ['auth-svc', 'paste-svc', 'analytics-svc', 'gateway'];
/** Files and folders (relative to the service folder) a service reads beside its sources at run time. */
const RUNTIME_FILES = { gateway: ['src/schema', 'web/dist'] };
const BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

/** 'a/b/c' → 'a', '@s/a/b' → '@s/a'. */
const packageName = (specifier) =>
  specifier
    .split('/')
    .slice(0, specifier.startsWith('@') ? 2 : 1)
    .join('/');

/** Bundle @pastemesh/* (workspace TypeScript), leave every other bare import to node_modules. */
const externalPackages = {
  name: 'external-packages',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path.startsWith('@pastemesh/') || args.kind === 'entry-point') return undefined;
      return { path: args.path, external: true };
    });
  },
};

/** The installed version of a package, looked up from the service folder upwards (workspaces hoist). */
function installedVersion(name, fromDir) {
  for (let dir = fromDir; ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'node_modules', name, 'package.json');
    if (fs.existsSync(manifest)) return JSON.parse(fs.readFileSync(manifest, 'utf8')).version;
    if (dir === path.dirname(dir)) throw new Error(`${name} is imported but not installed`);
  }
}

/**
 * Keeps `import.meta.url` pointing at each module's source file, relative to the bundle, so files read at run
 * time next to the sources (the gateway's schema.graphql and web/dist) are found in the same layout in the image.
 */
function sourceRelativeImportMeta(outdir) {
  return {
    name: 'source-relative-import-meta',
    setup(b) {
      b.onLoad({ filter: /\.ts$/ }, async (args) => {
        const text = await fs.promises.readFile(args.path, 'utf8');
        if (!text.includes('import.meta.url') || args.path.includes(`${path.sep}node_modules${path.sep}`))
          return undefined;
        const rel = path.relative(outdir, args.path).split(path.sep).join('/');
        return {
          contents: text.replaceAll('import.meta.url', `new URL(${JSON.stringify(rel)}, import.meta.url).href`),
          loader: 'ts',
        };
      });
    },
  };
}

/** Writes `file` whole or not at all (a temporary name in the same folder, then a rename). */
function writeAtomically(file, contents) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temporary, contents);
  fs.renameSync(temporary, file);
}

/** Bundles one service into <svc>/dist; returns its dist/package.json manifest. */
async function buildService(service) {
  const dir = path.join(ROOT, service);
  const outdir = path.join(dir, 'dist');
  const result = await build({
    entryPoints: [path.join(dir, 'src', 'main.ts')],
    outfile: path.join(outdir, 'main.js'),
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    sourcemap: 'linked',
    metafile: true,
    write: false,
    legalComments: 'none',
    logLevel: 'warning',
    plugins: [externalPackages, sourceRelativeImportMeta(outdir)],
  });
  const external = new Set();
  for (const output of Object.values(result.metafile.outputs)) {
    for (const imp of output.imports) if (imp.external && !BUILTINS.has(imp.path)) external.add(packageName(imp.path));
  }
  const own = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
  const dependencies = Object.fromEntries([...external].sort().map((name) => [name, installedVersion(name, dir)]));
  const manifest = {
    name: `${own.name}-dist`,
    version: own.version,
    private: true,
    type: 'module',
    main: 'main.js',
    dependencies,
  };
  // The source map first: a process that finds the new main.js also finds its map.
  for (const file of [...result.outputFiles].sort(
    (a, b) => Number(b.path.endsWith('.map')) - Number(a.path.endsWith('.map')),
  ))
    writeAtomically(file.path, file.contents);
  writeAtomically(path.join(outdir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  const bytes = fs.statSync(path.join(outdir, 'main.js')).size;
  console.log(`${service}: dist/main.js ${(bytes / 1024).toFixed(0)} KiB, ${external.size} external packages`);
  return manifest;
}

/** Lays out one service's image root: <image>/<svc>/dist, its runtime files, and package.json with "main". */
function layOutImage(service, manifest, image) {
  fs.rmSync(image, { recursive: true, force: true });
  fs.mkdirSync(image, { recursive: true });
  for (const rel of ['dist/main.js', 'dist/main.js.map', ...(RUNTIME_FILES[service] ?? [])]) {
    const from = path.join(ROOT, service, rel);
    if (!fs.existsSync(from)) throw new Error(`${service}/${rel} is missing (the image needs it at run time)`);
    fs.cpSync(from, path.join(image, service, rel), { recursive: true });
  }
  const imageManifest = {
    ...manifest,
    name: `${manifest.name.replace(/-dist$/, '')}-image`,
    main: `${service}/dist/main.js`,
  };
  fs.writeFileSync(path.join(image, 'package.json'), `${JSON.stringify(imageManifest, null, 2)}\n`);
  console.log(`${service}: image layout in ${image} (node . runs ${imageManifest.main})`);
}

const args = process.argv.slice(2);
const imageAt = args.indexOf('--image');
const image = imageAt === -1 ? undefined : args.splice(imageAt, 2)[1];
if (imageAt !== -1 && !image) throw new Error('--image needs a folder');
for (const s of args)
  if (!SERVICES.includes(s)) throw new Error(`unknown service ${s} (one of ${SERVICES.join(', ')})`);
if (image && args.length !== 1) throw new Error('--image lays out one service: name exactly one');
for (const service of args.length > 0 ? args : SERVICES) {
  const manifest = await buildService(service);
  if (image) layOutImage(service, manifest, path.resolve(image));
}

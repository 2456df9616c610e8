#!/usr/bin/env node
// Production build: bundles each service's src/main.ts into <svc>/dist/main.js with esbuild.
// Workspace packages (@pastemesh/*: the kit and generated code) are bundled from their TypeScript sources;
// every other package stays external (native ones like better-sqlite3 and @node-rs/argon2 must) and is
// pinned, at the version installed here, in <svc>/dist/package.json, so the image installs exactly those with
// `npm install --omit=dev`. Files a module reads beside its source at run time (the gateway's schema and web
// client) must sit at the same paths relative to <svc>/dist in the image. Usage: node scripts/build-service.mjs [service ...]   (default: all four)
import fs from 'node:fs';
import path from 'node:path';
import { builtinModules } from 'node:module';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SERVICES = ['auth-svc', 'paste-svc', 'analytics-svc', 'gateway'];
const BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

/** 'a/b/c' → 'a', '@s/a/b' → '@s/a'. */
const packageName = (specifier) => specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/');

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
        if (!text.includes('import.meta.url') || args.path.includes(`${path.sep}node_modules${path.sep}`)) return undefined;
        const rel = path.relative(outdir, args.path).split(path.sep).join('/');
        return { contents: text.replaceAll('import.meta.url', `new URL(${JSON.stringify(rel)}, import.meta.url).href`), loader: 'ts' };
      });
    },
  };
}

async function buildService(service) {
  const dir = path.join(ROOT, service);
  const outdir = path.join(dir, 'dist');
  fs.rmSync(outdir, { recursive: true, force: true });
  const result = await build({
    entryPoints: [path.join(dir, 'src', 'main.ts')],
    outfile: path.join(outdir, 'main.js'),
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    sourcemap: 'linked',
    metafile: true,
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
  const manifest = { name: `${own.name}-dist`, version: own.version, private: true, type: 'module', main: 'main.js', dependencies };
  fs.writeFileSync(path.join(outdir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  const bytes = fs.statSync(path.join(outdir, 'main.js')).size;
  console.log(`${service}: dist/main.js ${(bytes / 1024).toFixed(0)} KiB, ${external.size} external packages`);
}

const wanted = process.argv.slice(2);
for (const s of wanted) if (!SERVICES.includes(s)) throw new Error(`unknown service ${s} (one of ${SERVICES.join(', ')})`);
for (const service of wanted.length > 0 ? wanted : SERVICES) await buildService(service);

// Every package's modules form a tree of imports: a loop (even through `import type`) means two files each
// need the other, and one of them holds something that belongs in a third.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const PACKAGES = ['kit', 'auth-svc', 'paste-svc', 'analytics-svc', 'gateway', 'pastectl'];
const IMPORT = /(?:import|export)\s[^'"]*?from\s+['"](\.{1,2}\/[^'"]+)['"]/g;

/** Relative imports of every non-test .ts file under `dir`, as absolute paths. */
function importGraph(dir: string): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  const walk = (d: string) => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules' && entry.name !== 'dist') walk(full);
      } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') && !entry.name.endsWith('.d.ts')) {
        const source = fs.readFileSync(full, 'utf8');
        const targets = [...source.matchAll(IMPORT)].map((m) =>
          path.resolve(path.dirname(full), m[1]!.replace(/\.js$/, '.ts')),
        );
        graph.set(full, targets);
      }
    }
  };
  walk(dir);
  return graph;
}

/** One import loop per strongly connected group, as the files that form it. */
function loops(graph: Map<string, string[]>): string[][] {
  const found: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (file: string) => {
    state.set(file, 'open');
    stack.push(file);
    for (const next of graph.get(file) ?? []) {
      if (!graph.has(next)) continue;
      if (state.get(next) === 'open') found.push(stack.slice(stack.indexOf(next)).map((f) => path.relative(ROOT, f)));
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(file, 'done');
  };
  for (const file of graph.keys()) if (!state.has(file)) visit(file);
  return found;
}

/** `@pastemesh/<service>…` imports in the files of `pkg` that name another service other than its client subpath. */
function foreignImports(pkg: string): string[] {
  const found: string[] = [];
  for (const [file] of importGraph(path.join(ROOT, pkg, 'src'))) {
    const source = fs.readFileSync(file, 'utf8');
    for (const m of source.matchAll(/from\s+['"]@pastemesh\/((?:auth|paste|analytics)-svc|gateway)(\/[\w-]+)?['"]/g)) {
      if (m[1] !== pkg && m[2] !== '/client') found.push(`${path.relative(ROOT, file)}: ${m[0]}`);
    }
  }
  return found;
}

describe('module structure', () => {
  it.each(['auth-svc', 'paste-svc', 'analytics-svc', 'gateway', 'pastectl'])(
    'lets %s import no other service but its client subpath',
    (pkg) => {
      expect(foreignImports(pkg)).toEqual([]);
    },
  );

  it.each(PACKAGES)('has no import loops in %s', (pkg) => {
    expect(loops(importGraph(path.join(ROOT, pkg, 'src')))).toEqual([]);
  });
});

// Summarises a V8 .cpuprofile: self time by function and by package, for `--cpu-prof` runs of the bench.
import fs from 'node:fs';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
const file = process.argv[2]!;
const top = Number(process.argv[3] ?? 40);
const prof = JSON.parse(fs.readFileSync(file, 'utf8')) as { nodes: Node[]; samples: number[]; timeDeltas: number[] };
const byId = new Map(prof.nodes.map((n) => [n.id, n]));
const self = new Map<number, number>();
for (const [i, id] of prof.samples.entries()) self.set(id, (self.get(id) ?? 0) + (prof.timeDeltas[i] ?? 0));
// Percentages of busy time: idle samples are left out.
const idle = new Set(prof.nodes.filter((n) => n.callFrame.functionName === '(idle)').map((n) => n.id));
for (const id of idle) self.delete(id);
const total = [...self.values()].reduce((a, b) => a + b, 0);
const fn = new Map<string, number>();
const pkg = new Map<string, number>();
for (const [id, t] of self) {
  const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
  const m = /node_modules\/((@[^/]+\/)?[^/]+)/.exec(url);
  const where = m ? m[1]! : url.includes('/dist/') ? 'app' : url.startsWith('node:') ? url : url || '(native)';
  fn.set(
    `${functionName || '(anon)'} ${where}:${lineNumber}`,
    (fn.get(`${functionName || '(anon)'} ${where}:${lineNumber}`) ?? 0) + t,
  );
  pkg.set(where, (pkg.get(where) ?? 0) + t);
}
const show = (m: Map<string, number>, n: number) =>
  [...m]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([k, t]) => `${((100 * t) / total).toFixed(1).padStart(5)}%  ${k}`)
    .join('\n');
console.log(
  `total ${(total / 1e6).toFixed(1)} s busy\n-- by package --\n${show(pkg, 25)}\n-- by function --\n${show(fn, top)}`,
);

// Inclusive time by function (a function counted once per stack, so recursion does not double it).
const parent = new Map<number, number>();
for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const label = (id: number) => {
  const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
  const m = /node_modules\/((@[^/]+\/)?[^/]+)/.exec(url);
  return `${functionName || '(anon)'} ${m ? m[1] : url.includes('/dist/') ? 'app' : url}:${lineNumber}`;
};
const inclusive = new Map<string, number>();
for (const [id, t] of self) {
  const seen = new Set<string>();
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
    const l = label(cur);
    if (seen.has(l)) continue;
    seen.add(l);
    inclusive.set(l, (inclusive.get(l) ?? 0) + t);
  }
}
console.log(`-- inclusive --\n${show(inclusive, Number(process.argv[4] ?? 0))}`);

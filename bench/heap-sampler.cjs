// Preloaded (`--require`) into a mesh process by `bench/alloc.ts`, which drives it through a control file
// ($BENCH_HEAP_SAMPLE_DIR/<pid>.ctl, polled every 50 ms; signals got lost under load): "start N" starts V8's
// sampling heap profiler, counting objects the garbage collector has already freed too (so it measures
// allocation, not what stays live); "stop N" stops it and writes $BENCH_HEAP_SAMPLE_DIR/<pid>-<N>.heapprofile.
const fs = require('node:fs');
const path = require('node:path');
const inspector = require('node:inspector');

const dir = process.env.BENCH_HEAP_SAMPLE_DIR;
const control = path.join(dir, `${process.pid}.ctl`);
const session = new inspector.Session();
session.connect();
let done = '';
const write = (n, value) => {
  const file = path.join(dir, `${process.pid}-${n}.heapprofile`);
  let text;
  try {
    // The profile lists every sample too; only the tree is read.
    text = JSON.stringify(value.head ? { head: value.head } : value);
  } catch (err) {
    text = JSON.stringify({ error: String(err) });
  }
  fs.writeFileSync(file + '.tmp', text);
  fs.renameSync(file + '.tmp', file);
};
setInterval(() => {
  let command;
  try {
    command = fs.readFileSync(control, 'utf8').trim();
  } catch {
    return;
  }
  if (command === done) return;
  done = command;
  const [verb, n] = command.split(' ');
  if (verb === 'start') {
    // With BENCH_HEAP_SAMPLE_PROMOTED=1, objects a scavenge freed are left out: what remains was promoted to
    // the old generation (or is still live), which is what mark-compact pauses are paid for.
    const promotedOnly = process.env.BENCH_HEAP_SAMPLE_PROMOTED === '1';
    const options = {
      samplingInterval: 4096,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: !promotedOnly,
    };
    session.post('HeapProfiler.startSampling', options, (err) => err && write(n, { error: String(err) }));
  } else if (verb === 'stop') {
    session.post('HeapProfiler.stopSampling', (err, result) =>
      write(n, err ? { error: String(err) } : (result?.profile ?? { error: 'no profile' })),
    );
  }
}, 50).unref();

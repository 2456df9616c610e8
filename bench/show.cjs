// node bench/show.cjs [file]: per-window req/s and CPU µs/request per process, from a results JSON.
const fs = require('fs');
const dir = __dirname + '/results';
const file =
  process.argv[2] ??
  dir +
    '/' +
    fs
      .readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .sort()
      .pop();
const r = JSON.parse(fs.readFileSync(file, 'utf8'));
for (const m of r.runs) {
  const cpu = Object.entries(m.cpuUsPerReq)
    .filter(([, v]) => v >= 1)
    .map(([k, v]) => `${k} ${Math.round(v)}`)
    .join(', ');
  console.log(
    `${m.scenario.padEnd(14)} ${m.target.padEnd(9)} r${m.round} ${m.rps.toFixed(0).padStart(6)} req/s p50 ${m.p50} p99 ${m.p99} | ${cpu}${m.extra ? ' | ' + JSON.stringify(m.extra) : ''}`,
  );
}

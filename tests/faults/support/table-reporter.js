// Jest reporter for the fault suite: collects each scenario's row (written by recordRow in the test
// worker), marks it pass/fail from jest's own result, and prints one table at the end of the run.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const COLUMNS = ['scenario', 'load', 'fault', 'figure', 'result'];

export default class FaultTableReporter {
  constructor(globalConfig) {
    // Workers start after reporters are built, so they inherit this directory.
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pastemesh-faults-'));
    process.env.PASTEMESH_FAULTS_DIR = this.dir;
    this.rootDir = globalConfig.rootDir;
    this.rows = [];
    this.started = Date.now();
    this.loadAtStart = os.loadavg()[0];
  }

  onTestFileResult(test, result) {
    const file = path.join(this.dir, `${path.basename(test.path)}.jsonl`);
    const rows = fs.existsSync(file)
      ? fs
          .readFileSync(file, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((line) => JSON.parse(line))
      : [];
    const status = new Map(result.testResults.map((r) => [r.fullName, r.status]));
    for (const row of rows) this.rows.push({ ...row, result: status.get(row.test) === 'passed' ? 'pass' : 'FAIL' });
    // A scenario that failed before recording its figure still gets a line.
    const recorded = new Set(rows.map((r) => r.test));
    for (const r of result.testResults) {
      if (r.status === 'failed' && !recorded.has(r.fullName)) {
        this.rows.push({
          scenario: r.fullName,
          load: '-',
          fault: '-',
          figure: firstLine(r.failureMessages[0]),
          result: 'FAIL',
        });
      }
    }
    if (
      result.testExecError ||
      (result.testResults.length === 0 && result.numFailingTests === 0 && result.failureMessage)
    ) {
      this.rows.push({
        scenario: path.basename(test.path),
        load: '-',
        fault: '-',
        figure: firstLine(result.testExecError?.message ?? result.failureMessage),
        result: 'FAIL',
      });
    }
  }

  onRunComplete() {
    const seconds = Math.round((Date.now() - this.started) / 1000);
    const table = [
      `| ${COLUMNS.join(' | ')} |`,
      `|${COLUMNS.map(() => '---').join('|')}|`,
      ...this.rows.map((row) => `| ${COLUMNS.map((c) => String(row[c] ?? '').replaceAll('|', '/')).join(' | ')} |`),
    ].join('\n');
    const passed = this.rows.filter((r) => r.result === 'pass').length;
    // Latency figures mean little on a saturated machine: say how busy it was.
    const machine = `${os.cpus().length} cores, load average ${this.loadAtStart.toFixed(1)} at start, ${os.loadavg()[0].toFixed(1)} at end`;
    const text = `\nFault suite (${seconds} s; ${machine}): ${passed} of ${this.rows.length} scenarios passed\n\n${table}\n`;
    process.stdout.write(text);
    try {
      const out = path.join(this.rootDir, 'test-artifacts');
      fs.mkdirSync(out, { recursive: true });
      fs.writeFileSync(path.join(out, 'fault-suite.md'), text);
    } catch {
      // the table was printed; the artifact is a convenience
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

function firstLine(text) {
  return (
    String(text ?? 'failed')
      .replace(/\x1b\[[0-9;]*m/g, '')
      .split('\n')
      .map((l) => l.trim())
      .find(Boolean)
      ?.slice(0, 200) ?? 'failed'
  );
}

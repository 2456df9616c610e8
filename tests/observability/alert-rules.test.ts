// The alert rules through promtool, as CI's .ci/checks also runs them: the file is valid Prometheus rules, and
// the unit tests beside it (pastemesh-alerts.test.yaml: input series, expected alerts with their labels and
// annotations) pass. Without promtool these fail, saying how to install it.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';
import { ALERTS_FILE, ALERTS_TEST_FILE, readAlertRules } from './monitoring.js';
import { requireBinary } from './prometheus-server.js';

function promtool(...args: string[]): { status: number | null; output: string } {
  requireBinary('promtool');
  const run = spawnSync('promtool', args, { encoding: 'utf8', cwd: path.dirname(ALERTS_FILE) });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

interface RulesTestFile {
  rule_files: string[];
  tests: { name: string; alert_rule_test?: { alertname: string; exp_alerts: unknown[] }[] }[];
}

describe('the alert rules', () => {
  it('pass promtool check rules', () => {
    const { status, output } = promtool('check', 'rules', ALERTS_FILE);
    expect({ status, output }).toEqual({ status: 0, output: expect.stringContaining('SUCCESS') });
  });

  it('pass their promtool unit tests', () => {
    const { status, output } = promtool('test', 'rules', ALERTS_TEST_FILE);
    expect({ status, output }).toEqual({ status: 0, output: expect.stringContaining('SUCCESS') });
  });

  it('each have a unit test where they fire and one where they do not', () => {
    const file = parse(fs.readFileSync(ALERTS_TEST_FILE, 'utf8')) as RulesTestFile;
    expect(file.rule_files).toEqual([path.basename(ALERTS_FILE)]);
    const cases = file.tests.flatMap((t) => t.alert_rule_test ?? []);
    const untested = readAlertRules()
      .map((r) => r.alert)
      .flatMap((alert) => {
        const mine = cases.filter((c) => c.alertname === alert);
        const gaps = [
          ...(mine.some((c) => c.exp_alerts.length > 0) ? [] : ['never fires']),
          ...(mine.some((c) => c.exp_alerts.length === 0) ? [] : ['never stays quiet']),
        ];
        return gaps.map((g) => `${alert}: ${g}`);
      });
    expect(untested).toEqual([]);
  });
});

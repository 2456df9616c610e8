// Each scenario records its row (what load, what fault, what it measured) before it asserts, so the
// table shows the figure even when the check fails. The table reporter adds pass/fail from jest.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from '@jest/globals';

/** One line of the fault table. */
export interface FaultRow {
  scenario: string;
  load: string;
  fault: string;
  figure: string;
}

/** Where rows go: a directory per run, chosen by the reporter (a fixed one when run without it). */
export function resultsDir(): string {
  return process.env['PASTEMESH_FAULTS_DIR'] ?? path.join(os.tmpdir(), 'pastemesh-faults');
}

/** Appends this test's row for the reporter (and prints it, for runs without the reporter). */
export function recordRow(row: FaultRow): void {
  const { currentTestName, testPath } = expect.getState();
  const dir = resultsDir();
  fs.mkdirSync(dir, { recursive: true });
  fs.appendFileSync(
    path.join(dir, `${path.basename(testPath ?? 'unknown')}.jsonl`),
    `${JSON.stringify({ ...row, test: currentTestName })}\n`,
  );
  if (!process.env['PASTEMESH_FAULTS_DIR']) console.log(`${row.scenario} | ${row.load} | ${row.fault} | ${row.figure}`);
}

/** Milliseconds as people read them: 850 ms, 2.3 s. */
export function ms(value: number): string {
  if (!Number.isFinite(value)) return 'never';
  return value < 1_000 ? `${Math.round(value)} ms` : `${(value / 1_000).toFixed(1)} s`;
}

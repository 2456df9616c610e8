import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';
import { ROOT_DIR, SERVICES } from './render-overlays.js';

/** The instructions of a Dockerfile, continuation lines joined, comments dropped. */
function instructions(file: string): { op: string; args: string }[] {
  return fs
    .readFileSync(file, 'utf8')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const [op, ...rest] = l.split(/\s+/);
      return { op: op!.toUpperCase(), args: rest.join(' ') };
    });
}

const PORTS: Record<string, string> = { gateway: '5000 9000', 'auth-svc': '5001 5101 9001', 'paste-svc': '5002 5102 9002', 'analytics-svc': '5003 5103 9003' };

describe.each(SERVICES)('the %s Dockerfile', (svc) => {
  const file = path.join(ROOT_DIR, svc, 'Dockerfile');
  const ins = instructions(file);
  const stages = ins.reduce<{ op: string; args: string }[][]>((acc, i) => (i.op === 'FROM' ? [...acc, [i]] : (acc[acc.length - 1]!.push(i), acc)), []);
  const runtime = stages[stages.length - 1]!;

  it('is multi-stage with every base image pinned to an exact version', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const [from] of stages) expect(from!.args).toMatch(/^[\w./-]+:\d+\.\d+\.\d+[\w.-]*( AS \w+)?$|^[\w./-]+@sha256:[a-f0-9]{64}( AS \w+)?$/);
  });

  it('builds the esbuild bundle and installs production dependencies only for the runtime', () => {
    expect(ins.some((i) => i.op === 'RUN' && i.args.includes(`npm run build -- ${svc}`))).toBe(true);
    expect(ins.some((i) => i.op === 'RUN' && /npm install .*--omit=dev/.test(i.args))).toBe(true);
    expect(runtime.some((i) => i.op === 'RUN' && /npm (install|ci)/.test(i.args))).toBe(false);
    expect(runtime.find((i) => i.op === 'CMD')!.args).toBe(`["node", "--enable-source-maps", "${svc}/dist/main.js"]`);
  });

  it('runs as a numeric non-root user and exposes the documented ports', () => {
    const user = runtime.filter((i) => i.op === 'USER').at(-1)!.args;
    expect(user).toMatch(/^[1-9]\d*(:[1-9]\d*)?$/);
    expect(runtime.find((i) => i.op === 'EXPOSE')!.args).toBe(PORTS[svc]);
  });
});

describe('docker-compose.yml', () => {
  const compose = parse(fs.readFileSync(path.join(ROOT_DIR, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
    services: Record<string, { image: string; build?: { dockerfile: string }; environment?: Record<string, string>; user?: string; read_only?: boolean }>;
  };

  it('runs MySQL 8 and Redis 7 with pinned tags', () => {
    expect(compose.services.mysql!.image).toMatch(/^mysql:8\.\d+\.\d+$/);
    expect(compose.services.redis!.image).toMatch(/^redis:7\.\d+\.\d+$/);
  });

  it('builds every service from its Dockerfile and runs it non-root on a read-only filesystem', () => {
    for (const svc of SERVICES) {
      const s = compose.services[svc]!;
      expect(s.build!.dockerfile).toBe(`${svc}/Dockerfile`);
      expect(s.image).toMatch(new RegExp(`^pastemesh/${svc}:\\d+\\.\\d+\\.\\d+$`));
      expect([s.user, s.read_only]).toEqual(['1000:1000', true]);
    }
  });

  it('gives each service with a database its own database and user', () => {
    for (const svc of ['auth', 'paste', 'analytics']) {
      expect(compose.services[`${svc}-svc`]!.environment!.MYSQL_URL).toMatch(new RegExp(`^mysql://pastemesh_${svc}:[^@]+@mysql:3306/pastemesh_${svc}$`));
    }
  });
});

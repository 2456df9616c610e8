import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';
import { ROOT_DIR, SERVICES } from './render-overlays.js';

interface Instruction {
  op: string;
  args: string;
}

/** The instructions of a Dockerfile, continuation lines joined, comments dropped. */
function instructions(text: string): Instruction[] {
  return text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const [op, ...rest] = l.split(/\s+/);
      return { op: op!.toUpperCase(), args: rest.join(' ') };
    });
}

/** The Dockerfile as `docker build --build-arg SERVICE=<svc>` reads it: SERVICE substituted. */
const rendered = (svc: string) => instructions(DOCKERFILE.replace(/\$\{SERVICE\}|\$SERVICE\b/g, svc));

/** Instructions grouped by stage (each starts with its FROM). */
function stagesOf(ins: Instruction[]): Instruction[][] {
  const stages: Instruction[][] = [];
  for (const i of ins) {
    if (i.op === 'FROM') stages.push([i]);
    else stages.at(-1)?.push(i);
  }
  return stages;
}

const DOCKERFILE = fs.readFileSync(path.join(ROOT_DIR, 'Dockerfile'), 'utf8');
const PORTS: Record<string, string[]> = {
  gateway: ['5000', '9000'],
  'auth-svc': ['5001', '5101', '9001'],
  'paste-svc': ['5002', '5102', '9002'],
  'analytics-svc': ['5003', '5103', '9003'],
};

describe('the Dockerfile', () => {
  const stages = stagesOf(instructions(DOCKERFILE));
  const runtime = stages[stages.length - 1]!;

  it('is the only one: no service has a Dockerfile or .dockerignore of its own, and one .dockerignore keeps host files out', () => {
    for (const svc of SERVICES) {
      expect(fs.existsSync(path.join(ROOT_DIR, svc, 'Dockerfile'))).toBe(false);
      expect(fs.existsSync(path.join(ROOT_DIR, svc, 'Dockerfile.dockerignore'))).toBe(false);
    }
    const ignored = fs.readFileSync(path.join(ROOT_DIR, '.dockerignore'), 'utf8').split('\n');
    expect(ignored).toEqual(expect.arrayContaining(['**/node_modules', '**/dist', '.git']));
  });

  it('takes the service as the build argument SERVICE and refuses to build without one', () => {
    const build = stages[0]!;
    expect(build.some((i) => i.op === 'ARG' && i.args === 'SERVICE')).toBe(true);
    expect(build.find((i) => i.op === 'RUN')!.args).toMatch(/^test -n "\$SERVICE" \|\|/);
  });

  it('is multi-stage with every base image pinned to an exact version', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const [from] of stages)
      expect(from!.args).toMatch(/^[\w./-]+:\d+\.\d+\.\d+[\w.-]*( AS \w+)?$|^[\w./-]+@sha256:[a-f0-9]{64}( AS \w+)?$/);
  });

  it('runs as a numeric non-root user, writing only to DATA_DIR, from package.json\'s "main" in exec form', () => {
    const user = runtime.filter((i) => i.op === 'USER').at(-1)!.args;
    expect(user).toMatch(/^[1-9]\d*(:[1-9]\d*)?$/);
    expect(runtime.find((i) => i.op === 'ENV')!.args).toContain('DATA_DIR=/var/lib/pastemesh');
    const writable = runtime.filter((i) => i.op === 'RUN' && /chown|chmod/.test(i.args));
    expect(writable.map((i) => i.args)).toEqual([`mkdir -p /var/lib/pastemesh && chown ${user} /var/lib/pastemesh`]);
    expect(runtime.find((i) => i.op === 'CMD')!.args).toBe('["node", "--enable-source-maps", "."]');
  });

  describe.each(SERVICES)('rendered with SERVICE=%s', (svc) => {
    const ins = rendered(svc);
    const last = stagesOf(ins).at(-1)!;

    it('bundles that service into the image layout and installs production dependencies only for the runtime', () => {
      expect(ins.some((i) => i.op === 'RUN' && i.args.endsWith(`npm run build -- --image /image "${svc}"`))).toBe(true);
      expect(ins.some((i) => i.op === 'COPY' && i.args === '--from=build /image/package.json ./package.json')).toBe(
        true,
      );
      expect(ins.some((i) => i.op === 'RUN' && /npm install .*--omit=dev/.test(i.args))).toBe(true);
      expect(last.some((i) => i.op === 'RUN' && /npm (install|ci)/.test(i.args))).toBe(false);
      expect(last.some((i) => i.op === 'COPY' && i.args === '--from=build /image ./')).toBe(true);
      expect(last.find((i) => i.op === 'LABEL')!.args).toBe(`org.opencontainers.image.title="pastemesh/${svc}"`);
    });
  });
});

describe('docker-compose.yml', () => {
  const compose = parse(fs.readFileSync(path.join(ROOT_DIR, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
    services: Record<
      string,
      {
        image: string;
        build?: { context: string; dockerfile?: string; args?: Record<string, string> };
        environment?: Record<string, string>;
        user?: string;
        read_only?: boolean;
        expose?: string[];
        ports?: string[];
      }
    >;
  };

  it('runs MySQL 8 and Redis 7 with pinned tags', () => {
    expect(compose.services.mysql!.image).toMatch(/^mysql:8\.\d+\.\d+$/);
    expect(compose.services.redis!.image).toMatch(/^redis:7\.\d+\.\d+$/);
  });

  it('builds every service from the one Dockerfile with its SERVICE and runs it non-root on a read-only filesystem', () => {
    for (const svc of SERVICES) {
      const s = compose.services[svc]!;
      expect(s.build).toEqual({ context: '.', args: { SERVICE: svc } });
      expect(s.image).toMatch(new RegExp(`^pastemesh/${svc}:\\d+\\.\\d+\\.\\d+$`));
      expect([s.user, s.read_only]).toEqual(['1000:1000', true]);
    }
  });

  it("names each service's documented ports (the image exposes none of its own)", () => {
    for (const svc of SERVICES.filter((s) => s !== 'gateway'))
      expect(compose.services[svc]!.expose).toEqual(PORTS[svc]);
    expect(compose.services['gateway']!.ports).toEqual([`127.0.0.1:${PORTS['gateway']![0]}:${PORTS['gateway']![0]}`]);
  });

  it('gives each service with a database its own database and user', () => {
    for (const svc of ['auth', 'paste', 'analytics']) {
      expect(compose.services[`${svc}-svc`]!.environment!.MYSQL_URL).toMatch(
        new RegExp(`^mysql://pastemesh_${svc}:[^@]+@mysql:3306/pastemesh_${svc}$`),
      );
    }
  });
});

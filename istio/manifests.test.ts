import { describe, expect, it } from '@jest/globals';
import {
  OVERLAYS,
  PROD_OVERLAYS,
  SERVICES,
  durationMs,
  environment,
  named,
  objectStoreUrl,
  ofKind,
  render,
  urlPort,
  workloads,
  type K8sObject,
  type Overlay,
} from './render-overlays.js';

interface Model {
  validate(): void;
}
type ModelClass = new (data: unknown) => Model;

/** The kubernetes-models class for an object's apiVersion and kind (Istio CRDs from @kubernetes-models/istio). */
async function modelFor(object: K8sObject): Promise<ModelClass> {
  const [group, version] = object.apiVersion.includes('/') ? object.apiVersion.split('/') : ['', object.apiVersion];
  const module = group!.endsWith('istio.io')
    ? await import(`@kubernetes-models/istio/${group}/${version}`)
    : await import(group ? `kubernetes-models/${group}/${version}` : `kubernetes-models/${version}`);
  const model = (module as Record<string, ModelClass | undefined>)[object.kind];
  if (!model) throw new Error(`no schema for ${object.apiVersion} ${object.kind}`);
  return model;
}

/** kustomize folds long base64 values over lines; the API server's decoder skips the newlines, the schema's does not. */
function withUnfoldedSecretData(object: K8sObject): K8sObject {
  if (object.kind !== 'Secret' || !object.data) return object;
  const data = Object.fromEntries(Object.entries<string>(object.data).map(([k, v]) => [k, v.replace(/\s+/g, '')]));
  return { ...object, data };
}

/** Variables that carry credentials: they come from Secrets only, never from a ConfigMap. */
const CREDENTIAL_KEY =
  /^(MYSQL_URL|MYSQL_REPLICA_URL|REDIS_URL|AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY|AWS_SESSION_TOKEN)$|PASSWORD|SECRET|PRIVATE_KEY/;
/** paste-svc's optional Secret keys: its read replica and static S3 keys (absent: primary only, the SDK's default chain). */
const PASTE_OPTIONAL_SECRETS = ['MYSQL_REPLICA_URL', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'];
/** The Deployments that run paste-svc: v1, and the v2 canary track where the overlay has one. */
const pasteDeployments = (overlay: Overlay) =>
  ofKind(overlay, 'Deployment').filter((d) => d.spec.template.metadata.labels.app === 'paste-svc');

const label = (o: K8sObject) => `${o.kind}/${o.metadata.name}`;
// The injected ingress gateway gets its image and probes from istiod's gateway template ("auto").
const injected = (c: { image: string }) => c.image === 'auto';

describe.each(OVERLAYS)('the %s overlay', (overlay: Overlay) => {
  it('renders with kubectl kustomize into namespaced objects in pastemesh', () => {
    const objects = render(overlay);
    expect(objects.length).toBeGreaterThan(40);
    for (const o of objects.filter((x) => x.kind !== 'Namespace'))
      expect([label(o), o.metadata.namespace]).toEqual([label(o), 'pastemesh']);
  });

  it('validates every object against its Kubernetes or Istio schema', async () => {
    const failures: string[] = [];
    for (const object of render(overlay)) {
      try {
        new (await modelFor(object))(withUnfoldedSecretData(object)).validate();
      } catch (err) {
        failures.push(`${label(object)}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('gives every container probes, requests and limits, and a non-root read-only root filesystem', () => {
    const problems: string[] = [];
    for (const w of workloads(overlay)) {
      const pod = w.spec.template.spec;
      if (pod.securityContext?.runAsNonRoot !== true) problems.push(`${label(w)}: pod runAsNonRoot`);
      if (!(pod.securityContext?.runAsUser > 0)) problems.push(`${label(w)}: pod runAsUser`);
      for (const c of pod.containers) {
        const where = `${label(w)}/${c.name}`;
        if (!c.readinessProbe || !c.livenessProbe) problems.push(`${where}: probes`);
        for (const k of ['cpu', 'memory']) {
          if (!c.resources?.requests?.[k] || !c.resources?.limits?.[k]) problems.push(`${where}: ${k} request/limit`);
        }
        const sc = c.securityContext ?? {};
        if (sc.readOnlyRootFilesystem !== true) problems.push(`${where}: readOnlyRootFilesystem`);
        if (sc.allowPrivilegeEscalation !== false) problems.push(`${where}: allowPrivilegeEscalation`);
        if (sc.runAsUser === 0) problems.push(`${where}: runs as root`);
        if (!sc.capabilities?.drop?.includes('ALL')) problems.push(`${where}: capabilities not dropped`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('pins every image to an explicit tag (never latest)', () => {
    const images = workloads(overlay).flatMap((w) =>
      w.spec.template.spec.containers
        .filter((c: { image: string }) => !injected(c))
        .map((c: { image: string }) => c.image),
    );
    expect(images.length).toBeGreaterThan(3);
    for (const image of images) expect(image).toMatch(/^[\w./-]+(:(?!latest$)[\w.-]+|@sha256:[a-f0-9]{64})$/);
  });

  it('probes the services over grpc.health.v1 and the gateway over HTTP on its admin port', () => {
    for (const svc of SERVICES) {
      const c = named(overlay, 'Deployment', svc).spec.template.spec.containers[0];
      if (svc === 'gateway') {
        expect([c.readinessProbe.httpGet, c.livenessProbe.httpGet]).toEqual([
          { path: '/readyz', port: 'http-admin' },
          { path: '/healthz', port: 'http-admin' },
        ]);
        expect(c.ports).toContainEqual({ name: 'http-admin', containerPort: 9000 });
      } else {
        const grpcPort = c.ports.find((p: { name: string }) => p.name === 'grpc-api').containerPort;
        // Readiness follows dependencies (the overall status); liveness asks the kit's 'liveness' name, which only says the process answers.
        expect([c.readinessProbe.grpc, c.livenessProbe.grpc, c.startupProbe.grpc]).toEqual([
          { port: grpcPort },
          { port: grpcPort, service: 'liveness' },
          { port: grpcPort },
        ]);
      }
    }
  });

  it('lets pods finish draining before Kubernetes kills them', () => {
    for (const svc of SERVICES) {
      const pod = named(overlay, 'Deployment', svc).spec.template.spec;
      const preStop = Number(pod.containers[0].lifecycle.preStop.exec.command[1]);
      const proxyDrain =
        durationMs(
          /terminationDrainDuration:\s*(\S+)/.exec(
            named(overlay, 'Deployment', svc).spec.template.metadata.annotations['proxy.istio.io/config'],
          )![1]!,
        ) / 1000;
      const kitDrain = 10; // kit/src/server/service-host.ts: shutdownTimeoutMs ?? 10_000
      expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(preStop + kitDrain);
      expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(proxyDrain);
    }
  });

  it('names every Service port grpc-… or http-… (or tcp-…) with a matching appProtocol', () => {
    for (const s of ofKind(overlay, 'Service')) {
      for (const p of s.spec.ports) {
        expect(p.name).toMatch(/^(grpc|http|http2|https|tcp)(-[a-z0-9-]+)?$/);
        expect(p.appProtocol).toBe(
          p.name.startsWith('grpc') ? 'grpc' : p.name.startsWith('tcp') ? 'tcp' : p.name === 'https' ? 'https' : 'http',
        );
      }
    }
  });

  it('gives every Pastemesh service a ServiceAccount, Service, HorizontalPodAutoscaler and PodDisruptionBudget', () => {
    for (const svc of SERVICES) {
      for (const kind of ['ServiceAccount', 'Service', 'HorizontalPodAutoscaler', 'PodDisruptionBudget'])
        expect(label(named(overlay, kind, svc))).toBe(`${kind}/${svc}`);
      expect(named(overlay, 'Deployment', svc).spec.template.spec.serviceAccountName).toBe(svc);
      expect(named(overlay, 'Deployment', svc).spec.template.metadata.labels).toMatchObject({
        app: svc,
        version: 'v1',
      });
      expect(named(overlay, 'HorizontalPodAutoscaler', svc).spec.scaleTargetRef).toEqual({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        name: svc,
      });
    }
  });

  it('takes configuration from ConfigMaps and credentials only from Secrets', () => {
    for (const w of workloads(overlay)) {
      for (const c of w.spec.template.spec.containers) {
        for (const e of c.env ?? []) {
          if (
            /URL|PASSWORD|SECRET|KEY/.test(e.name) &&
            !/^(AUTH_SVC_URL|PASTE_SVC_URL|ANALYTICS_SVC_URL|AUTH_JWKS_URL|PUBLIC_URL)$/.test(e.name)
          ) {
            expect([label(w), e.name, e.valueFrom?.secretKeyRef?.name]).toEqual([label(w), e.name, expect.any(String)]);
          }
        }
      }
    }
    for (const cm of ofKind(overlay, 'ConfigMap')) {
      // No credential by name either (a database URL, an S3 key pair, a token), even one without a password.
      expect([cm.metadata.name, Object.keys(cm.data ?? {}).filter((k) => CREDENTIAL_KEY.test(k))]).toEqual([
        cm.metadata.name,
        [],
      ]);
      for (const [k, v] of Object.entries<string>(cm.data ?? {})) {
        if (!k.endsWith('.json') && !k.endsWith('.yaml') && !k.endsWith('.sh'))
          expect([cm.metadata.name, k, v]).not.toEqual([
            cm.metadata.name,
            k,
            expect.stringMatching(/:\/\/[^/\s:]+:[^@/\s]+@/),
          ]);
      }
    }
  });
});

describe('the namespace', () => {
  it('turns on sidecar injection', () => {
    for (const overlay of OVERLAYS)
      expect(named(overlay, 'Namespace', 'pastemesh').metadata.labels).toMatchObject({ 'istio-injection': 'enabled' });
  });
});

describe('prod', () => {
  it.each(PROD_OVERLAYS)('%s runs 3 replicas of every service with an autoscaler floor of 3', (overlay) => {
    for (const svc of SERVICES) {
      expect(named(overlay, 'Deployment', svc).spec.replicas).toBe(3);
      expect(named(overlay, 'HorizontalPodAutoscaler', svc).spec.minReplicas).toBe(3);
    }
  });

  it.each(PROD_OVERLAYS)('%s renders no Secret and no in-cluster database (they are external)', (overlay) => {
    expect(ofKind(overlay, 'Secret')).toEqual([]);
    expect(ofKind(overlay, 'StatefulSet')).toEqual([]);
    expect(ofKind(overlay, 'ServiceEntry').flatMap((s) => s.spec.hosts)).toEqual(
      expect.arrayContaining([
        'mysql.pastemesh.internal',
        'mysql-replica.pastemesh.internal',
        'redis.pastemesh.internal',
      ]),
    );
  });

  it.each(PROD_OVERLAYS)(
    '%s keeps paste-svc’s content in an S3 bucket whose host the mesh knows as TLS on its port',
    (overlay) => {
      for (const d of pasteDeployments(overlay)) {
        const env = environment(overlay, d);
        expect([d.metadata.name, env.CONTENT_STORE, env.AWS_REGION]).toEqual([
          d.metadata.name,
          expect.stringMatching(/^s3:\/\/[a-z0-9.-]+(\/\S*)?$/),
          expect.stringMatching(/^\S+$/),
        ]);
        const url = objectStoreUrl(env)!;
        const entries = ofKind(overlay, 'ServiceEntry').filter((s) => s.spec.hosts.includes(url.hostname));
        expect(entries.map((s) => s.spec)).toEqual([
          expect.objectContaining({
            location: 'MESH_EXTERNAL',
            ports: [expect.objectContaining({ number: urlPort(url), protocol: 'TLS' })],
          }),
        ]);
      }
    },
  );

  it.each(OVERLAYS)(
    '%s gives paste-svc its replica URL and S3 keys only from paste-svc-secrets, each optional',
    (overlay) => {
      for (const d of pasteDeployments(overlay)) {
        const env = d.spec.template.spec.containers[0].env as { name: string; valueFrom?: object }[];
        expect(env.filter((e) => PASTE_OPTIONAL_SECRETS.includes(e.name))).toEqual(
          PASTE_OPTIONAL_SECRETS.map((key) => ({
            name: key,
            valueFrom: { secretKeyRef: { name: 'paste-svc-secrets', key, optional: true } },
          })),
        );
      }
    },
  );

  it('requires the auth signing key Secret (only dev lets auth-svc generate one)', () => {
    const keyRef = (overlay: Overlay) =>
      named(overlay, 'Deployment', 'auth-svc').spec.template.spec.containers[0].env.find(
        (e: { name: string }) => e.name === 'JWT_PRIVATE_KEY',
      ).valueFrom.secretKeyRef;
    expect(keyRef('prod').optional).toBeUndefined();
    expect(keyRef('dev').optional).toBe(true);
    expect(named('dev', 'HorizontalPodAutoscaler', 'auth-svc').spec.maxReplicas).toBe(1);
  });
});

describe('the canary track', () => {
  it('runs each service with the same configuration and credentials as v1 (same stores, same Secrets)', () => {
    for (const svc of SERVICES) {
      const [v1, v2] = [svc, `${svc}-v2`].map((name) => named('prod-canary', 'Deployment', name).spec.template.spec);
      expect([svc, v2.containers[0].envFrom, v2.containers[0].env]).toEqual([
        svc,
        v1.containers[0].envFrom,
        v1.containers[0].env,
      ]);
    }
  });
});

describe('dev', () => {
  it('keeps paste content in paste-svc’s table and reads only the primary: no bucket, no replica, no S3 settings', () => {
    for (const overlay of ['dev', 'dev-chaos'] as const) {
      const env = environment(overlay, named(overlay, 'Deployment', 'paste-svc'));
      expect(env.CONTENT_STORE).toBe('database');
      expect(Object.keys(env).filter((k) => k.startsWith('AWS_') || k.startsWith('S3_'))).toEqual([]);
      expect(Object.keys(named(overlay, 'Secret', 'paste-svc-secrets').data).sort()).toEqual([
        'MYSQL_URL',
        'REDIS_URL',
      ]);
      expect(ofKind(overlay, 'ServiceEntry')).toEqual([]);
    }
  });

  it('runs MySQL 8 and Redis 7 as StatefulSets with one database and user per service', () => {
    const images = ofKind('dev', 'StatefulSet')
      .map((s) => s.spec.template.spec.containers[0].image)
      .sort();
    expect(images).toEqual([expect.stringMatching(/^mysql:8\./), expect.stringMatching(/^redis:7\./)]);
    const init = named('dev', 'ConfigMap', 'mysql-init').data['init-databases.sh'] as string;
    expect(init).toContain('for svc in auth paste analytics');
    const secrets = ['auth', 'paste', 'analytics'].map((s) =>
      Buffer.from(named('dev', 'Secret', `${s}-svc-secrets`).data.MYSQL_URL, 'base64').toString(),
    );
    expect(secrets).toEqual(
      ['auth', 'paste', 'analytics'].map((s) =>
        expect.stringMatching(new RegExp(`^mysql://pastemesh_${s}:dev-only-[a-z]+@mysql:3306/pastemesh_${s}$`)),
      ),
    );
  });
});

import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';
import { allows, inCidr, selects, type Endpoint, type Protocol } from './network-policy-evaluator.js';
import {
  ISTIO_DIR,
  OVERLAYS,
  PROD_OVERLAYS,
  ROOT_DIR,
  SERVICES,
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

const NS = 'pastemesh';
const policiesOf = (overlay: Overlay) => ofKind(overlay, 'NetworkPolicy');

/** Every pod the overlay runs (one per Deployment/StatefulSet template), with its named container ports. */
function pods(overlay: Overlay): (Endpoint & { serviceAccount: string; annotations: Record<string, string> })[] {
  return workloads(overlay).map((w) => {
    const template = w.spec.template;
    const ports: Record<string, number> = {};
    for (const c of template.spec.containers)
      for (const p of c.ports ?? []) if (p.name) ports[p.name] = p.containerPort;
    return {
      name: w.metadata.name,
      namespace: w.metadata.namespace ?? NS,
      labels: template.metadata.labels,
      ports,
      serviceAccount: template.spec.serviceAccountName,
      annotations: template.metadata.annotations ?? {},
    };
  });
}
const pod = (overlay: Overlay, name: string) => {
  const found = pods(overlay).find((p) => p.name === name);
  if (!found) throw new Error(`${overlay}: no pod ${name}`);
  return found;
};

// Endpoints outside the overlay, as the manifests and istio/README.md describe them.
/** A one-off pastectl pod: `kubectl run … --labels=app=pastectl` with the pastectl ServiceAccount (base/tools.yaml). */
const PASTECTL: Endpoint = { name: 'pastectl', namespace: NS, labels: { app: 'pastectl', run: 'pastectl' } };
const KUBE_DNS: Endpoint = { name: 'kube-dns', namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' } };
const ISTIOD: Endpoint = { name: 'istiod', namespace: 'istio-system', labels: { app: 'istiod', istio: 'pilot' } };
/** Prometheus where the AuthorizationPolicies expect it (cluster.local/ns/istio-system/sa/prometheus). */
const PROMETHEUS: Endpoint = {
  name: 'prometheus',
  namespace: 'istio-system',
  labels: { 'app.kubernetes.io/name': 'prometheus', 'app.kubernetes.io/component': 'server' },
};
const INTERNET: Endpoint = { name: 'a client on the internet', ip: '203.0.113.7' };
const NODE: Endpoint = { name: 'the node (kubelet)', node: true };
/** A pod elsewhere in the cluster that copies a Pastemesh label: labels only count in the policy's namespace. */
const IMPOSTOR: Endpoint = { name: 'impostor in default', namespace: 'default', labels: { app: 'gateway' } };

interface Flow {
  from: Endpoint;
  to: Endpoint;
  port: number;
  protocol?: Protocol;
  why: string;
}
const show = (f: Flow) => `${f.from.name} → ${f.to.name}:${f.port}${f.protocol === 'UDP' ? '/udp' : ''} (${f.why})`;
const verdicts = (overlay: Overlay, flows: Flow[]) =>
  flows.map((f) => [show(f), allows(policiesOf(overlay), f.from, f.to, f.port, f.protocol)] as const);

/**
 * Where a `host:port` (or URL) the configuration names leads: the pods its Service selects and the container port
 * its targetPort resolves to; a host in another namespace whose Service is not ours becomes a pod there.
 */
function resolve(overlay: Overlay, address: string): { to: Endpoint[]; port: number } {
  const url = new URL(address.includes('://') ? address : `tcp://${address}`);
  const [name, namespace = NS] = url.hostname.split('.');
  const port = Number(url.port);
  if (namespace !== NS) return { to: [{ name: url.hostname, namespace, labels: { app: name! } }], port };
  const service = named(overlay, 'Service', name!);
  const servicePort = service.spec.ports.find((p: { port: number }) => p.port === port);
  if (!servicePort) throw new Error(`${overlay}: Service ${name} has no port ${port}`);
  const selected = pods(overlay).filter((p) => selects({ matchLabels: service.spec.selector }, p.labels));
  if (selected.length === 0) throw new Error(`${overlay}: Service ${name} selects no pod`);
  const target = servicePort.targetPort ?? port;
  const containerPort = typeof target === 'number' ? target : selected[0]!.ports![target];
  if (containerPort === undefined) throw new Error(`${overlay}: ${name} has no container port ${target}`);
  return { to: selected, port: containerPort };
}

/** The peer addresses a service's code reads (`*_SVC_URL`, `AUTH_JWKS_URL` in <svc>/src/config.ts). */
function peerVariables(svc: string): string[] {
  const source = fs.readFileSync(path.join(ROOT_DIR, svc, 'src', 'config.ts'), 'utf8');
  return [...source.matchAll(/^\s*([A-Z][A-Z0-9_]*_(?:SVC|JWKS)_URL)\s*:/gm)].map((m) => m[1]!);
}

/** The credential keys a Deployment takes from its Secret (MYSQL_URL, REDIS_URL, MYSQL_REPLICA_URL, …). */
const secretKeys = (d: K8sObject): string[] =>
  d.spec.template.spec.containers[0].env
    .filter((e: { valueFrom?: { secretKeyRef?: unknown } }) => e.valueFrom?.secretKeyRef)
    .map((e: { name: string }) => e.name);

/** In prod the data stores are outside the cluster, at the addresses overlays/prod/external-data.yaml names. */
function externalStore(overlay: Overlay, policy: string): Endpoint {
  const cidr = named(overlay, 'NetworkPolicy', policy).spec.egress[0].to[0].ipBlock.cidr as string;
  return { name: `${policy} (${cidr})`, ip: cidr.split('/')[0]! };
}

/** The Secret keys that locate a data store, and where prod puts each one (its NetworkPolicy and port). */
const STORE_KEYS = {
  MYSQL_URL: { policy: 'external-mysql-clients', port: 3306 },
  MYSQL_REPLICA_URL: { policy: 'external-mysql-replica-clients', port: 3306 },
  REDIS_URL: { policy: 'external-redis-clients', port: 6379 },
} as const;
type StoreKey = keyof typeof STORE_KEYS;
const isStoreKey = (key: string): key is StoreKey => Object.hasOwn(STORE_KEYS, key);

/**
 * Where a service's MYSQL_URL / MYSQL_REPLICA_URL / REDIS_URL leads in this overlay: dev's Secrets name in-cluster
 * Services (a key its Secret leaves out, such as the optional replica, leads nowhere); prod renders no Secret, and
 * every key leads to the external address prod names for it.
 */
function dataStore(overlay: Overlay, svc: string, key: StoreKey): { to: Endpoint[]; port: number } | undefined {
  const secret = ofKind(overlay, 'Secret').find((s) => s.metadata.name === `${svc}-secrets`);
  if (secret) {
    if (secret.data[key] === undefined) return undefined;
    const url = new URL(Buffer.from(secret.data[key], 'base64').toString());
    return resolve(overlay, `${url.hostname}:${url.port}`);
  }
  return { to: [externalStore(overlay, STORE_KEYS[key].policy)], port: STORE_KEYS[key].port };
}
const requiredStore = (overlay: Overlay, svc: string, key: StoreKey) => {
  const found = dataStore(overlay, svc, key);
  if (!found) throw new Error(`${overlay}: ${svc}-secrets has no ${key}`);
  return found;
};

/**
 * Where paste-svc's CONTENT_STORE leads: nowhere for `database`; for `s3://…` the host its S3 client calls, a Service
 * of the overlay if the host is one, else the address prod's external-object-store-clients names.
 */
function objectStore(overlay: Overlay, deployment: K8sObject): { to: Endpoint[]; port: number } | undefined {
  const url = objectStoreUrl(environment(overlay, deployment));
  if (!url) return undefined;
  const inCluster = url.hostname.split('.').length <= 2 || url.hostname.endsWith('.svc.cluster.local');
  if (inCluster) return resolve(overlay, `${url.hostname}:${urlPort(url)}`);
  return { to: [externalStore(overlay, 'external-object-store-clients')], port: urlPort(url) };
}

/** Every flow the code and configuration use, derived from the rendered overlay (not restated by hand). */
function usedFlows(overlay: Overlay): Flow[] {
  const flows: Flow[] = [];
  const add = (from: Endpoint, target: { to: Endpoint[]; port: number }, why: string, protocol?: Protocol) => {
    for (const to of target.to) flows.push({ from, to, port: target.port, why, protocol });
  };
  const config = named(overlay, 'ConfigMap', 'pastemesh-config').data as Record<string, string>;
  for (const svc of SERVICES) {
    const from = pod(overlay, svc);
    for (const variable of peerVariables(svc)) add(from, resolve(overlay, config[variable]!), variable);
    const deployment = named(overlay, 'Deployment', svc);
    for (const key of secretKeys(deployment).filter(isStoreKey)) {
      const store = dataStore(overlay, svc, key);
      if (store) add(from, store, key);
    }
    const contentStore = objectStore(overlay, deployment);
    if (contentStore) add(from, contentStore, 'CONTENT_STORE');
    add(from, resolve(overlay, config.OTEL_EXPORTER_OTLP_ENDPOINT!), 'OTEL_EXPORTER_OTLP_ENDPOINT');
  }
  // The edge: the internet reaches the ingress gateway's Service; it routes to the gateway and fetches the JWKS.
  const ingress = pod(overlay, 'pastemesh-ingressgateway');
  for (const p of named(overlay, 'Service', 'pastemesh-ingressgateway').spec.ports)
    flows.push({ from: INTERNET, to: ingress, port: p.targetPort, why: `LoadBalancer ${p.port}` });
  for (const route of named(overlay, 'VirtualService', 'gateway').spec.http)
    for (const d of route.route)
      add(ingress, resolve(overlay, `${d.destination.host}:${d.destination.port.number}`), `route ${route.name}`);
  for (const rule of ofKind(overlay, 'RequestAuthentication').flatMap((r) => r.spec.jwtRules))
    add(ingress, resolve(overlay, rule.jwksUri), 'edge JWKS');
  // Every pod: DNS, istiod, spans from its sidecar (meshConfig's otel-tracing provider); Prometheus scrapes it.
  const provider = parse(fs.readFileSync(path.join(ISTIO_DIR, 'mesh-config.yaml'), 'utf8')).spec.meshConfig
    .extensionProviders[0].opentelemetry;
  for (const from of [...pods(overlay), PASTECTL]) {
    flows.push({ from, to: KUBE_DNS, port: 53, protocol: 'UDP', why: 'DNS' });
    flows.push({ from, to: KUBE_DNS, port: 53, why: 'DNS over TCP' });
    flows.push({ from, to: ISTIOD, port: 15012, why: 'xDS and certificates' });
    if (from.name !== 'otel-collector')
      add(from, resolve(overlay, `${provider.service}:${provider.port}`), 'Envoy spans');
  }
  for (const to of pods(overlay)) {
    if (to.annotations['prometheus.io/scrape'] !== 'true') continue;
    flows.push({ from: PROMETHEUS, to, port: 15020, why: 'merged metrics' });
    flows.push({ from: PROMETHEUS, to, port: Number(to.annotations['prometheus.io/port']), why: 'metrics port' });
  }
  // The collector forwards to the backend its Deployment names.
  const collector = named(overlay, 'Deployment', 'otel-collector').spec.template.spec.containers[0];
  const backend = collector.env.find((e: { name: string }) => e.name === 'TRACES_BACKEND_ENDPOINT').value;
  add(pod(overlay, 'otel-collector'), resolve(overlay, backend), 'TRACES_BACKEND_ENDPOINT');
  return flows;
}

/** Flows nothing in Pastemesh makes: each must be refused at layer 4 as well. */
function unusedFlows(overlay: Overlay): Flow[] {
  const p = (name: string) => pod(overlay, name);
  const mysql = requiredStore(overlay, 'auth-svc', 'MYSQL_URL');
  const redis = requiredStore(overlay, 'auth-svc', 'REDIS_URL');
  // paste-svc's own stores where the overlay has them (prod): the content bucket and the read replica.
  const pasteOnly = [
    objectStore(overlay, named(overlay, 'Deployment', 'paste-svc')),
    dataStore(overlay, 'paste-svc', 'MYSQL_REPLICA_URL'),
  ].flatMap((store) =>
    store
      ? ['gateway', 'auth-svc', 'analytics-svc', 'otel-collector'].map(
          (name): Flow => ({
            from: p(name),
            to: store.to[0]!,
            port: store.port,
            why: 'only paste-svc uses its bucket and replica',
          }),
        )
      : [],
  );
  return [
    ...pasteOnly,
    { from: p('gateway'), to: mysql.to[0]!, port: mysql.port, why: 'the gateway has no database' },
    { from: p('analytics-svc'), to: p('paste-svc'), port: 5002, why: 'analytics never calls paste-svc' },
    { from: p('analytics-svc'), to: redis.to[0]!, port: redis.port, why: 'analytics-svc has no Redis' },
    { from: p('auth-svc'), to: p('paste-svc'), port: 5002, why: 'auth-svc calls no service' },
    { from: p('paste-svc'), to: p('gateway'), port: 5000, why: 'nobody inside calls the gateway' },
    { from: p('pastemesh-ingressgateway'), to: p('gateway'), port: 9000, why: 'the admin port is never public' },
    { from: p('pastemesh-ingressgateway'), to: p('auth-svc'), port: 5001, why: 'the edge routes only to the gateway' },
    { from: INTERNET, to: p('gateway'), port: 5000, why: 'only through the ingress gateway' },
    { from: IMPOSTOR, to: p('auth-svc'), port: 5001, why: 'labels count only in pastemesh' },
    { from: IMPOSTOR, to: p('otel-collector'), port: 4318, why: 'spans only from the namespace' },
    { from: p('otel-collector'), to: mysql.to[0]!, port: mysql.port, why: 'the collector has no database' },
    { from: p('otel-collector'), to: INTERNET, port: 4317, why: 'only the backend namespace' },
    { from: p('paste-svc'), to: INTERNET, port: 443, why: 'no egress to the internet' },
    { from: PASTECTL, to: p('gateway'), port: 5000, why: 'pastectl calls the services directly' },
    { from: PASTECTL, to: p('auth-svc'), port: 9001, why: 'pastectl has no business on admin ports' },
    { from: PROMETHEUS, to: p('auth-svc'), port: 5001, why: 'Prometheus only scrapes' },
    { from: p('gateway'), to: { ...ISTIOD, name: 'istiod webhook' }, port: 15017, why: 'only the API server calls it' },
  ];
}

describe('the NetworkPolicy evaluator', () => {
  const np = (name: string, spec: object): K8sObject => ({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name, namespace: 'ns' },
    spec,
  });
  const a: Endpoint = { name: 'a', namespace: 'ns', labels: { app: 'a' }, ports: { web: 8080 } };
  const b: Endpoint = { name: 'b', namespace: 'ns', labels: { app: 'b' }, ports: { web: 8080 } };
  const elsewhere: Endpoint = { name: 'c', namespace: 'other', labels: { app: 'a' } };
  const denyAll = np('deny', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] });

  it('allows everything while no policy selects a pod, and nothing once a default deny does', () => {
    expect(allows([], a, b, 80)).toBe(true);
    expect(allows([denyAll], a, b, 80)).toBe(false);
  });

  it('needs both the source’s egress and the destination’s ingress', () => {
    const out = np('out', { podSelector: { matchLabels: { app: 'a' } }, policyTypes: ['Egress'], egress: [{}] });
    const into = np('in', { podSelector: { matchLabels: { app: 'b' } }, policyTypes: ['Ingress'], ingress: [{}] });
    expect(allows([denyAll, out], a, b, 80)).toBe(false);
    expect(allows([denyAll, into], a, b, 80)).toBe(false);
    expect(allows([denyAll, out, into], a, b, 80)).toBe(true);
  });

  it('reads a podSelector in the policy’s namespace only, and namespaceSelector with podSelector as one peer (AND)', () => {
    const into = (from: object[]) =>
      np('in', { podSelector: { matchLabels: { app: 'b' } }, policyTypes: ['Ingress'], ingress: [{ from }] });
    expect(allows([into([{ podSelector: { matchLabels: { app: 'a' } } }])], elsewhere, b, 80)).toBe(false);
    const both = {
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'other' } },
      podSelector: { matchLabels: { app: 'a' } },
    };
    expect(allows([into([both])], elsewhere, b, 80)).toBe(true);
    expect(allows([into([both])], { ...elsewhere, labels: { app: 'z' } }, b, 80)).toBe(false);
  });

  it('matches ports by number, range, name and protocol (TCP by default)', () => {
    const into = (ports: object[]) =>
      np('in', { podSelector: {}, policyTypes: ['Ingress'], ingress: [{ from: [{ podSelector: {} }], ports }] });
    expect(allows([into([{ port: 9000, endPort: 9003 }])], a, b, 9002)).toBe(true);
    expect(allows([into([{ port: 9000, endPort: 9003 }])], a, b, 9004)).toBe(false);
    expect(allows([into([{ port: 'web' }])], a, b, 8080)).toBe(true);
    expect(allows([into([{ port: 53 }])], a, b, 53, 'UDP')).toBe(false);
    expect(allows([into([{ port: 53, protocol: 'UDP' }])], a, b, 53, 'UDP')).toBe(true);
  });

  it('matches ipBlocks (with except) against addresses outside the cluster, never against pods', () => {
    const out = np('out', {
      podSelector: {},
      policyTypes: ['Egress'],
      egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/8', except: ['10.1.0.0/16'] } }] }],
    });
    expect(allows([out], a, { name: 'x', ip: '10.2.3.4' }, 5432)).toBe(true);
    expect(allows([out], a, { name: 'x', ip: '10.1.3.4' }, 5432)).toBe(false);
    expect(allows([out], a, b, 5432)).toBe(false);
    expect(inCidr('192.0.2.10', '192.0.2.10/32')).toBe(true);
  });

  it('always lets the node reach its pods (kubelet probes)', () => {
    expect(allows([denyAll], NODE, b, 15021)).toBe(true);
  });

  it('reads matchExpressions In, NotIn, Exists and DoesNotExist', () => {
    const sel = (operator: string, values?: string[]) => ({ matchExpressions: [{ key: 'app', operator, values }] });
    expect(selects(sel('In', ['a', 'b']) as never, { app: 'b' })).toBe(true);
    expect(selects(sel('NotIn', ['a']) as never, { app: 'a' })).toBe(false);
    expect(selects(sel('Exists') as never, {})).toBe(false);
    expect(selects(sel('DoesNotExist') as never, {})).toBe(true);
  });
});

describe.each(OVERLAYS)('network policies in %s', (overlay: Overlay) => {
  it('deny all ingress and egress for every pod in the namespace by default', () => {
    const deny = named(overlay, 'NetworkPolicy', 'default-deny');
    expect(deny.metadata.namespace).toBe(NS);
    expect(deny.spec).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
  });

  it('isolate every pod in both directions, pastectl included', () => {
    for (const p of [...pods(overlay), PASTECTL]) {
      for (const direction of ['Ingress', 'Egress'])
        expect([p.name, direction, policiesOf(overlay).some((n) => isolates(n, p, direction))]).toEqual([
          p.name,
          direction,
          true,
        ]);
    }
  });

  it('state their policy types and give every port a protocol and a number (no named ports to drift)', () => {
    for (const n of policiesOf(overlay)) {
      expect([n.metadata.name, Array.isArray(n.spec.policyTypes)]).toEqual([n.metadata.name, true]);
      const rules = [...(n.spec.ingress ?? []), ...(n.spec.egress ?? [])];
      for (const port of rules.flatMap((r: { ports?: object[] }) => r.ports ?? []) as {
        protocol?: string;
        port?: unknown;
      }[])
        expect([n.metadata.name, port.protocol, typeof port.port]).toEqual([
          n.metadata.name,
          expect.stringMatching(/^(TCP|UDP)$/),
          'number',
        ]);
    }
  });

  it('allow every flow the code and configuration use', () => {
    const flows = usedFlows(overlay);
    expect(flows.length).toBeGreaterThan(40);
    expect(verdicts(overlay, flows).filter(([, ok]) => !ok)).toEqual([]);
  });

  it('refuse flows the mesh never uses (gateway → MySQL, analytics-svc → paste-svc, the internet past the edge, …)', () => {
    expect(verdicts(overlay, unusedFlows(overlay)).filter(([, ok]) => ok)).toEqual([]);
  });

  it('allow every caller and port an AuthorizationPolicy allows inside the namespace (layer 4 never blocks what layer 7 grants)', () => {
    const byAccount = new Map<string, Endpoint[]>([['pastectl', [PASTECTL]]]);
    for (const p of pods(overlay)) byAccount.set(p.serviceAccount, [...(byAccount.get(p.serviceAccount) ?? []), p]);
    const denied: string[] = [];
    for (const policy of ofKind(overlay, 'AuthorizationPolicy').filter((a) => a.spec.action === 'ALLOW')) {
      const targets = pods(overlay).filter((p) => policy.spec.selector && selects(policy.spec.selector, p.labels));
      for (const rule of policy.spec.rules ?? []) {
        const principals: string[] = (rule.from ?? []).flatMap(
          (f: { source: { principals?: string[] } }) => f.source.principals ?? [],
        );
        const callers = principals.flatMap((pr) =>
          pr === 'cluster.local/ns/istio-system/sa/prometheus'
            ? [PROMETHEUS]
            : (byAccount.get(pr.replace(`cluster.local/ns/${NS}/sa/`, '')) ?? []),
        );
        const ports: string[] = (rule.to ?? []).flatMap(
          (t: { operation: { ports?: string[] } }) => t.operation.ports ?? [],
        );
        for (const to of targets)
          for (const from of callers)
            for (const port of ports)
              if (!allows(policiesOf(overlay), from, to, Number(port)))
                denied.push(`${policy.metadata.name}: ${from.name} → ${to.name}:${port}`);
      }
    }
    expect(denied).toEqual([]);
  });

  it('open no port between Pastemesh pods that the AuthorizationPolicies keep closed (the collector excepted: any pod may send it spans, its policy names who)', () => {
    const authz = ofKind(overlay, 'AuthorizationPolicy').filter((a) => a.spec.action === 'ALLOW');
    const l7Allows = (from: Endpoint & { serviceAccount?: string }, to: Endpoint, port: number) =>
      authz.some(
        (a) =>
          a.spec.selector &&
          selects(a.spec.selector, to.labels) &&
          (a.spec.rules ?? []).some(
            (r: { from?: { source: { principals?: string[] } }[]; to?: { operation: { ports?: string[] } }[] }) =>
              r.from?.some((f) =>
                f.source.principals?.includes(`cluster.local/ns/${NS}/sa/${from.serviceAccount ?? from.name}`),
              ) && r.to?.some((t) => t.operation.ports?.includes(String(port))),
          ),
      );
    const wider: string[] = [];
    for (const from of [...pods(overlay), PASTECTL])
      for (const to of pods(overlay).filter((p) => p.name !== 'otel-collector' && p !== from))
        for (const port of Object.values(to.ports ?? {}))
          if (allows(policiesOf(overlay), from, to, port) && !l7Allows(from, to, port))
            wider.push(`${from.name} → ${to.name}:${port}`);
    expect(wider).toEqual([]);
  });
});

describe('the NetworkPolicies per environment', () => {
  it('let prod’s paste-svc reach its content bucket on 443 and its read replica on 3306, and dev has neither', () => {
    const toStores = (overlay: Overlay) =>
      usedFlows(overlay)
        .filter((f) => f.why === 'CONTENT_STORE' || f.why === 'MYSQL_REPLICA_URL')
        .map((f) => [f.from.name, f.to.name, f.port, allows(policiesOf(overlay), f.from, f.to, f.port)]);
    for (const overlay of PROD_OVERLAYS)
      expect(toStores(overlay)).toEqual([
        ['paste-svc', expect.stringMatching(/^external-mysql-replica-clients /), 3306, true],
        ['paste-svc', expect.stringMatching(/^external-object-store-clients /), 443, true],
      ]);
    for (const overlay of ['dev', 'dev-chaos'] as const) {
      expect(toStores(overlay)).toEqual([]);
      const names = ofKind(overlay, 'NetworkPolicy').map((n) => n.metadata.name);
      expect(names).not.toContain('external-object-store-clients');
      expect(names).not.toContain('external-mysql-replica-clients');
    }
  });

  it('let the dev services reach the in-cluster MySQL and Redis, and prod only the external addresses', () => {
    expect(ofKind('dev', 'NetworkPolicy').map((n) => n.metadata.name)).toEqual(
      expect.arrayContaining(['mysql', 'mysql-clients', 'redis', 'redis-clients']),
    );
    for (const overlay of ['prod', 'prod-canary'] as const) {
      const names = ofKind(overlay, 'NetworkPolicy').map((n) => n.metadata.name);
      expect(names).toEqual(
        expect.arrayContaining([
          'external-mysql-clients',
          'external-mysql-replica-clients',
          'external-redis-clients',
          'external-object-store-clients',
        ]),
      );
      expect(names).not.toContain('mysql');
      const cidrs = ofKind(overlay, 'NetworkPolicy')
        .flatMap((n) => n.spec.egress ?? [])
        .flatMap((r: { to?: { ipBlock?: { cidr: string } }[] }) => r.to ?? [])
        .flatMap((peer) => (peer.ipBlock ? [peer.ipBlock.cidr] : []));
      // Only the data stores' addresses (or small subnets): no rule opens a wide range such as 0.0.0.0/0.
      expect(cidrs.length).toBeGreaterThanOrEqual(2);
      for (const cidr of cidrs) expect([cidr, Number(cidr.split('/')[1]) >= 24]).toEqual([cidr, true]);
    }
  });

  it('send the collector’s traffic to the namespace of the backend each overlay names', () => {
    for (const overlay of OVERLAYS) {
      const backend = named(overlay, 'Deployment', 'otel-collector').spec.template.spec.containers[0].env.find(
        (e: { name: string }) => e.name === 'TRACES_BACKEND_ENDPOINT',
      ).value as string;
      const egress = named(overlay, 'NetworkPolicy', 'otel-collector').spec.egress;
      expect(egress).toEqual([
        {
          to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': backend.split(/[.:]/)[1] } } }],
          ports: [{ protocol: 'TCP', port: Number(backend.split(':')[1]) }],
        },
      ]);
    }
  });

  it('explain themselves: every NetworkPolicy in istio/ starts with a comment saying why', () => {
    const missing: string[] = [];
    const walk = (dir: string) => {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(full);
        else if (entry.name.endsWith('.yaml')) {
          // Each YAML document of the file; a policy's own comment is the first thing in its document.
          for (const doc of fs.readFileSync(full, 'utf8').split(/^---$/m)) {
            const object = parse(doc) as K8sObject | null;
            if (object?.kind === 'NetworkPolicy' && !doc.trimStart().startsWith('#'))
              missing.push(`${path.relative(ISTIO_DIR, full)}: ${object.metadata.name}`);
          }
        }
      }
    };
    walk(ISTIO_DIR);
    expect(missing).toEqual([]);
    expect(render('dev').filter((o) => o.kind === 'NetworkPolicy').length).toBeGreaterThan(10);
  });
});

/** Whether a NetworkPolicy isolates `pod` in `direction` (selects it and has that policy type). */
function isolates(policy: K8sObject, pod: Endpoint, direction: string): boolean {
  return (
    policy.metadata.namespace === pod.namespace &&
    (policy.spec.policyTypes ?? ['Ingress']).includes(direction) &&
    selects(policy.spec.podSelector ?? {}, pod.labels)
  );
}

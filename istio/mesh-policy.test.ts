import { describe, expect, it } from '@jest/globals';
import {
  NEVER_SERVED_RETRY_ON,
  OVERLAYS,
  PROD_OVERLAYS,
  READ_RPC,
  SAFE_RETRY_ON,
  SERVICES,
  durationMs,
  named,
  ofKind,
  protoRpcs,
  type K8sObject,
  type Overlay,
} from './render-overlays.js';

const principal = (sa: string) => `cluster.local/ns/pastemesh/sa/${sa}`;
const INGRESS = principal('pastemesh-ingressgateway');
const host = (svc: string) => `${svc}.pastemesh.svc.cluster.local`;
const rpcs = protoRpcs();
const rpcPaths = new Set(rpcs.map((r) => r.path));
const backendOf = (rpcService: string) =>
  ({ auth: 'auth-svc', paste: 'paste-svc', analytics: 'analytics-svc' })[rpcService.split('.')[1]!]!;

interface Rule {
  from?: { source: { principals?: string[]; notRequestPrincipals?: string[] } }[];
  to?: { operation: { ports?: string[]; paths?: string[]; methods?: string[] } }[];
  when?: unknown[];
}

/** The ALLOW rules that let `caller` reach `path` on `svc` (empty: denied). */
function allowing(overlay: Overlay, svc: string, caller: string, path: string): Rule[] {
  return ofKind(overlay, 'AuthorizationPolicy')
    .filter((p) => p.spec.action === 'ALLOW' && p.spec.selector?.matchLabels?.app === svc)
    .flatMap((p) => p.spec.rules as Rule[])
    .filter(
      (r) =>
        r.from?.some((f) => f.source.principals?.includes(caller)) &&
        r.to?.some((t) => t.operation.paths?.includes(path)),
    );
}

interface Route {
  name: string;
  match?: { uri?: { exact?: string; prefix?: string }; headers?: unknown; port?: number; method?: unknown }[];
  timeout?: string;
  retries?: { attempts: number; retryOn?: string; perTryTimeout?: string };
  route: { destination: { host: string; subset?: string }; weight?: number }[];
  fault?: unknown;
}
const routesOf = (vs: K8sObject) => vs.spec.http as Route[];
/** Every route a gRPC call to `path` can take: header routes, routes matching its path, and catch-alls. */
function routesFor(vs: K8sObject, path: string): Route[] {
  return routesOf(vs).filter(
    (r) =>
      !r.match ||
      r.match.some(
        (m) =>
          (!m.uri && !m.port && !m.method) ||
          m.uri?.exact === path ||
          (m.uri?.prefix !== undefined && path.startsWith(m.uri.prefix)),
      ),
  );
}

describe.each(OVERLAYS)('mesh policy in %s', (overlay: Overlay) => {
  it('enforces STRICT mTLS for the whole namespace', () => {
    const peer = ofKind(overlay, 'PeerAuthentication');
    expect(peer).toHaveLength(1);
    expect(peer[0]!.spec).toEqual({ mtls: { mode: 'STRICT' } });
    expect(peer[0]!.metadata.namespace).toBe('pastemesh');
  });

  it('denies by default with a namespace-wide allow-nothing policy', () => {
    expect(named(overlay, 'AuthorizationPolicy', 'deny-all').spec ?? {}).toEqual({});
  });

  it('gives every Service in the namespace an AuthorizationPolicy and an ISTIO_MUTUAL DestinationRule with pools, outlier detection and v1/v2 subsets', () => {
    const services = ofKind(overlay, 'Service')
      .map((s) => s.metadata.name)
      .filter((n) => n !== 'pastemesh-ingressgateway');
    expect(services).toEqual(expect.arrayContaining([...SERVICES]));
    for (const svc of services) {
      const policies = ofKind(overlay, 'AuthorizationPolicy').filter(
        (p) => p.spec.selector?.matchLabels?.app === svc && p.spec.action === 'ALLOW',
      );
      expect([svc, policies.length]).toEqual([svc, 1]);
      const dr = named(overlay, 'DestinationRule', svc);
      expect(dr.spec.host).toBe(host(svc));
      expect(dr.spec.trafficPolicy.tls).toEqual({ mode: 'ISTIO_MUTUAL' });
      expect(dr.spec.trafficPolicy.connectionPool.tcp.maxConnections).toBeGreaterThan(0);
      if ((SERVICES as readonly string[]).includes(svc)) {
        expect(dr.spec.trafficPolicy.connectionPool.http.http2MaxRequests).toBeGreaterThan(0);
        expect(dr.spec.trafficPolicy.outlierDetection.consecutiveGatewayErrors).toBeGreaterThan(0);
        expect(dr.spec.subsets).toEqual([
          { name: 'v1', labels: { version: 'v1' } },
          { name: 'v2', labels: { version: 'v2' } },
        ]);
      }
    }
  });

  it('lets only the ingress gateway reach the GraphQL port, and nobody else reach the gateway', () => {
    const rules = named(overlay, 'AuthorizationPolicy', 'gateway').spec.rules as Rule[];
    const graphql = rules.filter((r) => r.to?.some((t) => t.operation.ports?.includes('5000')));
    expect(graphql.flatMap((r) => r.from!.flatMap((f) => f.source.principals))).toEqual([INGRESS]);
  });

  it('lets the gateway call every auth and paste RPC and every analytics RPC except paste events', () => {
    for (const rpc of rpcs.filter((r) => !r.service.includes('errors'))) {
      const allowed = allowing(overlay, backendOf(rpc.service), principal('gateway'), rpc.path).length > 0;
      expect([rpc.path, allowed]).toEqual([rpc.path, rpc.method !== 'RecordPasteEvents']);
    }
  });

  it('lets paste-svc call analytics for RecordPasteEvents only and auth for VerifyToken only', () => {
    const reachable = rpcs.filter(
      (r) =>
        r.service !== 'pastemesh.paste.v1.PasteService' &&
        allowing(overlay, backendOf(r.service), principal('paste-svc'), r.path).length > 0,
    );
    expect(reachable.map((r) => r.path).sort()).toEqual([
      '/pastemesh.analytics.v1.AnalyticsService/RecordPasteEvents',
      '/pastemesh.auth.v1.AuthService/VerifyToken',
    ]);
  });

  it('lets analytics-svc call auth for VerifyToken only (API keys sent to it directly) and nothing else', () => {
    const reachable = rpcs.filter(
      (r) =>
        !r.service.includes('errors') &&
        allowing(overlay, backendOf(r.service), principal('analytics-svc'), r.path).length > 0,
    );
    expect(reachable.map((r) => r.path)).toEqual(['/pastemesh.auth.v1.AuthService/VerifyToken']);
  });

  it('never lets analytics-svc call paste-svc (no ALLOW rule, and a DENY that outranks any future one)', () => {
    for (const rpc of rpcs.filter((r) => r.service === 'pastemesh.paste.v1.PasteService'))
      expect(allowing(overlay, 'paste-svc', principal('analytics-svc'), rpc.path)).toEqual([]);
    const deny = named(overlay, 'AuthorizationPolicy', 'paste-svc-deny-analytics');
    expect(deny.spec).toEqual({
      selector: { matchLabels: { app: 'paste-svc' } },
      action: 'DENY',
      rules: [{ from: [{ source: { principals: [principal('analytics-svc')] } }] }],
    });
  });

  it('lets the tools account reach only the admin RPCs', () => {
    const reachable = rpcs.filter(
      (r) =>
        !r.service.includes('errors') &&
        allowing(overlay, backendOf(r.service), principal('pastectl'), r.path).length > 0,
    );
    expect(reachable.map((r) => r.method).sort()).toEqual(['DeletePaste', 'SetUserRole', 'UsageSummary']);
  });

  it('serves the JWKS on auth-svc admin port to the verifiers and /metrics on every admin port to Prometheus only', () => {
    const jwks = (named(overlay, 'AuthorizationPolicy', 'auth-svc').spec.rules as Rule[]).filter((r) =>
      r.to?.some((t) => t.operation.paths?.includes('/.well-known/jwks.json')),
    );
    expect(jwks).toHaveLength(1);
    expect(jwks[0]!.to![0]!.operation).toEqual({
      ports: ['9001'],
      methods: ['GET'],
      paths: ['/.well-known/jwks.json'],
    });
    expect(jwks[0]!.from![0]!.source.principals!.sort()).toEqual(
      [principal('analytics-svc'), principal('gateway'), INGRESS, principal('paste-svc')].sort(),
    );
    for (const [svc, port] of [
      ['gateway', '9000'],
      ['auth-svc', '9001'],
      ['paste-svc', '9002'],
      ['analytics-svc', '9003'],
    ] as const) {
      const admin = (named(overlay, 'AuthorizationPolicy', svc).spec.rules as Rule[]).filter((r) =>
        r.to?.some((t) => t.operation.paths?.includes('/metrics')),
      );
      expect(admin.map((r) => [r.from![0]!.source.principals, r.to![0]!.operation.ports])).toEqual([
        [['cluster.local/ns/istio-system/sa/prometheus'], [port]],
      ]);
    }
  });

  it('names only RPCs that exist in the contracts in its policies and routes', () => {
    const named_ = [
      ...ofKind(overlay, 'AuthorizationPolicy').flatMap((p) =>
        ((p.spec.rules ?? []) as Rule[]).flatMap((r) => (r.to ?? []).flatMap((t) => t.operation.paths ?? [])),
      ),
      ...ofKind(overlay, 'VirtualService').flatMap((vs) =>
        routesOf(vs).flatMap((r) => (r.match ?? []).map((m) => m.uri?.exact).filter(Boolean) as string[]),
      ),
    ].filter((p) => p.startsWith('/pastemesh.'));
    expect(named_.length).toBeGreaterThan(40);
    for (const p of named_) expect([p, rpcPaths.has(p)]).toEqual([p, true]);
  });

  it('puts a timeout on every route, shorter inside the mesh than at the edge', () => {
    const edge = Math.min(...routesOf(named(overlay, 'VirtualService', 'gateway')).map((r) => durationMs(r.timeout!)));
    for (const vs of ofKind(overlay, 'VirtualService')) {
      for (const r of routesOf(vs)) {
        expect([vs.metadata.name, r.name, typeof r.timeout]).toEqual([vs.metadata.name, r.name, 'string']);
        if (vs.metadata.name !== 'gateway') expect(durationMs(r.timeout!)).toBeLessThan(edge);
        if (r.retries?.perTryTimeout)
          expect(durationMs(r.retries.perTryTimeout) * (r.retries.attempts + 1)).toBeLessThanOrEqual(
            durationMs(r.timeout!) * 1.5,
          );
      }
    }
  });

  it('states retries on every route (Istio otherwise retries twice) and retries only on unavailable or connection failures', () => {
    for (const vs of ofKind(overlay, 'VirtualService')) {
      for (const r of routesOf(vs)) {
        expect([vs.metadata.name, r.name, typeof r.retries?.attempts]).toEqual([vs.metadata.name, r.name, 'number']);
        for (const on of (r.retries!.retryOn ?? '').split(',').filter(Boolean))
          expect([vs.metadata.name, r.name, on, SAFE_RETRY_ON.has(on)]).toEqual([vs.metadata.name, r.name, on, true]);
      }
    }
  });

  it('never retries a write RPC on any route it can take, and retries RevealPaste (it burns) only when it never reached paste-svc', () => {
    for (const rpc of rpcs.filter((r) => !r.service.includes('errors'))) {
      const vs = named(overlay, 'VirtualService', backendOf(rpc.service));
      for (const r of routesFor(vs, rpc.path)) {
        const retried = r.retries!.attempts > 0;
        // RevealPaste may be retried when it provably never ran (below); any other write never.
        if (!READ_RPC.test(rpc.method) && rpc.method !== 'RevealPaste')
          expect([rpc.path, r.name, retried]).toEqual([rpc.path, r.name, false]);
        if (rpc.method === 'RevealPaste' && retried) {
          for (const on of r.retries!.retryOn!.split(',')) expect(NEVER_SERVED_RETRY_ON.has(on)).toBe(true);
        }
      }
      // The first matching non-header route decides ordinary traffic: reads go to the retrying read route.
      const first = routesFor(vs, rpc.path).find((r) => !r.match?.some((m) => m.headers))!;
      if (READ_RPC.test(rpc.method)) expect([rpc.path, first.retries!.attempts]).toEqual([rpc.path, 2]);
    }
  });

  it('never retries POST at the edge (GraphQL mutations) and retries GET only if it never reached the gateway', () => {
    for (const r of routesOf(named(overlay, 'VirtualService', 'gateway'))) {
      if (r.retries!.attempts > 0) {
        expect(r.match).toEqual([{ method: { exact: 'GET' } }]);
        for (const on of r.retries!.retryOn!.split(',')) expect(NEVER_SERVED_RETRY_ON.has(on)).toBe(true);
      }
    }
  });

  it('routes x-pastemesh-canary: v2 to the v2 subset of every service, unretried', () => {
    for (const svc of SERVICES) {
      const header = routesOf(named(overlay, 'VirtualService', svc))[0]!;
      expect(header.match).toEqual([{ headers: { 'x-pastemesh-canary': { exact: 'v2' } } }]);
      expect(header.route).toEqual([{ destination: expect.objectContaining({ host: host(svc), subset: 'v2' }) }]);
      expect(header.retries!.attempts).toBe(0);
    }
  });

  it('exposes the gateway at the edge over TLS with the ingress Gateway, redirecting plain HTTP', () => {
    const gw = named(overlay, 'Gateway', 'pastemesh-ingress');
    const https = gw.spec.servers.find((s: { port: { protocol: string } }) => s.port.protocol === 'HTTPS');
    expect(https.tls).toMatchObject({ mode: 'SIMPLE', credentialName: 'pastemesh-tls' });
    expect(gw.spec.servers.find((s: { port: { protocol: string } }) => s.port.protocol === 'HTTP').tls).toEqual({
      httpsRedirect: true,
    });
    const vs = named(overlay, 'VirtualService', 'gateway');
    expect(vs.spec.gateways).toEqual(['pastemesh-ingress', 'mesh']);
    expect(vs.spec.hosts[0]).toBe(https.hosts[0]);
  });

  it('verifies auth-svc JWTs at the ingress and refuses requests whose credential is neither a valid token nor an API key', () => {
    const ra = ofKind(overlay, 'RequestAuthentication');
    expect(ra).toHaveLength(1);
    expect(ra[0]!.spec.selector.matchLabels).toEqual({ istio: 'pastemesh-ingressgateway' });
    expect(ra[0]!.spec.jwtRules).toEqual([
      expect.objectContaining({
        issuer: 'pastemesh-auth',
        audiences: ['pastemesh'],
        jwksUri: 'http://auth-svc.pastemesh.svc.cluster.local:9001/.well-known/jwks.json',
      }),
    ]);
    const deny = named(overlay, 'AuthorizationPolicy', 'edge-require-valid-token').spec;
    expect(deny.action).toBe('DENY');
    expect(deny.rules[0].from[0].source.notRequestPrincipals).toEqual(['pastemesh-auth/*']);
    expect(deny.rules[0].when[0]).toEqual({
      key: 'request.headers[authorization]',
      values: ['*'],
      notValues: ['Bearer pm_*', 'bearer pm_*'],
    });
    const lua = named(overlay, 'EnvoyFilter', 'edge-jwt-header').spec.configPatches[0].patch.value.typed_config
      .default_source_code.inline_string as string;
    expect(lua).toContain('headers:remove("x-pastemesh-edge-jwt")');
    expect(ra[0]!.spec.jwtRules[0].fromHeaders).toEqual([{ name: 'x-pastemesh-edge-jwt' }]);
  });

  it('samples traces with a Telemetry resource', () => {
    const pct = named(overlay, 'Telemetry', 'pastemesh').spec.tracing[0].randomSamplingPercentage;
    expect(pct).toBe(overlay.startsWith('prod') ? 1 : 100);
  });
});

describe('canary and chaos', () => {
  const weights = (overlay: Overlay) =>
    ofKind(overlay, 'VirtualService').flatMap((vs) =>
      routesOf(vs)
        .filter((r) => r.route.length === 2)
        .map((r) => [vs.metadata.name, r.name, r.route.map((d) => `${d.destination.subset}:${d.weight}`).join(' ')]),
    );

  it('sends all traffic to v1 in prod and 90/10 to v1/v2 during a prod canary', () => {
    expect(new Set(weights('prod').map((w) => w[2]))).toEqual(new Set(['v1:100 v2:0']));
    expect(new Set(weights('prod-canary').map((w) => w[2]))).toEqual(new Set(['v1:90 v2:10']));
    expect(weights('prod-canary').map((w) => w[0])).toEqual(expect.arrayContaining([...SERVICES]));
  });

  it('runs a v2 Deployment per service during a canary, labelled for the v2 subset, with its own pinned image', () => {
    for (const svc of SERVICES) {
      const v2 = named('prod-canary', 'Deployment', `${svc}-v2`);
      expect(v2.spec.template.metadata.labels).toMatchObject({ app: svc, version: 'v2' });
      expect(v2.spec.selector.matchLabels).toEqual({ app: svc, version: 'v2' });
      expect(v2.spec.template.spec.containers[0].image).toBe(`registry.example.com/pastemesh/${svc}:0.2.0`);
      expect(v2.spec.template.spec.serviceAccountName).toBe(svc);
    }
    expect(ofKind('prod', 'Deployment').map((d) => d.metadata.name)).not.toContain('paste-svc-v2');
  });

  it('injects delay and abort faults on analytics-svc only in the chaos drill overlay, never in prod', () => {
    const faults = (overlay: Overlay) =>
      ofKind(overlay, 'VirtualService').flatMap((vs) =>
        routesOf(vs)
          .filter((r) => r.fault)
          .map(() => vs.metadata.name),
      );
    const drill = routesOf(named('dev-chaos', 'VirtualService', 'analytics-svc'));
    expect(drill.every((r) => r.fault)).toBe(true);
    expect(drill[0]!.fault).toEqual({
      delay: { fixedDelay: '2.5s', percentage: { value: 20 } },
      abort: { grpcStatus: 'UNAVAILABLE', percentage: { value: 10 } },
    });
    expect(new Set(faults('dev-chaos'))).toEqual(new Set(['analytics-svc']));
    for (const overlay of [...PROD_OVERLAYS, 'dev'] as Overlay[]) expect(faults(overlay)).toEqual([]);
  });
});

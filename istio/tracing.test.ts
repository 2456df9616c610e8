import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';
import { ISTIO_DIR, OVERLAYS, SERVICES, environment, named, ofKind, render, type Overlay } from './render-overlays.js';

const principal = (sa: string) => `cluster.local/ns/pastemesh/sa/${sa}`;
const COLLECTOR_HOST = 'otel-collector.pastemesh.svc.cluster.local';
const meshConfig = parse(fs.readFileSync(path.join(ISTIO_DIR, 'mesh-config.yaml'), 'utf8'));

/** The collector's config file, from the ConfigMap its Deployment mounts (kustomize adds a content hash to the name). */
function collectorConfig(overlay: Overlay) {
  const volume = named(overlay, 'Deployment', 'otel-collector').spec.template.spec.volumes.find(
    (v: { name: string }) => v.name === 'config',
  );
  const file = volume.configMap.items[0].key as string;
  return parse(named(overlay, 'ConfigMap', volume.configMap.name).data[file]);
}

const collectorContainer = (overlay: Overlay) =>
  named(overlay, 'Deployment', 'otel-collector').spec.template.spec.containers[0];
const backendEndpoint = (overlay: Overlay) =>
  collectorContainer(overlay).env.find((e: { name: string }) => e.name === 'TRACES_BACKEND_ENDPOINT').value as string;

/** The Deployments that run each service: v1, plus the v2 canary track where the overlay has one. */
const serviceDeployments = (overlay: Overlay) =>
  ofKind(overlay, 'Deployment').filter((d) =>
    (SERVICES as readonly string[]).includes(d.spec.template.metadata.labels.app),
  );

const samplingPercent = (overlay: Overlay) =>
  named(overlay, 'Telemetry', 'pastemesh').spec.tracing[0].randomSamplingPercentage as number;

describe.each(OVERLAYS)('tracing in %s', (overlay: Overlay) => {
  it('runs an OpenTelemetry Collector pinned to a release, non-root, with limits and probes on the health_check port', () => {
    const c = collectorContainer(overlay);
    expect(c.image).toMatch(/^otel\/opentelemetry-collector-contrib:\d+\.\d+\.\d+$/);
    const pod = named(overlay, 'Deployment', 'otel-collector').spec.template.spec;
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: expect.any(Number) });
    expect(pod.securityContext.runAsUser).toBeGreaterThan(0);
    expect(pod.serviceAccountName).toBe('otel-collector');
    expect(named(overlay, 'ServiceAccount', 'otel-collector').automountServiceAccountToken).toBe(false);
    expect(c.resources.limits).toEqual({ cpu: expect.any(String), memory: expect.any(String) });
    const health = collectorConfig(overlay).extensions.health_check.endpoint as string;
    expect(health).toBe('0.0.0.0:13133');
    for (const probe of [c.readinessProbe, c.livenessProbe]) expect(probe.httpGet).toEqual({ path: '/', port: 13133 });
  });

  it('exposes OTLP gRPC on 4317 and OTLP HTTP on 4318 as the otel-collector Service, named for Istio', () => {
    const svc = named(overlay, 'Service', 'otel-collector');
    expect(svc.spec.ports).toEqual([
      { name: 'grpc-otlp', port: 4317, targetPort: 'grpc-otlp', appProtocol: 'grpc' },
      { name: 'http-otlp', port: 4318, targetPort: 'http-otlp', appProtocol: 'http' },
    ]);
    expect(collectorContainer(overlay).ports).toEqual(
      expect.arrayContaining([
        { name: 'grpc-otlp', containerPort: 4317 },
        { name: 'http-otlp', containerPort: 4318 },
      ]),
    );
  });

  it('receives OTLP, limits memory first and batches last, and exports OTLP gRPC to the backend named by TRACES_BACKEND_ENDPOINT', () => {
    const config = collectorConfig(overlay);
    expect(config.receivers.otlp.protocols).toEqual({
      grpc: { endpoint: '0.0.0.0:4317' },
      http: { endpoint: '0.0.0.0:4318' },
    });
    const traces = config.service.pipelines.traces;
    expect(traces.receivers).toEqual(['otlp']);
    expect(traces.processors[0]).toBe('memory_limiter');
    expect(traces.processors.at(-1)).toBe('batch');
    for (const p of traces.processors) expect(config.processors).toHaveProperty([p]);
    expect(traces.exporters).toHaveLength(1);
    expect(traces.exporters[0]).toMatch(/^otlp_grpc(\/|$)/);
    // The collector's own variable syntax, not a template literal.
    expect(config.exporters[traces.exporters[0]].endpoint).toBe('$' + '{env:TRACES_BACKEND_ENDPOINT}');
    expect(config.service.extensions).toEqual(['health_check']);
    expect(backendEndpoint(overlay)).toMatch(/^[a-z0-9-]+\.[a-z0-9-]+(\.svc(\.cluster\.local)?)?:4317$/);
  });

  it('sends dev traces to Jaeger and prod traces to Tempo', () => {
    expect(backendEndpoint(overlay)).toBe(
      overlay.startsWith('prod') ? 'tempo.observability:4317' : 'jaeger-collector.observability:4317',
    );
  });

  it('names the otel-tracing provider in the namespace Telemetry, which mesh-config.yaml points at the collector’s OTLP gRPC port', () => {
    const tracing = named(overlay, 'Telemetry', 'pastemesh').spec.tracing;
    expect(tracing).toEqual([{ providers: [{ name: 'otel-tracing' }], randomSamplingPercentage: expect.any(Number) }]);
    const provider = meshConfig.spec.meshConfig.extensionProviders.find(
      (p: { name: string }) => p.name === 'otel-tracing',
    );
    const grpcPort = named(overlay, 'Service', 'otel-collector').spec.ports.find(
      (p: { appProtocol: string }) => p.appProtocol === 'grpc',
    ).port;
    expect(provider).toEqual({ name: 'otel-tracing', opentelemetry: { service: COLLECTOR_HOST, port: grpcPort } });
  });

  it('keeps the collector’s own sidecar from reporting spans (no trace per export batch)', () => {
    const own = ofKind(overlay, 'Telemetry').filter((t) => t.spec.selector?.matchLabels?.app === 'otel-collector');
    expect(own).toHaveLength(1);
    expect(own[0]!.spec.tracing).toEqual([{ providers: [{ name: 'otel-tracing' }], disableSpanReporting: true }]);
  });

  it('gives every service Deployment (canary included) its OTEL_SERVICE_NAME and the collector, protocol and sampler as the SDK reads them', () => {
    const deployments = serviceDeployments(overlay);
    expect(deployments.length).toBe(overlay === 'prod-canary' ? 8 : 4);
    const collectorHttp = named(overlay, 'Service', 'otel-collector').spec.ports.find(
      (p: { name: string }) => p.name === 'http-otlp',
    ).port;
    for (const d of deployments) {
      const env = environment(overlay, d);
      const svc = d.spec.template.metadata.labels.app;
      expect([d.metadata.name, env.OTEL_SERVICE_NAME]).toEqual([d.metadata.name, svc]);
      expect([d.metadata.name, env.OTEL_EXPORTER_OTLP_ENDPOINT]).toEqual([
        d.metadata.name,
        `http://otel-collector:${collectorHttp}`,
      ]);
      expect(env.OTEL_EXPORTER_OTLP_PROTOCOL).toBe('http/protobuf');
      expect(env.OTEL_TRACES_SAMPLER).toBe('parentbased_traceidratio');
      expect(env.OTEL_SDK_DISABLED).toBeUndefined();
      expect(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT).toBeUndefined();
    }
  });

  it('samples the services’ own root spans at the ratio the Telemetry samples new traces', () => {
    for (const d of serviceDeployments(overlay)) {
      const arg = environment(overlay, d).OTEL_TRACES_SAMPLER_ARG!;
      expect(arg).toMatch(/^(0|1)(\.\d+)?$/);
      expect([d.metadata.name, Number(arg) * 100]).toEqual([d.metadata.name, samplingPercent(overlay)]);
    }
    expect(named(overlay, 'ConfigMap', 'pastemesh-config').data.OTEL_TRACES_SAMPLER_ARG).toBe(
      overlay.startsWith('prod') ? '0.01' : '1.0',
    );
  });

  it('lets the services, the ingress gateway and pastectl send traces only (4317 Export, 4318 POST /v1/traces), and Prometheus read /metrics', () => {
    const policy = named(overlay, 'AuthorizationPolicy', 'otel-collector').spec;
    expect(policy.selector).toEqual({ matchLabels: { app: 'otel-collector' } });
    expect(policy.action).toBe('ALLOW');
    const [senders, prometheus] = policy.rules;
    expect([...senders.from[0].source.principals].sort()).toEqual(
      [...SERVICES, 'pastemesh-ingressgateway', 'pastectl'].map(principal).sort(),
    );
    expect(senders.to).toEqual([
      {
        operation: {
          ports: ['4317'],
          methods: ['POST'],
          paths: ['/opentelemetry.proto.collector.trace.v1.TraceService/Export'],
        },
      },
      { operation: { ports: ['4318'], methods: ['POST'], paths: ['/v1/traces'] } },
    ]);
    expect(prometheus).toEqual({
      from: [{ source: { principals: ['cluster.local/ns/istio-system/sa/prometheus'] } }],
      to: [{ operation: { ports: ['8888'], methods: ['GET'], paths: ['/metrics'] } }],
    });
    expect(policy.rules).toHaveLength(2);
  });

  it('scrapes the collector’s own metrics through the sidecar like the services', () => {
    const annotations = named(overlay, 'Deployment', 'otel-collector').spec.template.metadata.annotations;
    const metrics = collectorConfig(overlay).service.telemetry.metrics.readers[0].pull.exporter.prometheus;
    expect(annotations).toMatchObject({ 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(metrics.port) });
    expect(metrics.host).toBe('0.0.0.0');
  });

  it('renders exactly one collector and no canary copy of it', () => {
    expect(
      render(overlay)
        .filter((o) => o.kind === 'Deployment' && o.metadata.name.startsWith('otel-collector'))
        .map((o) => o.metadata.name),
    ).toEqual(['otel-collector']);
  });
});

describe('mesh-config.yaml (the IstioOperator for istioctl install)', () => {
  it('validates as an IstioOperator', async () => {
    const { IstioOperator } = await import('@kubernetes-models/istio/install.istio.io/v1alpha1');
    expect(() => new IstioOperator(meshConfig).validate()).not.toThrow();
    expect([meshConfig.apiVersion, meshConfig.kind]).toEqual(['install.istio.io/v1alpha1', 'IstioOperator']);
  });

  it('installs the minimal profile with remote JWKS fetching by Envoy and exactly one tracing provider', () => {
    expect(meshConfig.spec.profile).toBe('minimal');
    expect(meshConfig.spec.values.pilot.env).toEqual({ PILOT_JWT_ENABLE_REMOTE_JWKS: 'envoy' });
    expect(meshConfig.spec.meshConfig.extensionProviders.map((p: { name: string }) => p.name)).toEqual([
      'otel-tracing',
    ]);
  });
});

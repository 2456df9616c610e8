import { describe, expect, it } from '@jest/globals';
import { Histogram, Registry, type RegistryContentType } from 'prom-client';
import { bindHistogram, counterOnce, createMetrics, gaugeOnce, histogramOnce } from './metrics.js';

describe('metrics registered once', () => {
  it('hands a second builder the metric already registered, so both count into one series', async () => {
    const { registry } = createMetrics('metrics-test');
    const first = counterOnce(registry, { name: 'twice_built_total', help: 'built twice', labelNames: ['kind'] });
    const second = counterOnce(registry, { name: 'twice_built_total', help: 'built twice', labelNames: ['kind'] });
    expect(second).toBe(first);
    first.inc({ kind: 'a' });
    second.inc({ kind: 'a' }, 2);
    expect(await registry.metrics()).toContain('twice_built_total{kind="a",service="metrics-test"} 3');

    const gauge = gaugeOnce(registry, { name: 'twice_gauge', help: 'g' });
    expect(gaugeOnce(registry, { name: 'twice_gauge', help: 'g' })).toBe(gauge);
    const histogram = histogramOnce(registry, { name: 'twice_seconds', help: 'h', buckets: [1] });
    expect(histogramOnce(registry, { name: 'twice_seconds', help: 'h', buckets: [1] })).toBe(histogram);
    // Without the helpers prom-client refuses the second registration.
    expect(registry.getMetricsAsArray().filter((m) => m.name.startsWith('twice_'))).toHaveLength(3);
  });
});

describe('bindHistogram', () => {
  it('exports exactly what prom-client’s own child would, across a reset and a removal', async () => {
    // As the gateway's request histogram: exemplars on, so an OpenMetrics registry.
    const registry = new Registry();
    (registry as unknown as Registry<RegistryContentType>).setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
    const config = {
      help: 'h',
      labelNames: ['route', 'status'],
      buckets: [0.001, 0.01, 0.1, 1],
      registers: [registry],
      enableExemplars: true,
    };
    const own = new Histogram({ name: 'own_seconds', ...config });
    const bound = new Histogram({ name: 'bound_seconds', ...config });
    const labels = { route: '/raw/:id', status: '200' };
    const ownChild = own.labels(labels);
    const boundChild = bindHistogram(bound, labels);
    const values = [0.0004, 0.002, 0.002, 0.05, 0.5, 3, 0.01, 1];
    const feed = () => {
      for (const v of values) {
        ownChild.observe(v);
        boundChild.observe(v);
      }
    };
    const same = async () => {
      const text = await registry.metrics();
      const lines = (name: string) =>
        text
          .split('\n')
          .filter((l) => l.startsWith(name))
          .map((l) => l.slice(name.length));
      expect(lines('bound_seconds')).toEqual(lines('own_seconds'));
      expect(lines('bound_seconds').length).toBeGreaterThan(0);
    };
    feed();
    await same();
    // Another series of the same histogram, observed the usual way, is not disturbed.
    bound.observe({ labels: { route: '/graphql', status: '200' }, value: 0.003 });
    own.observe({ labels: { route: '/graphql', status: '200' }, value: 0.003 });
    feed();
    await same();
    own.reset();
    bound.reset();
    feed();
    await same();
    own.remove(labels);
    bound.remove(labels);
    feed();
    await same();
  });
});

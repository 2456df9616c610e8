import { describe, expect, it } from '@jest/globals';
import { counterOnce, createMetrics, gaugeOnce, histogramOnce } from './metrics.js';

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

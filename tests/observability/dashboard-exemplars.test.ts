// The request-duration panels show exemplars: a dot per sampled request that links to its trace (the
// Prometheus data source's exemplarTraceIdDestinations maps the trace_id label to the tracing data source,
// istio/monitoring/README.md). Only the histograms the processes record with a trace_id exemplar qualify.
import { describe, expect, it } from '@jest/globals';
import { EXEMPLAR_HISTOGRAMS, readDashboards } from './monitoring.js';

describe('the Grafana dashboards', () => {
  const targets = readDashboards().flatMap((d) => d.targets);

  it('ask for exemplars on every panel target that reads a request-duration histogram with trace ids', () => {
    const reading = targets.filter((t) => EXEMPLAR_HISTOGRAMS.some((m) => t.expr.includes(m)));
    expect(reading.length).toBeGreaterThanOrEqual(EXEMPLAR_HISTOGRAMS.length);
    expect(reading.filter((t) => !t.exemplar).map((t) => t.where)).toEqual([]);
  });
});

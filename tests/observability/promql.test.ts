import { describe, expect, it } from '@jest/globals';
import { fillGrafanaVariables, legendLabels, parseLabelValues, promqlParts, withoutThreshold } from './promql.js';

describe('promqlParts', () => {
  it('finds every vector selector with its matchers, and the labels the expression groups and matches on', () => {
    const parts = promqlParts(
      'histogram_quantile(0.99, sum by (service, le) (rate(grpc_server_handling_seconds_bucket{service=~"a|b", x="{y}"}[5m]))) * 1e9 > on (pod) group_left max without (le) (up)',
    );
    expect(parts.selectors).toEqual([
      {
        text: 'grpc_server_handling_seconds_bucket{service=~"a|b", x="{y}"}',
        name: 'grpc_server_handling_seconds_bucket',
        matchers: [
          { label: 'service', op: '=~', value: 'a|b' },
          { label: 'x', op: '=', value: '{y}' },
        ],
      },
      { text: 'up', name: 'up', matchers: [] },
    ]);
    expect(parts.groupingLabels).toEqual(['service', 'le', 'pod']);
  });

  it('takes aggregations, keywords and functions for what they are, not metric names', () => {
    const parts = promqlParts('max by (service) (gateway_breaker_state) == bool 2 or sum(rate(x_total[1m] offset 5m))');
    expect(parts.selectors.map((s) => s.name)).toEqual(['gateway_breaker_state', 'x_total']);
  });
});

describe('fillGrafanaVariables', () => {
  it('fills built-ins and template variables in each of Grafana’s spellings', () => {
    expect(
      fillGrafanaVariables(
        // biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's ${var} spelling, not a template literal
        'rate(x{a=~"$service", b=~"${workload}", c=~"[[other]]"}[$__rate_interval])',
        { service: '.*', workload: 'gw', other: 'o' },
        { rateInterval: '20s', interval: '5s', range: '5m' },
      ),
    ).toBe('rate(x{a=~".*", b=~"gw", c=~"o"}[20s])');
  });

  it('refuses a variable it has no value for', () => {
    expect(() => fillGrafanaVariables('x{a="$nope"}', {}, { rateInterval: '', interval: '', range: '' })).toThrow(
      '$nope',
    );
  });
});

describe('withoutThreshold', () => {
  it('takes the final comparison with a number off an alert expression', () => {
    expect(withoutThreshold('sum(rate(a[5m]))\n  / sum(rate(b[5m])) > 0.05\n')).toBe(
      'sum(rate(a[5m]))\n  / sum(rate(b[5m]))',
    );
    expect(withoutThreshold('up{namespace="pastemesh"} == 0')).toBe('up{namespace="pastemesh"}');
    expect(withoutThreshold('absent(up)')).toBeUndefined();
  });
});

describe('parseLabelValues and legendLabels', () => {
  it('read Grafana’s label_values queries and legend formats', () => {
    expect(parseLabelValues('label_values(istio_requests_total{ns="p"}, destination_workload)')).toEqual({
      match: 'istio_requests_total{ns="p"}',
      label: 'destination_workload',
    });
    expect(parseLabelValues('label_values(service)')).toEqual({ match: undefined, label: 'service' });
    expect(legendLabels('{{service}} → {{ grpc_service }} p99')).toEqual(['service', 'grpc_service']);
  });
});

// Gateway replicas as a load generator reaches them: like a Kubernetes Service + kube-proxy, the pool stops
// sending to a replica whose /readyz fails and sends to it again once it passes.

/** Gateway replicas behind a readiness-aware round-robin, as a Kubernetes Service + kube-proxy would route. */
export interface GatewayPool {
  /** The next ready gateway; throws when none is ready (a Service with no endpoints). */
  pick(): string;
  ready(): string[];
  /** Times a replica left or rejoined the ready set. */
  readonly transitions: { url: string; ready: boolean; at: number }[];
  close(): void;
}

/**
 * Probes every gateway's /readyz every `pollMs` like a Kubernetes readiness probe: a replica leaves
 * after `failureThreshold` failed probes in a row (a 503, an error, or no answer within 2 s) and
 * rejoins after one success. Kubernetes probes every few seconds; the drain delay covers that gap.
 */
export function createGatewayPool(urls: string[], pollMs = 100, failureThreshold = 2): GatewayPool {
  const state = new Map(urls.map((u) => [u, true]));
  const failures = new Map(urls.map((u) => [u, 0]));
  const transitions: GatewayPool['transitions'] = [];
  let turn = 0;
  let polling = false;
  const poll = async () => {
    if (polling) return;
    polling = true;
    await Promise.all(
      urls.map(async (url) => {
        const ok = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2_000) }).then(
          (r) => r.status === 200,
          () => false,
        );
        failures.set(url, ok ? 0 : failures.get(url)! + 1);
        const ready = ok || (state.get(url)! && failures.get(url)! < failureThreshold);
        if (ready !== state.get(url)) transitions.push({ url, ready, at: Date.now() });
        state.set(url, ready);
      }),
    );
    polling = false;
  };
  const timer = setInterval(() => void poll(), pollMs);
  return {
    pick() {
      const ready = urls.filter((u) => state.get(u));
      if (ready.length === 0) throw new Error('no ready gateway');
      return ready[turn++ % ready.length]!;
    },
    ready: () => urls.filter((u) => state.get(u)),
    transitions,
    close: () => clearInterval(timer),
  };
}

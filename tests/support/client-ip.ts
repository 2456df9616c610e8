// Client addresses for suites whose gateway trusts one proxy hop (TRUST_PROXY_HOPS=1, x-forwarded-for).

// Limits live in Redis for a minute; a random block per run keeps reruns from inheriting empty buckets.
const block = `100.${64 + Math.floor(Math.random() * 64)}.${Math.floor(Math.random() * 256)}`;
let next = 1;

/** A client address no other request of this run used, so each test starts with full rate-limit buckets. */
export function freshIp(): string {
  return `${block}.${next++}`;
}

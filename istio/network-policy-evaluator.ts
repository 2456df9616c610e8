// A small evaluator of Kubernetes NetworkPolicy (networking.k8s.io/v1) semantics, for the flow tests: does a
// set of policies let one endpoint open a connection to another? Follows the API reference: a pod is isolated in
// a direction once any policy selecting it has that policy type; an isolated pod allows only what some selecting
// policy's rule allows; a connection needs the source's egress AND the destination's ingress; traffic from the
// pod's own node (kubelet probes) is always allowed; policies are additive and order-free.
import type { K8sObject } from './render-overlays.js';

/** One end of a connection: a pod (namespace and labels, optionally its named container ports), an address outside the cluster, or the node. */
export interface Endpoint {
  /** A short name for messages. */
  name: string;
  /** A pod's namespace; absent for an address outside the cluster. */
  namespace?: string;
  labels?: Record<string, string>;
  /** A pod's named container ports, for rules that name ports. */
  ports?: Record<string, number>;
  /** An address outside the cluster (ipBlock rules match these; Pastemesh never uses ipBlock for pods). */
  ip?: string;
  /** The node the destination pod runs on (the kubelet's probes). */
  node?: boolean;
}

export type Protocol = 'TCP' | 'UDP' | 'SCTP';

interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; values?: string[] }[];
}
interface Peer {
  podSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
  ipBlock?: { cidr: string; except?: string[] };
}
interface PolicyPort {
  protocol?: Protocol;
  port?: number | string;
  endPort?: number;
}
interface Rule {
  peers?: Peer[];
  ports?: PolicyPort[];
}
/** An ingress rule (from) or egress rule (to) as written. */
interface WrittenRule {
  from?: Peer[];
  to?: Peer[];
  ports?: PolicyPort[];
}

/** Whether `labels` satisfy a label selector (an empty selector selects everything). */
export function selects(selector: LabelSelector, labels: Record<string, string> = {}): boolean {
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, e.key);
    const ok = {
      In: has && (e.values ?? []).includes(labels[e.key]!),
      NotIn: !has || !(e.values ?? []).includes(labels[e.key]!),
      Exists: has,
      DoesNotExist: !has,
    }[e.operator];
    if (!ok) return false;
  }
  return true;
}

const ipv4 = (ip: string) => ip.split('.').reduce((n, part) => n * 256 + Number(part), 0);
/** Whether an IPv4 address lies in a CIDR block. */
export function inCidr(ip: string, cidr: string): boolean {
  const [base, bits] = cidr.split('/');
  const size = 2 ** (32 - Number(bits ?? 32));
  const start = Math.floor(ipv4(base!) / size) * size;
  return ipv4(ip) >= start && ipv4(ip) < start + size;
}

/** Namespaces carry the automatic label kubernetes.io/metadata.name. */
const namespaceLabels = (namespace: string) => ({ 'kubernetes.io/metadata.name': namespace });

function peerMatches(peer: Peer, policyNamespace: string, other: Endpoint): boolean {
  if (peer.ipBlock) {
    if (!other.ip) return false;
    return inCidr(other.ip, peer.ipBlock.cidr) && !(peer.ipBlock.except ?? []).some((c) => inCidr(other.ip!, c));
  }
  if (other.namespace === undefined) return false;
  const namespaceOk = peer.namespaceSelector
    ? selects(peer.namespaceSelector, namespaceLabels(other.namespace))
    : other.namespace === policyNamespace;
  return namespaceOk && selects(peer.podSelector ?? {}, other.labels);
}

function portMatches(rulePort: PolicyPort, port: number, protocol: Protocol, destination: Endpoint): boolean {
  if ((rulePort.protocol ?? 'TCP') !== protocol) return false;
  if (rulePort.port === undefined) return true;
  const first = typeof rulePort.port === 'number' ? rulePort.port : destination.ports?.[rulePort.port];
  if (first === undefined) return false;
  return port >= first && port <= (rulePort.endPort ?? first);
}

const policyTypes = (p: K8sObject): string[] => p.spec.policyTypes ?? ['Ingress', ...(p.spec.egress ? ['Egress'] : [])];

/** The rules of the policies selecting `pod` in one direction, or undefined when no policy isolates it there. */
function rulesFor(policies: K8sObject[], pod: Endpoint, direction: 'Ingress' | 'Egress') {
  if (pod.namespace === undefined) return undefined;
  const selecting = policies.filter(
    (p) =>
      (p.metadata.namespace ?? 'default') === pod.namespace &&
      policyTypes(p).includes(direction) &&
      selects(p.spec.podSelector ?? {}, pod.labels),
  );
  if (selecting.length === 0) return undefined;
  return selecting.flatMap((p) =>
    ((direction === 'Ingress' ? p.spec.ingress : p.spec.egress) ?? []).map((r: WrittenRule) => ({
      namespace: p.metadata.namespace ?? 'default',
      rule: { peers: direction === 'Ingress' ? r.from : r.to, ports: r.ports } satisfies Rule,
    })),
  );
}

function ruleAllows(
  entry: { namespace: string; rule: Rule },
  peer: Endpoint,
  port: number,
  protocol: Protocol,
  destination: Endpoint,
) {
  const { rule, namespace } = entry;
  const peerOk = !rule.peers || rule.peers.length === 0 || rule.peers.some((p) => peerMatches(p, namespace, peer));
  const portOk =
    !rule.ports || rule.ports.length === 0 || rule.ports.some((p) => portMatches(p, port, protocol, destination));
  return peerOk && portOk;
}

/** Whether `policies` let `source` open a connection to `destination` on `port` (TCP unless told). */
export function allows(
  policies: K8sObject[],
  source: Endpoint,
  destination: Endpoint,
  port: number,
  protocol: Protocol = 'TCP',
): boolean {
  const netpols = policies.filter((p) => p.kind === 'NetworkPolicy');
  if (source.node) return true;
  const egress = rulesFor(netpols, source, 'Egress');
  if (egress && !egress.some((e) => ruleAllows(e, destination, port, protocol, destination))) return false;
  const ingress = rulesFor(netpols, destination, 'Ingress');
  if (ingress && !ingress.some((e) => ruleAllows(e, source, port, protocol, destination))) return false;
  return true;
}

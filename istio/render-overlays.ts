// Renders the kustomize overlays with the real kubectl and reads the v1 contracts, for the manifest tests.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

/** This folder (istio/) and the repository root. */
export const ISTIO_DIR = path.dirname(fileURLToPath(import.meta.url));
export const ROOT_DIR = path.resolve(ISTIO_DIR, '..');

/** Every overlay CI renders; prod and prod-canary are what production runs. */
export const OVERLAYS = ['dev', 'dev-chaos', 'prod', 'prod-canary'] as const;
export type Overlay = (typeof OVERLAYS)[number];
export const PROD_OVERLAYS: readonly Overlay[] = ['prod', 'prod-canary'];

/** The four Pastemesh services (Deployment, Service, ServiceAccount names). */
export const SERVICES = ['gateway', 'auth-svc', 'paste-svc', 'analytics-svc'] as const;

/** A rendered Kubernetes object, loosely typed: the tests read fields by path. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: any;
  [key: string]: any;
}

const KUBECTL = fs.existsSync('/usr/bin/kubectl') ? '/usr/bin/kubectl' : 'kubectl';
const cache = new Map<Overlay, K8sObject[]>();

/** `kubectl kustomize istio/overlays/<overlay>`, parsed; throws with kubectl's message if it fails. */
export function render(overlay: Overlay): K8sObject[] {
  const cached = cache.get(overlay);
  if (cached) return cached;
  const out = execFileSync(KUBECTL, ['kustomize', path.join(ISTIO_DIR, 'overlays', overlay)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 32 * 1024 * 1024,
  });
  const objects = parseAllDocuments(out)
    .map((doc) => {
      if (doc.errors.length > 0) throw new Error(`${overlay}: ${doc.errors[0]!.message}`);
      return doc.toJS() as K8sObject | null;
    })
    .filter((o): o is K8sObject => o !== null);
  cache.set(overlay, objects);
  return objects;
}

/** Objects of one kind in an overlay. */
export function ofKind(overlay: Overlay, kind: string): K8sObject[] {
  return render(overlay).filter((o) => o.kind === kind);
}

/** The one object of a kind and name; throws if it is missing. */
export function named(overlay: Overlay, kind: string, name: string): K8sObject {
  const found = render(overlay).find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`${overlay}: no ${kind} ${name}`);
  return found;
}

/** Deployments and StatefulSets: everything that runs pods. */
export function workloads(overlay: Overlay): K8sObject[] {
  return render(overlay).filter((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet');
}

/** A container's environment as the kubelet builds it: envFrom ConfigMaps in order, then env (plain values only). */
export function environment(overlay: Overlay, deployment: K8sObject, container = 0): Record<string, string> {
  const c = deployment.spec.template.spec.containers[container];
  const env: Record<string, string> = {};
  for (const from of c.envFrom ?? []) {
    if (from.configMapRef) Object.assign(env, named(overlay, 'ConfigMap', from.configMapRef.name).data);
  }
  for (const e of c.env ?? []) if (e.value !== undefined) env[e.name] = e.value;
  return env;
}

/**
 * Where paste-svc's S3 client sends a CONTENT_STORE `s3://BUCKET[/PREFIX]` (undefined for `database` and `file://`),
 * by the AWS SDK's endpoint rules: AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL, else AWS's regional endpoint; the
 * bucket goes in front of the host unless S3_FORCE_PATH_STYLE asks for path-style URLs.
 */
export function objectStoreUrl(env: Record<string, string>): URL | undefined {
  const store = env.CONTENT_STORE ?? 'database';
  if (!store.startsWith('s3://')) return undefined;
  const bucket = new URL(store).hostname;
  const custom = env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL;
  if (!custom && !env.AWS_REGION) throw new Error(`${store}: neither an endpoint nor AWS_REGION`);
  const url = new URL(custom ?? `https://s3.${env.AWS_REGION}.amazonaws.com`);
  if (!['true', '1'].includes(env.S3_FORCE_PATH_STYLE ?? 'false')) url.hostname = `${bucket}.${url.hostname}`;
  return url;
}

/** A URL's port, or its scheme's default. */
export const urlPort = (url: URL): number => Number(url.port || (url.protocol === 'https:' ? 443 : 80));

/** One RPC from proto/: its gRPC path is `/${service}/${method}`. */
export interface Rpc {
  service: string;
  method: string;
  path: string;
}

/** Every RPC declared in proto/pastemesh/**.proto (the v1 contracts). */
export function protoRpcs(): Rpc[] {
  const rpcs: Rpc[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.proto')) {
        const text = fs.readFileSync(full, 'utf8');
        const pkg = /^package\s+([\w.]+);/m.exec(text)?.[1];
        for (const block of text.matchAll(/service\s+(\w+)\s*\{([\s\S]*?)\n\}/g)) {
          for (const rpc of block[2]!.matchAll(/^\s*rpc\s+(\w+)\s*\(/gm)) {
            const service = `${pkg}.${block[1]}`;
            rpcs.push({ service, method: rpc[1]!, path: `/${service}/${rpc[1]}` });
          }
        }
      }
    }
  };
  walk(path.join(ROOT_DIR, 'proto', 'pastemesh'));
  return rpcs;
}

/**
 * Idempotent reads, which the mesh may retry. RevealPaste is not one (it burns a burn-after-read paste):
 * it is retried only on failures that prove it never ran (see paste-svc's route).
 */
export const READ_RPC = /^(Get|BatchGet|List|BatchList)\w*$|^(TopPastes|UsageSummary|VerifyToken)$/;

/** Retry conditions that mean the call was not served: UNAVAILABLE or it never reached the server. */
export const SAFE_RETRY_ON = new Set(['unavailable', 'connect-failure', 'refused-stream']);
/** The subset that proves the request never reached the application at all. */
export const NEVER_SERVED_RETRY_ON = new Set(['connect-failure', 'refused-stream']);

/** Parses an Istio/Kubernetes duration such as "2s", "900ms", "1.5s" into milliseconds. */
export function durationMs(value: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(value);
  if (!match) throw new Error(`not a duration: ${value}`);
  const n = Number(match[1]);
  return n * { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 }[match[2] as 'ms' | 's' | 'm' | 'h'];
}

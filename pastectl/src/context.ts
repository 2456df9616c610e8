import type { Client } from '@connectrpc/connect';
import { AnalyticsService } from '@pastemesh/gen/analytics';
import { AuthService } from '@pastemesh/gen/auth';
import { Health } from '@pastemesh/gen/health';
import { PasteService } from '@pastemesh/gen/paste';
import type { Flags } from './args.js';
import { intFlag } from './args.js';
import type { CliIo } from './cli-io.js';
import type { ExitCode } from './exit-codes.js';
import { createCliTransport, type CliTransport } from './grpc/cli-transport.js';
import { createProgress, type Progress } from './output/progress.js';

export type ServiceName = 'auth' | 'paste' | 'analytics';

/** The conventional defaults (the README ports table): every service on this machine. */
export const DEFAULT_ADDRESSES: Record<ServiceName, string> = {
  auth: '127.0.0.1:5001',
  paste: '127.0.0.1:5002',
  analytics: '127.0.0.1:5003',
};

/** What a command gets: flags, output, and Connect's typed clients per service (connected on first use). */
export interface CommandContext {
  io: CliIo;
  flags: Flags;
  json: boolean;
  addresses: Record<ServiceName, string>;
  readonly auth: Client<typeof AuthService>;
  readonly paste: Client<typeof PasteService>;
  readonly analytics: Client<typeof AnalyticsService>;
  /** grpc.health.v1 on one service's address. */
  health(service: ServiceName): Client<typeof Health>;
  progress: Progress;
}

/** What a command returns: the JSON document for --json, the text otherwise. */
export interface CommandResult {
  json: unknown;
  /** Text for people; bytes are written as they are (paste get --raw). */
  text: string | Uint8Array;
  /** Non-zero for a result that is not a failure to run but still means "no" (health). */
  exitCode?: ExitCode;
}

/** Builds the context from flags and environment (flags win). */
export function createContext(io: CliIo, flags: Flags): CommandContext & { close(): void } {
  const env = io.env;
  const addresses: Record<ServiceName, string> = {
    auth: flags['auth-addr'] ?? env['AUTH_SVC_URL'] ?? DEFAULT_ADDRESSES.auth,
    paste: flags['paste-addr'] ?? env['PASTE_SVC_URL'] ?? DEFAULT_ADDRESSES.paste,
    analytics: flags['analytics-addr'] ?? env['ANALYTICS_SVC_URL'] ?? DEFAULT_ADDRESSES.analytics,
  };
  const apiKey = flags['api-key'] ?? (env['PASTEMESH_API_KEY'] || undefined);
  const timeoutMs = intFlag('timeout', flags.timeout ?? env['PASTEMESH_TIMEOUT_MS'], 5_000, 600_000);
  const transports = new Map<ServiceName, CliTransport>();
  const transport = (service: ServiceName) => {
    let t = transports.get(service);
    if (!t) {
      t = createCliTransport({ address: addresses[service], apiKey, timeoutMs });
      transports.set(service, t);
    }
    return t;
  };
  return {
    io,
    flags,
    json: flags.json === true,
    addresses,
    progress: createProgress(io, flags['no-progress'] !== true),
    get auth() {
      return transport('auth').client(AuthService);
    },
    get paste() {
      return transport('paste').client(PasteService);
    },
    get analytics() {
      return transport('analytics').client(AnalyticsService);
    },
    health: (service) => transport(service).client(Health),
    close() {
      for (const t of transports.values()) t.close();
    },
  };
}

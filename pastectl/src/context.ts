import type { Flags } from './args.js';
import { intFlag } from './args.js';
import type { CliIo } from './cli-io.js';
import type { ExitCode } from './exit-codes.js';
import { createUnaryClient, type UnaryClient } from './grpc/unary-client.js';
import { createProgress, type Progress } from './output/progress.js';

export type ServiceName = 'auth' | 'paste' | 'analytics';

/** The conventional defaults (the README ports table): every service on this machine. */
export const DEFAULT_ADDRESSES: Record<ServiceName, string> = {
  auth: '127.0.0.1:5001',
  paste: '127.0.0.1:5002',
  analytics: '127.0.0.1:5003',
};

/** What a command gets: flags, output, and a gRPC client per service (made on first use). */
export interface CommandContext {
  io: CliIo;
  flags: Flags;
  json: boolean;
  addresses: Record<ServiceName, string>;
  client(service: ServiceName): UnaryClient;
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
  const clients = new Map<ServiceName, UnaryClient>();
  return {
    io,
    flags,
    json: flags.json === true,
    addresses,
    progress: createProgress(io, flags['no-progress'] !== true),
    client(service) {
      let c = clients.get(service);
      if (!c) {
        c = createUnaryClient({ address: addresses[service], apiKey, timeoutMs });
        clients.set(service, c);
      }
      return c;
    },
    close() {
      for (const c of clients.values()) c.close();
    },
  };
}

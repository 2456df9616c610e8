import { HealthCheckResponse_ServingStatus } from '@pastemesh/gen/health';
import { CliError } from '../cli-error.js';
import type { CommandContext, CommandResult, ServiceName } from '../context.js';
import { ExitCode } from '../exit-codes.js';
import { table } from '../output/format.js';

const SERVICES: ServiceName[] = ['auth', 'paste', 'analytics'];

/** `health`: grpc.health.v1 Check (overall status, service "") on every service, in parallel. */
export async function health(ctx: CommandContext, args: string[]): Promise<CommandResult> {
  if (args.length > 0) throw CliError.usage('usage: pastectl health');
  const results = await Promise.all(
    SERVICES.map(async (service) => {
      const started = performance.now();
      try {
        const res = await ctx.health(service).check({ service: '' });
        const status = HealthCheckResponse_ServingStatus[res.status] ?? String(res.status);
        return {
          service: `${service}-svc`,
          address: ctx.addresses[service],
          status,
          latencyMs: Math.round(performance.now() - started),
          error: null,
        };
      } catch (err) {
        const e = err as CliError;
        return {
          service: `${service}-svc`,
          address: ctx.addresses[service],
          status: e.grpcCode === 'UNAVAILABLE' || e.grpcCode === 'DEADLINE_EXCEEDED' ? 'UNREACHABLE' : 'ERROR',
          latencyMs: null,
          error: e.message,
        };
      }
    }),
  );
  const healthy = results.every((r) => r.status === 'SERVING');
  const text =
    table(
      ['SERVICE', 'ADDRESS', 'STATUS', 'DETAIL'],
      results.map((r) => [
        r.service,
        r.address,
        r.status,
        r.latencyMs === null ? (r.error ?? '-') : `${r.latencyMs} ms`,
      ]),
    ) + (healthy ? 'All services are SERVING.\n' : 'Not every service is SERVING.\n');
  return { json: { healthy, services: results }, text, exitCode: healthy ? ExitCode.OK : ExitCode.UNHEALTHY };
}

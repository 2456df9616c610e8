import { Role } from '@pastemesh/gen/auth';
import { CliError } from '../cli-error.js';
import type { CommandContext, CommandResult } from '../context.js';

/** `user make-admin USER [--revoke]`: SetUserRole by user id or email. */
export async function userMakeAdmin(ctx: CommandContext, args: string[]): Promise<CommandResult> {
  const who = args[0];
  if (!who || args.length > 1) throw CliError.usage('usage: pastectl user make-admin USER_ID|EMAIL [--revoke]');
  const admin = ctx.flags.revoke !== true;
  const byEmail = who.includes('@');
  const res = await ctx.auth.setUserRole({ ...(byEmail ? { email: who } : { userId: who }), admin });
  const account = res.account!;
  const roles = account.roles.map((r) => Role[r]!.toLowerCase());
  const name = `${account.email} (${account.user!.id})`;
  return {
    json: { userId: account.user!.id, email: account.email, roles },
    text: `${name} ${admin ? 'is now an admin' : 'is no longer an admin'}; roles: ${roles.join(', ')}. The change applies from their next sign-in or token refresh.\n`,
  };
}

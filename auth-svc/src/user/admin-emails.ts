import type { Logger } from '@pastemesh/kit/observability';
import type { AuthDb } from '../database.js';
import { findUserByEmail, setAdmin } from './user.repository.js';

/**
 * Makes the ADMIN_EMAILS accounts that already exist admins; run at start-up
 * only. Emails are never verified, so a listed address that nobody has
 * registered yet grants nothing (otherwise whoever registered it first would
 * become admin): register the account first, then list it and restart.
 * Returns the ids that were promoted.
 */
export async function applyAdminEmails(
  db: AuthDb,
  emails: readonly string[],
  now: number,
  logger: Logger,
): Promise<string[]> {
  const promoted: string[] = [];
  for (const email of emails) {
    const user = await findUserByEmail(db, email);
    if (!user) {
      logger.warn(
        { email },
        'ADMIN_EMAILS lists an address with no account; it grants nothing until the account exists and auth-svc restarts',
      );
    } else if (!user.isAdmin) {
      await setAdmin(db, user.id, true, now);
      promoted.push(user.id);
      logger.info({ userId: user.id }, 'admin granted by ADMIN_EMAILS');
    }
  }
  return promoted;
}

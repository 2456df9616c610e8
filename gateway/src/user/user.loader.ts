import DataLoader from 'dataloader';
import { timestampDate } from '@bufbuild/protobuf/wkt';
import type { CallOptions, Client } from '@connectrpc/connect';
import type { AuthService, User } from '@pastemesh/gen/auth';
import type { ReadThroughCache } from '../graphql/read-through.js';

/** A public profile as GraphQL shows it. */
export interface UserView {
  id: string;
  displayName: string;
  createdAt: Date;
}

/** Maps a user message to the view. */
export function toUserView(user: User): UserView {
  return {
    id: user.id,
    displayName: user.displayName,
    createdAt: user.createTime ? timestampDate(user.createTime) : new Date(0),
  };
}

/**
 * At most one BatchGetUsers per request tick, whatever number of authors a query touches, and none for
 * authors in `profiles` (a public profile never changes: no RPC renames a user).
 */
export function createUserLoader(
  auth: Client<typeof AuthService>,
  options: CallOptions,
  profiles: ReadThroughCache<UserView>,
) {
  return new DataLoader<string, UserView | null>(
    async (ids) => {
      const byId = await profiles.load(ids, async (misses) => {
        const res = await auth.batchGetUsers({ ids: misses }, options);
        return new Map(res.users.map((u) => [u.id, toUserView(u)]));
      });
      return ids.map((id) => byId.get(id) ?? null);
    },
    { maxBatchSize: 500 },
  );
}

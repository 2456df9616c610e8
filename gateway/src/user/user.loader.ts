import DataLoader from 'dataloader';
import { timestampDate } from '@bufbuild/protobuf/wkt';
import type { Client } from '@connectrpc/connect';
import type { AuthService, User } from '@pastemesh/gen/auth';

/** A public profile as GraphQL shows it. */
export interface UserView {
  id: string;
  displayName: string;
  createdAt: Date;
}

/** Maps a user message to the view. */
export function toUserView(user: User): UserView {
  return { id: user.id, displayName: user.displayName, createdAt: user.createTime ? timestampDate(user.createTime) : new Date(0) };
}

/** One BatchGetUsers per request tick, whatever number of authors a query touches. */
export function createUserLoader(auth: Client<typeof AuthService>) {
  return new DataLoader<string, UserView | null>(
    async (ids) => {
      const res = await auth.batchGetUsers({ ids: [...ids] });
      const byId = new Map(res.users.map((u) => [u.id, toUserView(u)]));
      return ids.map((id) => byId.get(id) ?? null);
    },
    { maxBatchSize: 500 },
  );
}

import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import type { MessageInitShape } from '@bufbuild/protobuf';
import { Role, type AccountSchema, type UserSchema } from '@pastemesh/gen/auth';
import type { UserRow } from './user.table.js';

/** The role names access tokens carry (`roles` claim). */
export function roleNames(row: Pick<UserRow, 'is_admin'>): string[] {
  return row.is_admin ? ['user', 'admin'] : ['user'];
}

/** Role names as the contract's enum. */
export function toProtoRoles(names: readonly string[]): Role[] {
  return names.map((n) => (n === 'admin' ? Role.ADMIN : Role.USER));
}

/** A user's public profile: no email, no roles. */
export function toUser(row: UserRow): MessageInitShape<typeof UserSchema> {
  return { id: row.id, displayName: row.display_name, createTime: timestampFromMs(Number(row.created_at)) };
}

/** A user's own view of their account. */
export function toAccount(row: UserRow): MessageInitShape<typeof AccountSchema> {
  return { user: toUser(row), email: row.email, roles: toProtoRoles(roleNames(row)) };
}

import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import type { MessageInitShape } from '@bufbuild/protobuf';
import { Role, type AccountSchema, type UserSchema } from '@pastemesh/gen/auth';
import { roleNames, type User } from './user.js';

export { roleNames };

/** Role names as the contract's enum. */
export function toProtoRoles(names: readonly string[]): Role[] {
  return names.map((n) => (n === 'admin' ? Role.ADMIN : Role.USER));
}

/** A user's public profile: no email, no roles. */
export function toUser(user: User): MessageInitShape<typeof UserSchema> {
  return { id: user.id, displayName: user.displayName, createTime: timestampFromMs(user.createdAtMs) };
}

/** A user's own view of their account. */
export function toAccount(user: User): MessageInitShape<typeof AccountSchema> {
  return { user: toUser(user), email: user.email, roles: toProtoRoles(roleNames(user)) };
}

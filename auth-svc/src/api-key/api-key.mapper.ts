import type { MessageInitShape } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import type { ApiKeySchema } from '@pastemesh/gen/auth';
import type { ApiKeyRow } from './api-key.table.js';

/** An API key's description; the secret and its hash never leave the data layer. */
export function toApiKey(row: ApiKeyRow): MessageInitShape<typeof ApiKeySchema> {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    createTime: timestampFromMs(Number(row.created_at)),
    ...(row.last_used_at === null ? {} : { lastUseTime: timestampFromMs(Number(row.last_used_at)) }),
    ...(row.revoked_at === null ? {} : { revokeTime: timestampFromMs(Number(row.revoked_at)) }),
  };
}

import type { MessageInitShape } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import type { ApiKeySchema } from '@pastemesh/gen/auth';
import type { ApiKey } from './api-key.js';

/** An API key's description; the secret and its hash never leave the data layer. */
export function toApiKey(key: ApiKey): MessageInitShape<typeof ApiKeySchema> {
  return {
    id: key.id,
    name: key.name,
    prefix: key.prefix,
    createTime: timestampFromMs(key.createdAtMs),
    ...(key.lastUsedAtMs === null ? {} : { lastUseTime: timestampFromMs(key.lastUsedAtMs) }),
    ...(key.revokedAtMs === null ? {} : { revokeTime: timestampFromMs(key.revokedAtMs) }),
  };
}

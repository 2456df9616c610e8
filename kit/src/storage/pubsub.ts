import { EventEmitter } from 'node:events';
import type { Redis } from './redis.js';
import type { Logger } from '../observability/logger.js';
import { getOption } from '@bufbuild/protobuf';
import { PasteChannel, PasteChannelSchema, channel_name } from '@pastemesh/gen/paste-channels';

/** A channel's name, as the contract declares it (`pastemesh.paste.v1.PasteChannel`). */
function channelName(channel: PasteChannel): string {
  return getOption(PasteChannelSchema.value[channel]!, channel_name);
}

/** paste-svc publishes a paste id here on every update, delete, burn and sweep ("paste.invalidate"). */
export const PASTE_INVALIDATE_CHANNEL = channelName(PasteChannel.INVALIDATE);

/** paste-svc publishes the listings a write changed here ("owner:<user id>", "public"; "paste.listings"). */
export const PASTE_LISTINGS_CHANNEL = channelName(PasteChannel.LISTINGS);

/** Fire-and-forget broadcast between processes (Redis) or within one (embedded default). */
export interface PubSub {
  publish(channel: string, message: string): Promise<void>;
  /** Calls `handler` for each message on `channel`; returns an unsubscribe function. */
  subscribe(channel: string, handler: (message: string) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

// Shared by every app in this process, so `npm start` (one process) behaves like a mesh.
const local = new EventEmitter().setMaxListeners(0);

/**
 * Redis pub/sub when `redis` is given (a second connection is made for
 * subscribing, as Redis requires), an in-process emitter otherwise.
 */
export function createPubSub(redis: Redis | undefined, logger: Logger): PubSub {
  if (!redis) {
    return {
      async publish(channel, message) {
        local.emit(channel, message);
      },
      async subscribe(channel, handler) {
        local.on(channel, handler);
        return async () => void local.off(channel, handler);
      },
      async close() {},
    };
  }
  const subscriber = redis.duplicate({ enableOfflineQueue: true });
  subscriber.on('error', () => {});
  const handlers = new Map<string, Set<(m: string) => void>>();
  subscriber.on('message', (channel: string, message: string) => {
    for (const h of handlers.get(channel) ?? []) h(message);
  });
  return {
    async publish(channel, message) {
      try {
        await redis.publish(channel, message);
      } catch (err) {
        logger.warn({ err: String(err), channel }, 'publish failed');
        throw err;
      }
    },
    async subscribe(channel, handler) {
      let set = handlers.get(channel);
      if (!set) {
        set = new Set();
        handlers.set(channel, set);
        await subscriber.subscribe(channel);
      }
      set.add(handler);
      return async () => {
        set.delete(handler);
        if (set.size === 0) {
          handlers.delete(channel);
          await subscriber.unsubscribe(channel).catch(() => {});
        }
      };
    },
    async close() {
      subscriber.disconnect();
    },
  };
}

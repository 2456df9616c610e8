import { Code, ConnectError, type Client } from '@connectrpc/connect';
import type { MessageInitShape } from '@bufbuild/protobuf';
import type { CreatePasteRequestSchema, CreatePasteResponse, PasteService } from '@pastemesh/gen/paste';
import { SpanKind, type Tracing } from '@pastemesh/kit/observability';
import { beginLinkedWork, callOptions, type RequestContext } from '@pastemesh/kit/rpc';
import { MAX_BATCH_CREATE_BYTES, MAX_BATCH_CREATES } from '@pastemesh/paste-svc/client';

/** What a create asks paste-svc for. */
export type CreateRequest = MessageInitShape<typeof CreatePasteRequestSchema> & { content: Uint8Array };

/** Whose create it is: the request's trace and the credential to forward (a Caller has both). */
export interface Creator {
  trace: RequestContext;
  token: string | undefined;
}

/** Stores new pastes: concurrent creates of one credential share a call. */
export interface PasteCreator {
  create(request: CreateRequest, caller: Creator): Promise<CreatePasteResponse>;
}

interface Waiting {
  request: CreateRequest;
  caller: Creator;
  resolve: (response: CreatePasteResponse) => void;
  reject: (err: unknown) => void;
}

/**
 * Errors paste-svc answers before it writes anything (a check failed, the method is unknown to an older
 * paste-svc, the credential was refused): a batch that met one is sent again one paste per call, so each
 * request gets the answer its own create would have. Any other error (unavailable, a deadline, an internal
 * error) may come after the transaction committed, so it is every waiting request's answer: sending again
 * could store a paste twice.
 */
const BEFORE_WRITING = new Set([
  Code.InvalidArgument,
  Code.FailedPrecondition,
  Code.OutOfRange,
  Code.NotFound,
  Code.PermissionDenied,
  Code.Unauthenticated,
  Code.Unimplemented,
]);

/**
 * Creates through CreatePastes: the creates that reach this point in one turn of the event loop (dispatched in
 * the check phase, after every request whose bytes arrived in the poll phase has asked, as the shared paste
 * loader does) go to paste-svc as one call per credential, stored in one transaction. A create costs a grpc-js
 * call on both sides and a database round trip and commit; under load a batch shares them (bench/README.md,
 * "Creates in batches"). A create alone is sent as CreatePaste, with its request's trace; a batch is a trace of
 * its own with span links to each sampled request, as the shared loader's batches are.
 */
export function createPasteCreator(paste: Client<typeof PasteService>, tracing: Tracing): PasteCreator {
  /** By credential: paste-svc takes the caller from the call, so a batch is one caller's (anonymous: ''). */
  let waiting = new Map<string, Waiting[]>();
  let scheduled = false;

  const createAlone = (w: Waiting) => {
    paste.createPaste(w.request, callOptions(w.caller)).then(w.resolve, w.reject);
  };

  const send = async (batch: Waiting[]) => {
    if (batch.length === 1) return createAlone(batch[0]!);
    const links = batch.flatMap((w) =>
      w.caller.trace.sampled && w.caller.trace.span ? [{ context: w.caller.trace.span.spanContext() }] : [],
    );
    const work = beginLinkedWork(tracing, 'paste create batch', SpanKind.INTERNAL, links, {
      'pastemesh.requests': batch.length,
    });
    try {
      const { pastes } = await paste.createPastes(
        { pastes: batch.map((w) => w.request) },
        callOptions({ trace: work, token: batch[0]!.caller.token }),
      );
      if (pastes.length !== batch.length) {
        // Stored, but the answers cannot be matched to the requests: each fails rather than get another's paste.
        throw new ConnectError(`CreatePastes answered ${pastes.length} pastes for ${batch.length}`, Code.Internal);
      }
      for (const [i, w] of batch.entries()) w.resolve(pastes[i]!);
    } catch (err) {
      if (err instanceof ConnectError && BEFORE_WRITING.has(err.code)) for (const w of batch) createAlone(w);
      else for (const w of batch) w.reject(err);
    } finally {
      work?.span?.end();
    }
  };

  const dispatch = () => {
    scheduled = false;
    const groups = waiting;
    waiting = new Map();
    for (const group of groups.values()) {
      let batch: Waiting[] = [];
      let bytes = 0;
      for (const w of group) {
        const size = w.request.content.length;
        if (batch.length === MAX_BATCH_CREATES || (batch.length > 0 && bytes + size > MAX_BATCH_CREATE_BYTES)) {
          void send(batch);
          batch = [];
          bytes = 0;
        }
        batch.push(w);
        bytes += size;
      }
      void send(batch);
    }
  };

  return {
    create(request, caller) {
      return new Promise((resolve, reject) => {
        const key = caller.token ?? '';
        let group = waiting.get(key);
        if (!group) waiting.set(key, (group = []));
        group.push({ request, caller, resolve, reject });
        if (!scheduled) {
          scheduled = true;
          setImmediate(dispatch);
        }
      });
    },
  };
}

import { Code, Reason, appError } from '@pastemesh/kit/rpc';

/**
 * The error for paste content above `maxBytes`, as paste-svc answers it and as a caller that checks the size
 * before sending (the gateway) must answer it too, so a client sees one message on every path. `got` is the
 * size received, when it is known.
 */
export function contentTooLarge(maxBytes: number, got?: number) {
  const received = got === undefined ? '' : ` (got ${got})`;
  return appError(Code.InvalidArgument, Reason.CONTENT_TOO_LARGE, `content: at most ${maxBytes} bytes${received}`, {
    field: 'content',
    limit: maxBytes,
  });
}

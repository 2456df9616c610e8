import { create, toBinary } from '@bufbuild/protobuf';
import { BinaryWriter } from '@bufbuild/protobuf/wire';
import { describe, expect, it } from '@jest/globals';
import { ErrorDetailSchema } from '@pastemesh/gen/errors';
import { errorDetailFromStatus } from './status-details.js';

/** A google.rpc.Status as servers put it in grpc-status-details-bin. */
function statusWith(details: { typeUrl: string; value: Uint8Array }[]): Uint8Array {
  const w = new BinaryWriter().tag(1, 0).int32(5).tag(2, 2).string('paste x not found');
  for (const d of details) w.tag(3, 2).bytes(new BinaryWriter().tag(1, 2).string(d.typeUrl).tag(2, 2).bytes(d.value).finish());
  return w.finish();
}

describe('errorDetailFromStatus', () => {
  it('finds the Pastemesh ErrorDetail among the status details', () => {
    const detail = toBinary(ErrorDetailSchema, create(ErrorDetailSchema, { reason: 'RATE_LIMITED', retryAfterSeconds: 7 }));
    const bin = statusWith([
      { typeUrl: 'type.googleapis.com/google.rpc.DebugInfo', value: new Uint8Array([10, 1, 65]) },
      { typeUrl: 'type.googleapis.com/pastemesh.errors.v1.ErrorDetail', value: detail },
    ]);
    expect(errorDetailFromStatus(bin)).toMatchObject({ reason: 'RATE_LIMITED', retryAfterSeconds: 7 });
  });

  it('returns nothing for an absent or malformed trailer instead of failing', () => {
    expect(errorDetailFromStatus(undefined)).toBeUndefined();
    expect(errorDetailFromStatus(statusWith([]))).toBeUndefined();
    expect(errorDetailFromStatus(new Uint8Array([0x1a, 0xff, 0xff]))).toBeUndefined();
  });
});

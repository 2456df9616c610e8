import { fromBinary } from '@bufbuild/protobuf';
import { BinaryReader, WireType } from '@bufbuild/protobuf/wire';
import { ErrorDetailSchema, type ErrorDetail } from '@pastemesh/gen/errors';

const ERROR_DETAIL_TYPE = 'pastemesh.errors.v1.ErrorDetail';

/**
 * Finds Pastemesh's ErrorDetail in a `grpc-status-details-bin` trailer: a
 * google.rpc.Status { code = 1; message = 2; repeated Any details = 3 }, each
 * Any being { type_url = 1; value = 2 }. Decoded by hand with protobuf-es's
 * wire reader, so pastectl needs no google.rpc descriptors.
 */
export function errorDetailFromStatus(statusBin: Uint8Array | undefined): ErrorDetail | undefined {
  if (!statusBin || statusBin.length === 0) return undefined;
  try {
    const status = new BinaryReader(statusBin);
    while (status.pos < status.len) {
      const [field, wireType] = status.tag();
      if (field !== 3 || wireType !== WireType.LengthDelimited) {
        status.skip(wireType);
        continue;
      }
      const any = new BinaryReader(status.bytes());
      let typeUrl = '';
      let value: Uint8Array | undefined;
      while (any.pos < any.len) {
        const [f, t] = any.tag();
        if (f === 1 && t === WireType.LengthDelimited) typeUrl = any.string();
        else if (f === 2 && t === WireType.LengthDelimited) value = any.bytes();
        else any.skip(t);
      }
      if (value && typeUrl.endsWith(`/${ERROR_DETAIL_TYPE}`)) return fromBinary(ErrorDetailSchema, value);
    }
  } catch {
    // A malformed trailer only loses the detail; the code and message still stand.
  }
  return undefined;
}

import type * as grpc from '@grpc/grpc-js';
import { toBinary, type DescFile, type DescService } from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema } from '@bufbuild/protobuf/wkt';
import type { PackageDefinition } from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';
import { file_pastemesh_errors_v1_errors } from '@pastemesh/gen/errors';
import { Health } from '@pastemesh/gen/health';

/**
 * Adds gRPC server reflection (v1 and v1alpha) for the given services and the
 * health service, so grpcurl and `buf curl` need no .proto files. It also
 * serves pastemesh/errors/v1/errors.proto: no service file imports it, yet
 * every error carries its `pastemesh.errors.v1.ErrorDetail`, which clients
 * resolve by symbol to decode the details.
 *
 * The descriptors are the exact ones protobuf-es embeds, handed to
 * @grpc/reflection as serialized FileDescriptorProtos. (Going through
 * proto-loader instead merges files and drops their `dependency` lists, and
 * then clients cannot resolve imported types such as Timestamp.)
 */
export function addReflection(server: grpc.Server, services: DescService[]): void {
  const files = new Map<string, DescFile>();
  const visit = (file: DescFile) => {
    if (files.has(file.name)) return;
    for (const dep of file.dependencies) visit(dep);
    files.set(file.name, file);
  };
  const all = [...services, Health];
  for (const service of all) visit(service.file);
  visit(file_pastemesh_errors_v1_errors);
  const encoded = [...files.values()].map((f) => Buffer.from(toBinary(FileDescriptorProtoSchema, f.proto)));
  // @grpc/reflection reads only `fileDescriptorProtos` from each entry of the package definition.
  const pkg = Object.fromEntries(
    [...files.keys()].map((name) => [name, { fileDescriptorProtos: encoded }]),
  ) as unknown as PackageDefinition;
  new ReflectionService(pkg, { services: all.map((s) => s.typeName) }).addToServer(server);
}

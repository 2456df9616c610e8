import type * as grpc from '@grpc/grpc-js';
import { create, toBinary, type DescFile, type DescService } from '@bufbuild/protobuf';
import { FileDescriptorSetSchema } from '@bufbuild/protobuf/wkt';
import { loadFileDescriptorSetFromBuffer } from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';

/**
 * Adds gRPC server reflection for the given services, built from the
 * descriptors protobuf-es already embeds, so grpcurl and `buf curl --reflect`
 * need no .proto files.
 */
export function addReflection(server: grpc.Server, services: DescService[]): void {
  const files = new Map<string, DescFile>();
  const visit = (file: DescFile) => {
    if (files.has(file.name)) return;
    for (const dep of file.dependencies) visit(dep);
    files.set(file.name, file);
  };
  for (const service of services) visit(service.file);
  const set = create(FileDescriptorSetSchema, { file: [...files.values()].map((f) => f.proto) });
  const pkg = loadFileDescriptorSetFromBuffer(Buffer.from(toBinary(FileDescriptorSetSchema, set)));
  new ReflectionService(pkg, { services: services.map((s) => s.typeName) }).addToServer(server);
}

// graphql-codegen: the GraphQL types, generated from the schema like the protobuf code is from proto/.
// `npm run generate` runs buf and then this; CI (.ci/run) fails if the output differs from what is committed.
// Everything here is offline: the schema and the documents are local files.
import type { CodegenConfig } from '@graphql-codegen/cli';

/** The contract: the gateway serves it, the web client sends operations against it. */
const SCHEMA = 'gateway/src/schema/schema.graphql';

const config: CodegenConfig = {
  overwrite: true,
  schema: SCHEMA,
  // Generated files are committed: stable output, no timestamps, no prettier run.
  generates: {
    // The gateway's resolver signatures. Parents are our view objects (mappers), not the
    // GraphQL shapes, so a resolver receives what the loaders return. Paths are relative
    // to the generated file; if a view moves, only this block changes.
    'gateway/src/graphql/generated/resolvers.ts': {
      plugins: ['typescript', 'typescript-resolvers'],
      config: {
        useTypeImports: true,
        enumsAsTypes: true,
        contextType: '../context.js#GatewayContext',
        mappers: {
          Paste: '../../paste/paste.view.js#PasteView',
          User: '../../user/user.loader.js#UserView',
          PasteStats: '../../stats/stats.loader.js#StatsView',
        },
        scalars: { DateTime: 'Date' },
      },
    },
    // The web client's operations: each document's result and variables types.
    // The documents are the `/* GraphQL */` strings in operations.ts (what the client sends).
    'gateway/web/src/api/generated/graphql.ts': {
      documents: ['gateway/web/src/api/operations.ts'],
      // typescript-operations 6 stands alone: it emits the enums and inputs the operations
      // use (adding the `typescript` plugin would declare them twice) and no other schema type.
      plugins: ['typescript-operations'],
      config: {
        useTypeImports: true,
        // Enums as string unions (what `enumsAsTypes: true` is in the typescript plugin).
        enumType: 'string-literal',
        // JSON carries DateTime as its ISO-8601 string.
        scalars: { DateTime: 'string' },
      },
    },
  },
};

export default config;

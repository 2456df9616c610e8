// Baseline: Apollo Server on its own (standalone node:http integration, default plugins) answering the
// same `paste(id) { content }` query from memory, over the gateway's own schema.
import fs from 'node:fs';
import path from 'node:path';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { makeExecutableSchema } from '@graphql-tools/schema';
import { ROOT } from '../../scripts/mesh/services.js';
import { HOT_ID, pasteContent } from '../data.js';

const typeDefs = fs.readFileSync(path.join(ROOT, 'gateway/src/schema/schema.graphql'), 'utf8');
const pastes = new Map([[HOT_ID, { id: HOT_ID, content: pasteContent(0).toString('utf8') }]]);
const schema = makeExecutableSchema({
  typeDefs,
  resolvers: { Query: { paste: (_: unknown, args: { id: string }) => pastes.get(args.id) ?? null } },
});
const server = new ApolloServer({ schema });
const { url } = await startStandaloneServer(server, {
  listen: { port: Number(process.env['PORT'] ?? 0), host: '127.0.0.1' },
});
process.send?.({ ready: true, url });
process.on('SIGTERM', () => void server.stop().then(() => process.exit(0)));

// Baseline: Apollo Server on its own (standalone node:http integration, default plugins) answering the hot
// paste from memory over the gateway's own schema: `paste(id) { content }` (the bench's read) or any of its
// scalar fields (READ_ALL_SCALARS_QUERY), each a plain property as Apollo's default resolver reads it.
// Its NODE_ENV comes from whoever starts it (run.ts: production, as the gateway runs): Apollo and graphql-js
// behave differently outside production (graphql-js checks every instanceof across realms).
import fs from 'node:fs';
import path from 'node:path';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { makeExecutableSchema } from '@graphql-tools/schema';
import { ROOT } from '../../scripts/mesh/services.js';
import { HOT_ID, pasteContent, sha256Hex } from '../data.js';

const typeDefs = fs.readFileSync(path.join(ROOT, 'gateway/src/schema/schema.graphql'), 'utf8');
const content = pasteContent(0);
const created = new Date(Date.now() - 86_400_000).toISOString();
const base = `http://127.0.0.1:${process.env['PORT'] ?? 0}`;
const hot = {
  id: HOT_ID,
  title: null,
  content: content.toString('utf8'),
  language: 'plaintext',
  visibility: 'PUBLIC',
  createdAt: created,
  updatedAt: created,
  expiresAt: null,
  burnAfterRead: false,
  concealed: false,
  sizeBytes: content.length,
  sha256: sha256Hex(content),
  version: 1,
  latestVersion: 1,
  url: `${base}/p/${HOT_ID}`,
  rawUrl: `${base}/raw/${HOT_ID}`,
};
const pastes = new Map([[HOT_ID, hot]]);
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

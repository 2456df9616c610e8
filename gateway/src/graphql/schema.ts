import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { makeExecutableSchema } from '@graphql-tools/schema';
import { DateTimeScalar } from './scalars.js';
import { pasteResolvers } from '../paste/paste.resolver.js';
import { authResolvers } from '../auth/auth.resolver.js';
import { statsResolvers } from '../stats/stats.resolver.js';

/** The schema source, read once; schema-first, so the .graphql file is the contract. */
export const typeDefs = fs.readFileSync(fileURLToPath(new URL('../schema/schema.graphql', import.meta.url)), 'utf8');

/** The executable schema with every resolver map. */
export function createSchema() {
  return makeExecutableSchema({
    typeDefs,
    resolvers: [{ DateTime: DateTimeScalar }, pasteResolvers, authResolvers, statsResolvers],
  });
}

// The documents the web client sends, exactly as sent, against the schema (no browser needed).
// graphql-codegen validates the plucked documents together; this checks each operation's own
// text, which must carry every fragment it spreads, once.
import fs from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { buildSchema, parse, validate, type OperationDefinitionNode } from 'graphql';
import * as operations from '../../gateway/web/src/api/operations.js';

const schema = buildSchema(
  fs.readFileSync(new URL('../../gateway/src/schema/schema.graphql', import.meta.url), 'utf8'),
);
const sent = Object.entries(operations).filter((entry): entry is [string, string] => typeof entry[1] === 'string');

describe('web client operations', () => {
  it('exports the operations the pages send', () => {
    expect(sent.map(([name]) => name).sort()).toEqual(
      [
        'CREATE_PASTE',
        'DELETE_PASTE',
        'LANGUAGES',
        'LOGIN',
        'LOGOUT',
        'MY_PASTES',
        'PASTE_VIEW',
        'REFRESH_TOKEN',
        'REGISTER',
        'REVEAL_PASTE',
        'TOP_PASTES',
        'UPDATE_PASTE',
      ].sort(),
    );
  });

  it.each(sent)('%s is one named operation that is valid against the schema on its own', (_, source) => {
    const document = parse(source);
    const ops = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === 'OperationDefinition');
    expect(ops).toHaveLength(1);
    expect(ops[0]!.name?.value).toMatch(/^[A-Z]\w+$/);
    // The client reads the operation name from the start of the text (graphql-client.ts).
    expect(/^\s*(?:query|mutation)\s+(\w+)/.exec(source)?.[1]).toBe(ops[0]!.name?.value);
    expect(validate(schema, document).map((e) => e.message)).toEqual([]);
  });
});

describe('generated GraphQL types', () => {
  it('load under the test transform (type-only imports, nothing left at run time)', async () => {
    await expect(import('../../gateway/src/graphql/generated/resolvers.js')).resolves.toBeDefined();
    await expect(import('../../gateway/web/src/api/generated/graphql.js')).resolves.toBeDefined();
  });
});

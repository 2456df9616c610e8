// How `npm start` (scripts/start-all.ts) starts the mesh: one environment for four services, HOST and the
// gateway's HTTP_PORT and PUBLIC_URL taken from it. No test here binds the default ports (5000–5003, 9000–9003).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePortsBelowEphemeral } from '@pastemesh/kit/testing';
import { TEST_DOWNSTREAM_TIMEOUT_MS, startStack, type Stack } from '../scripts/stack.js';
import { gqlOk } from './support/graphql.js';

/** Moves every port but the gateway's HTTP port off the defaults, which CI may be using. */
const OFF_DEFAULT_PORTS = {
  auth: { GRPC_PORT: '0', CONNECT_PORT: '0', ADMIN_PORT: '0' },
  paste: { GRPC_PORT: '0', CONNECT_PORT: '0', ADMIN_PORT: '0' },
  analytics: { GRPC_PORT: '0', CONNECT_PORT: '0', ADMIN_PORT: '0' },
  gateway: { ADMIN_PORT: '0' },
};

async function createPasteUrl(gatewayUrl: string): Promise<string> {
  const data = await gqlOk(
    gatewayUrl,
    `mutation($input: CreatePasteInput!) { createPaste(input: $input) { paste { id url } } }`,
    {
      input: { content: 'where do my links point?', expiry: 'ONE_DAY' },
    },
  );
  const paste = data['createPaste'].paste as { id: string; url: string };
  expect(paste.url).toMatch(new RegExp(`/p/${paste.id}`));
  return paste.url;
}

describe('startStack as npm start calls it (ports: default)', () => {
  let stack: Stack;
  let httpPort: number;
  let dataDir: string;
  beforeAll(async () => {
    [httpPort] = (await freePortsBelowEphemeral(1, { from: 24_000, size: 1_000 })) as [number];
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pastemesh-start-'));
    const env = { HOST: '127.0.0.1', HTTP_PORT: String(httpPort), DATA_DIR: dataDir, LOG_LEVEL: 'error' };
    stack = await startStack({
      env,
      ports: 'default',
      serviceEnv: {
        ...OFF_DEFAULT_PORTS,
        gateway: { ...OFF_DEFAULT_PORTS.gateway, DOWNSTREAM_TIMEOUT_MS: TEST_DOWNSTREAM_TIMEOUT_MS },
      },
    });
  });
  afterAll(async () => {
    await stack?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('serves the gateway on HTTP_PORT and HOST from the environment', async () => {
    expect(stack.gatewayUrl).toBe(`http://127.0.0.1:${httpPort}`);
    const res = await fetch(`http://127.0.0.1:${httpPort}/healthz`);
    expect(res.status).toBe(200);
    expect(await gqlOk(`http://127.0.0.1:${httpPort}`, '{ __typename }')).toEqual({ __typename: 'Query' });
  });

  it('links pastes to http://localhost:<HTTP_PORT> when PUBLIC_URL is unset', async () => {
    expect(stack.publicUrl).toBe(`http://localhost:${httpPort}`);
    expect(await createPasteUrl(stack.gatewayUrl)).toMatch(new RegExp(`^http://localhost:${httpPort}/p/`));
  });
});

describe('startStack with HOST=0.0.0.0 on random ports', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({
      mode: 'embedded',
      ports: 'random',
      env: { HOST: '0.0.0.0', LOG_LEVEL: 'error' },
    });
  });
  afterAll(async () => stack?.stop());

  it('listens on every interface while peers and clients dial loopback', async () => {
    const port = stack.ports.gateway['http'];
    expect(stack.gatewayUrl).toBe(`http://127.0.0.1:${port}`);
    expect(stack.grpc.paste).toBe(`127.0.0.1:${stack.ports.paste['grpc']}`);
    // Any address of this machine reaches it, not only 127.0.0.1 (127.0.0.0/8 is all loopback on Linux).
    expect((await fetch(`http://127.0.0.2:${port}/healthz`)).status).toBe(200);
  });

  it('links pastes to the port the gateway bound', async () => {
    const port = stack.ports.gateway['http'];
    expect(port).toBeGreaterThan(0);
    expect(await createPasteUrl(stack.gatewayUrl)).toMatch(new RegExp(`^http://localhost:${port}/p/`));
  });
});

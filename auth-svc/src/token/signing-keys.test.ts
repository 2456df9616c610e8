import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  calculateJwkThumbprint,
  decodeProtectedHeader,
  exportJWK,
  exportPKCS8,
  exportSPKI,
  generateKeyPair,
} from 'jose';
import { createLogger } from '@pastemesh/kit/observability';
import { STORAGE_MODES } from '@pastemesh/kit/testing';
import { registerUser, startAuth, type AuthHarness } from '../testing/auth-harness.js';
import { SIGNING_KEY_FILE, loadSigningKeys } from './signing-keys.js';

const logger = createLogger('auth-test', 'silent');

describe.each(STORAGE_MODES)('signing keys across restarts (%s)', (mode) => {
  let auth: AuthHarness;
  beforeAll(async () => {
    auth = await startAuth(mode, 'auth_keys');
  });
  afterAll(async () => auth?.close());

  it('generates the embedded key once, owner-only, and keeps verifying its tokens after a restart', async () => {
    const file = path.join(auth.storage.dataDir, SIGNING_KEY_FILE);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const { accessToken, userId } = await registerUser(auth.client);
    const before = fs.readFileSync(file, 'utf8');
    await auth.restart();
    expect(fs.readFileSync(file, 'utf8')).toBe(before);
    expect((await auth.client.verifyToken({ token: accessToken })).userId).toBe(userId);
  });

  it('rotates: serves the current and previous key and accepts tokens signed with either', async () => {
    const a = await generateKeyPair('EdDSA', { extractable: true });
    const b = await generateKeyPair('EdDSA', { extractable: true });
    await auth.restart({ JWT_PRIVATE_KEY: await exportPKCS8(a.privateKey) });
    const old = await registerUser(auth.client);
    await auth.restart({
      JWT_PRIVATE_KEY: JSON.stringify(await exportJWK(b.privateKey)),
      JWT_PREVIOUS_PUBLIC_KEYS: await exportSPKI(a.publicKey),
    });
    const { keys } = (await (await fetch(auth.jwksUrl)).json()) as { keys: Array<{ kid: string }> };
    const kidA = await calculateJwkThumbprint(await exportJWK(a.publicKey));
    const kidB = await calculateJwkThumbprint(await exportJWK(b.publicKey));
    expect(keys.map((k) => k.kid)).toEqual([kidB, kidA]);
    expect((await auth.client.verifyToken({ token: old.accessToken })).userId).toBe(old.userId);
    const fresh = await registerUser(auth.client);
    expect(decodeProtectedHeader(fresh.accessToken).kid).toBe(kidB);
    // Once the previous key is dropped, its tokens stop verifying.
    await auth.restart({ JWT_PREVIOUS_PUBLIC_KEYS: '[]' });
    await expect(auth.client.verifyToken({ token: old.accessToken })).rejects.toThrow(/access token invalid/);
  });
});

describe('loadSigningKeys', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pm-auth-keys-'));
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('refuses a key that is not Ed25519', async () => {
    const p256 = await generateKeyPair('ES256', { extractable: true });
    await expect(
      loadSigningKeys({
        privateKey: await exportPKCS8(p256.privateKey),
        previousPublicKeys: undefined,
        dataDir,
        logger,
      }),
    ).rejects.toThrow(/JWT_PRIVATE_KEY/);
  });

  it('refuses a private key among the previous public keys', async () => {
    const a = await generateKeyPair('EdDSA', { extractable: true });
    const previous = JSON.stringify({ keys: [await exportJWK(a.privateKey)] });
    await expect(
      loadSigningKeys({ privateKey: undefined, previousPublicKeys: previous, dataDir, logger }),
    ).rejects.toThrow(/private key/);
  });

  it('accepts previous keys as a JWKS, a JWK array or PEM blocks, without duplicating the current key', async () => {
    const a = await generateKeyPair('EdDSA', { extractable: true });
    const b = await generateKeyPair('EdDSA', { extractable: true });
    const privateKey = await exportPKCS8(a.privateKey);
    const pems = `${await exportSPKI(a.publicKey)}\n${await exportSPKI(b.publicKey)}`;
    const fromPem = await loadSigningKeys({ privateKey, previousPublicKeys: pems, dataDir, logger });
    const fromJwks = await loadSigningKeys({
      privateKey,
      previousPublicKeys: JSON.stringify({ keys: [await exportJWK(b.publicKey)] }),
      dataDir,
      logger,
    });
    const fromArray = await loadSigningKeys({
      privateKey,
      previousPublicKeys: JSON.stringify([await exportJWK(b.publicKey)]),
      dataDir,
      logger,
    });
    expect(fromPem.jwks.keys).toHaveLength(2);
    expect(fromJwks.jwks.keys.map((k) => k.kid)).toEqual(fromPem.jwks.keys.map((k) => k.kid));
    expect(fromArray.jwks.keys.map((k) => k.kid)).toEqual(fromPem.jwks.keys.map((k) => k.kid));
  });
});

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Code, ConnectError, type ServiceImpl } from '@connectrpc/connect';
import { AuthService, CredentialKind, Role } from '@pastemesh/gen/auth';
import { Visibility } from '@pastemesh/gen/paste';
import { createLogger, createMetrics } from '@pastemesh/kit/observability';
import { bindService, errorDetail } from '@pastemesh/kit/rpc';
import { createServiceHost, type ServiceHost } from '@pastemesh/kit/server';
import { STORAGE_MODES } from '@pastemesh/kit/testing';
import { bytes, rejection, startPasteHarness, text, type PasteHarness } from './testing/paste-harness.js';

/** A stand-in for auth-svc that knows one API key; every other RPC is unimplemented. */
function authStandIn(accessToken: () => string): ServiceImpl<typeof AuthService> {
  const unimplemented = Object.fromEntries(
    AuthService.methods.map((m) => [
      m.localName,
      async () => Promise.reject(new ConnectError('not in this stand-in', Code.Unimplemented)),
    ]),
  ) as unknown as ServiceImpl<typeof AuthService>;
  return {
    ...unimplemented,
    async verifyToken(req) {
      if (req.token !== 'pm_dave_key') throw new ConnectError('unknown API key', Code.Unauthenticated);
      return { userId: 'dave', roles: [Role.USER], kind: CredentialKind.API_KEY, accessToken: accessToken() };
    },
  };
}

describe.each(STORAGE_MODES)('API keys (%s)', (mode) => {
  let auth: ServiceHost;
  let h: PasteHarness;
  let daveToken = '';

  beforeAll(async () => {
    auth = createServiceHost({
      name: 'auth-stand-in',
      logger: createLogger('auth-stand-in', 'silent'),
      metrics: createMetrics('auth-stand-in'),
      host: '127.0.0.1',
      services: [
        bindService(
          AuthService,
          authStandIn(() => daveToken),
        ),
      ],
      grpcPort: 0,
      connectPort: 0,
      adminPort: 0,
    });
    const ports = await auth.start();
    h = await startPasteHarness(mode, 'paste_apikey', { AUTH_SVC_URL: `127.0.0.1:${ports.grpc}` });
    daveToken = await h.issuer.sign('dave');
  });
  afterAll(async () => {
    await h.close();
    await auth.stop();
  });

  it("acts as the key's user after asking auth-svc's VerifyToken", async () => {
    const { paste } = await h.client.createPaste(
      { content: bytes('by key'), visibility: Visibility.PRIVATE },
      h.as('pm_dave_key'),
    );
    expect(paste?.ownerId).toBe('dave');
    expect(text((await h.client.getPaste({ id: paste!.id }, h.as('pm_dave_key'))).paste?.content)).toBe('by key');
    expect((await rejection(h.client.getPaste({ id: paste!.id }))).code).toBe(Code.NotFound);
  });

  it('refuses a key auth-svc does not know with UNAUTHENTICATED', async () => {
    const err = await rejection(h.client.listPastes({}, h.as('pm_unknown')));
    expect([err.code, errorDetail(err)?.reason]).toEqual([Code.Unauthenticated, 'TOKEN_INVALID']);
  });
});

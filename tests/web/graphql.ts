// A tiny GraphQL caller for setting up browser tests (accounts, pastes) without clicking through the UI.

/** POSTs one operation to the gateway as JSON; throws on any error. */
export async function gql<T>(gatewayUrl: string, query: string, variables: Record<string, unknown> = {}, token?: string): Promise<T> {
  const res = await fetch(`${gatewayUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: T; errors?: { message: string }[] };
  if (body.errors?.length || !body.data) throw new Error(`GraphQL failed: ${JSON.stringify(body.errors ?? body)}`);
  return body.data;
}

/** Registers a fresh account and returns its credentials and access token. */
export async function registerUser(gatewayUrl: string, label: string, givenEmail?: string) {
  const email = givenEmail ?? `${label}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}@example.test`;
  const password = 'correct horse battery staple';
  const displayName = `${label} tester`;
  const data = await gql<{ register: { accessToken: string; refreshToken: string; account: { user: { id: string } } } }>(
    gatewayUrl,
    'mutation($e: String!, $p: String!, $d: String!) { register(email: $e, password: $p, displayName: $d) { accessToken refreshToken account { user { id } } } }',
    { e: email, p: password, d: displayName },
  );
  return { email, password, displayName, userId: data.register.account.user.id, accessToken: data.register.accessToken };
}

/** Creates a paste through GraphQL; returns its id. */
export async function createPaste(gatewayUrl: string, input: Record<string, unknown>, token?: string): Promise<string> {
  const data = await gql<{ createPaste: { paste: { id: string } } }>(
    gatewayUrl,
    'mutation($input: CreatePasteInput!) { createPaste(input: $input) { paste { id } } }',
    { input },
    token,
  );
  return data.createPaste.paste.id;
}

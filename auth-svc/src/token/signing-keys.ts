import fs from 'node:fs';
import path from 'node:path';
import {
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  importJWK,
  importPKCS8,
  importSPKI,
  type CryptoKey,
  type JSONWebKeySet,
  type JWK,
} from 'jose';
import { ACCESS_TOKEN } from '@pastemesh/kit/auth';
import { type Logger } from '@pastemesh/kit/observability';

/** The file the embedded default keeps its generated key in, under DATA_DIR. */
export const SIGNING_KEY_FILE = 'auth-signing-key.json';

/** The key access tokens are signed with, and the public keys verifiers should trust. */
export interface SigningKeys {
  /** JWK thumbprint (RFC 7638) of the current public key. */
  kid: string;
  privateKey: CryptoKey;
  /** Current key first, then previous ones still accepted during a rotation. */
  jwks: JSONWebKeySet;
}

/** Where the keys come from. */
export interface SigningKeySource {
  /** PKCS8 PEM or private JWK JSON (production); unset means the generated key in `dataDir`. */
  privateKey: string | undefined;
  /** JWKS / JWK array JSON or SPKI PEM blocks of keys retired by a rotation. */
  previousPublicKeys: string | undefined;
  dataDir: string;
  logger: Logger;
}

/** Loads (or, in the embedded default, generates once and keeps) the signing key and builds the JWKS. */
export async function loadSigningKeys(source: SigningKeySource): Promise<SigningKeys> {
  const privateJwk = source.privateKey
    ? await parsePrivateKey(source.privateKey)
    : await fileKey(source.dataDir, source.logger);
  const current = publicPart(privateJwk, 'JWT_PRIVATE_KEY');
  const previous = source.previousPublicKeys ? await parsePublicKeys(source.previousPublicKeys) : [];
  const keys: JWK[] = [];
  for (const jwk of [current, ...previous]) {
    const kid = await calculateJwkThumbprint(jwk);
    if (!keys.some((k) => k.kid === kid)) keys.push({ ...jwk, kid, alg: ACCESS_TOKEN.alg, use: 'sig' });
  }
  const privateKey = (await importJWK(privateJwk, ACCESS_TOKEN.alg)) as CryptoKey;
  return { kid: keys[0]!.kid!, privateKey, jwks: { keys } };
}

async function parsePrivateKey(text: string): Promise<JWK> {
  try {
    if (text.startsWith('{')) return JSON.parse(text) as JWK;
    return await exportJWK(await importPKCS8(text, ACCESS_TOKEN.alg, { extractable: true }));
  } catch (err) {
    throw new Error(
      `JWT_PRIVATE_KEY: not an Ed25519 PKCS8 PEM or JWK (${err instanceof Error ? err.message : String(err)})`,
    );
  }
}

async function parsePublicKeys(text: string): Promise<JWK[]> {
  try {
    if (text.startsWith('-----')) {
      const pems = text.match(/-----BEGIN PUBLIC KEY-----[\s\S]+?-----END PUBLIC KEY-----/g) ?? [];
      return await Promise.all(
        pems.map(async (pem) => exportJWK(await importSPKI(pem, ACCESS_TOKEN.alg, { extractable: true }))),
      );
    }
    const parsed = JSON.parse(text) as JSONWebKeySet | JWK[] | JWK;
    const list = Array.isArray(parsed)
      ? parsed
      : 'keys' in parsed && Array.isArray(parsed.keys)
        ? parsed.keys
        : [parsed as JWK];
    return list.map((jwk, i) => {
      // A private key here is a mistake to flag, not to publish.
      if ('d' in jwk && jwk.d) throw new Error(`key ${i} is a private key; give only public keys`);
      return publicPart(jwk, `JWT_PREVIOUS_PUBLIC_KEYS[${i}]`);
    });
  } catch (err) {
    throw new Error(`JWT_PREVIOUS_PUBLIC_KEYS: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** The public members of an Ed25519 JWK (exactly what the thumbprint covers). */
function publicPart(jwk: JWK, what: string): JWK {
  if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || typeof jwk.x !== 'string')
    throw new Error(`${what}: must be an Ed25519 (OKP) key`);
  return { kty: jwk.kty, crv: jwk.crv, x: jwk.x };
}

// The embedded default: one key per DATA_DIR, made on first start and kept private to the owner.
async function fileKey(dataDir: string, logger: Logger): Promise<JWK> {
  const file = path.join(dataDir, SIGNING_KEY_FILE);
  const read = () => (JSON.parse(fs.readFileSync(file, 'utf8')) as { privateJwk: JWK }).privateJwk;
  if (fs.existsSync(file)) return read();
  fs.mkdirSync(dataDir, { recursive: true });
  const { privateKey } = await generateKeyPair(ACCESS_TOKEN.alg, { crv: 'Ed25519', extractable: true });
  const privateJwk = await exportJWK(privateKey);
  try {
    // 'wx' fails if another process wrote the file first; then we use theirs.
    fs.writeFileSync(file, JSON.stringify({ privateJwk, createdAt: new Date().toISOString() }), {
      flag: 'wx',
      mode: 0o600,
    });
    logger.warn({ file }, 'generated a signing key for the embedded default; set JWT_PRIVATE_KEY in production');
    return privateJwk;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return read();
    throw err;
  }
}

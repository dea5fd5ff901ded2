// kubeseal's value format, in WebCrypto. Per value: a fresh random 32-byte AES-256 session key; the
// value sealed with AES-256-GCM under a zero 12-byte nonce (safe: each key seals exactly one value, as
// Bitnami does); the session key wrapped with RSA-OAEP (SHA-256, MGF1-SHA-256) whose label is the scope.
// Output: uint16 big-endian length of the RSA ciphertext | RSA ciphertext | AES-GCM ciphertext | 16-byte tag.

const encoder = new TextEncoder();

/** The OAEP label of a scope: strict "namespace/name", namespace-wide "namespace", cluster-wide empty. */
export function scopeLabel(scope, namespace, name) {
  if (scope === 'cluster-wide') return new Uint8Array(0);
  if (scope === 'namespace-wide') return encoder.encode(namespace || '');
  return encoder.encode(`${namespace || ''}/${name || ''}`);
}

export function base64(bytes) {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

/** Seals one value (bytes) to the certificate's public key; returns base64. */
export async function sealValue(publicKey, label, plaintext) {
  const sessionKey = crypto.getRandomValues(new Uint8Array(32));
  try {
    const wrapped = new Uint8Array(await crypto.subtle.encrypt({ name: 'RSA-OAEP', label }, publicKey, sessionKey));
    const aesKey = await crypto.subtle.importKey('raw', sessionKey, { name: 'AES-GCM' }, false, ['encrypt']);
    const body = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv: new Uint8Array(12), tagLength: 128 }, aesKey, plaintext));
    const output = new Uint8Array(2 + wrapped.length + body.length);
    output[0] = wrapped.length >> 8;
    output[1] = wrapped.length & 0xff;
    output.set(wrapped, 2);
    output.set(body, 2 + wrapped.length);
    return base64(output);
  } finally {
    sessionKey.fill(0);
  }
}

// The typed Secrets of `kubectl create secret docker-registry|tls|generic --type`, built as the
// Secrets room's TypedSecrets builds them, so the sealed bytes are what the CLI would seal.
import { toCompactJson } from './manifest.js';
import { readElement, children, pemBlock } from './cert.js';
import { base64 } from './kubeseal.js';

export const defaultDockerServer = 'https://index.docker.io/v1/';
const encoder = new TextEncoder();

/** .dockerconfigjson with one registry, fields in kubectl's order; the problem when incomplete. */
export function dockerConfigJson({ server, username, password, email }) {
  if (!username || !password) return { problem: 'docker-registry: --docker-username and --docker-password are required' };
  const entry = { username, password };
  if (email) entry.email = email;
  entry.auth = base64(encoder.encode(`${username}:${password}`));
  return { bytes: encoder.encode(toCompactJson({ auths: { [server || defaultDockerServer]: entry } })) };
}

const oids = { rsa: '2a864886f70d010101', ec: '2a8648ce3d0201' };
const hexOf = bytes => Array.from(bytes, b => b.toString(16).padStart(2, '0')).join('');
const content = (der, element) => der.subarray(element.start, element.end);
/** An INTEGER's magnitude without leading zero bytes. */
const magnitude = bytes => { let i = 0; while (i < bytes.length - 1 && bytes[i] === 0) i++; return hexOf(bytes.subarray(i)); };

/** The public half of a certificate: RSA modulus or EC point, as hex. */
function certificatePublic(der) {
  const tbs = children(der, children(der, readElement(der, 0))[0]);
  const spki = children(der, tbs[tbs[0].tag === 0xa0 ? 6 : 5]);
  const algorithm = hexOf(content(der, children(der, spki[0])[0]));
  const bits = content(der, spki[1]).subarray(1);
  if (algorithm === oids.rsa) return { kind: 'rsa', value: magnitude(content(bits, children(bits, readElement(bits, 0))[0])) };
  if (algorithm === oids.ec) return { kind: 'ec', value: hexOf(bits) };
  return { kind: algorithm, value: hexOf(bits) };
}

/** The public half a private key holds: PKCS#1, SEC1, or either wrapped in PKCS#8. */
function privatePublic(pem) {
  let der = pemBlock(pem, 'RSA PRIVATE KEY');
  if (der) return { kind: 'rsa', value: magnitude(content(der, children(der, readElement(der, 0))[1])) };
  der = pemBlock(pem, 'EC PRIVATE KEY');
  if (der) return ecPublic(der, readElement(der, 0));
  der = pemBlock(pem, 'PRIVATE KEY');
  if (!der) return null;
  const fields = children(der, readElement(der, 0));
  const algorithm = hexOf(content(der, children(der, fields[1])[0]));
  const inner = content(der, fields[2]);
  if (algorithm === oids.rsa) return { kind: 'rsa', value: magnitude(content(inner, children(inner, readElement(inner, 0))[1])) };
  if (algorithm === oids.ec) return ecPublic(inner, readElement(inner, 0));
  return null;
}

function ecPublic(der, sequence) {
  const field = children(der, sequence).find(e => e.tag === 0xa1);
  if (!field) return null;
  const bits = readElement(der, field.start);
  return { kind: 'ec', value: hexOf(content(der, bits).subarray(1)) };
}

/** True when the PEM certificate and PEM private key are one pair (what X509Certificate2.CreateFromPem checks). */
export function tlsPairMatches(certificatePem, keyPem) {
  try {
    const der = pemBlock(certificatePem, 'CERTIFICATE');
    const key = privatePublic(keyPem);
    if (!der || !key) return false;
    const certificate = certificatePublic(der);
    return certificate.kind === key.kind && certificate.value === key.value;
  } catch {
    return false;
  }
}

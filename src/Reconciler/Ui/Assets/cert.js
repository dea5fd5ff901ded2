// The sealing certificate, read in the browser: a small DER walker finds the SubjectPublicKeyInfo and the
// validity dates, WebCrypto imports the key for RSA-OAEP-SHA256 and hashes the SPKI for the fingerprint
// (hex SHA-256 of the DER SubjectPublicKeyInfo, the form `keys list` and the CLI print).

/** Reads one DER element at offset: its tag, where its content starts and where it ends. */
export function readElement(bytes, offset) {
  if (offset + 2 > bytes.length) throw new Error('truncated DER');
  const tag = bytes[offset];
  let length = bytes[offset + 1];
  let start = offset + 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count === 0 || count > 4 || start + count > bytes.length) throw new Error('bad DER length');
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + bytes[start + i];
    start += count;
  }
  const end = start + length;
  if (end > bytes.length) throw new Error('truncated DER');
  return { tag, offset, start, end };
}

/** The elements directly inside a constructed element. */
export function children(bytes, element) {
  const items = [];
  for (let at = element.start; at < element.end;) {
    const child = readElement(bytes, at);
    items.push(child);
    at = child.end;
  }
  return items;
}

/** The bytes of the first PEM block with this label, or null. */
export function pemBlock(text, label) {
  const match = new RegExp(`-----BEGIN ${label}-----([A-Za-z0-9+/=\\s]+)-----END ${label}-----`).exec(text);
  if (!match) return null;
  const binary = atob(match[1].replace(/\s+/g, ''));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

function derTime(bytes, element) {
  const text = new TextDecoder().decode(bytes.subarray(element.start, element.end));
  const m = element.tag === 0x17
    ? /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text)
    : /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  if (!m) throw new Error('bad certificate time');
  let year = Number(m[1]);
  if (element.tag === 0x17) year += year < 50 ? 2000 : 1900;
  return new Date(Date.UTC(year, Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])));
}

/** The parts of an X.509 certificate the page needs: SPKI bytes and validity. */
export function parseCertificate(der) {
  const certificate = readElement(der, 0);
  const tbs = children(der, certificate)[0];
  const fields = children(der, tbs);
  const first = fields[0].tag === 0xa0 ? 1 : 0; // [0] version is optional
  const validity = children(der, fields[first + 3]);
  const spki = fields[first + 5];
  return {
    spki: der.slice(spki.offset, spki.end),
    notBefore: derTime(der, validity[0]),
    notAfter: derTime(der, validity[1]),
  };
}

export function hex(bytes) {
  return Array.from(bytes, b => b.toString(16).padStart(2, '0')).join('');
}

/** Loads the certificate PEM into everything sealing needs. */
export async function loadCertificate(pem) {
  const der = pemBlock(pem, 'CERTIFICATE');
  if (!der) throw new Error('the answer is not a PEM certificate');
  const parsed = parseCertificate(der);
  const key = await crypto.subtle.importKey('spki', parsed.spki, { name: 'RSA-OAEP', hash: 'SHA-256' }, false, ['encrypt']);
  const fingerprint = hex(new Uint8Array(await crypto.subtle.digest('SHA-256', parsed.spki)));
  return { key, fingerprint, shortFingerprint: fingerprint.slice(0, 12), modulusBits: key.algorithm.modulusLength, notBefore: parsed.notBefore, notAfter: parsed.notAfter };
}

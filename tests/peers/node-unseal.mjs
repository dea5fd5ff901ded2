// An independent opener of SealedSecret values written against node:crypto only (none of our code):
// uint16 BE rsa length | RSA-OAEP(SHA-256, MGF1-SHA-256, label) session key | AES-256-GCM, zero nonce | tag.
// Usage: node node-unseal.mjs PRIVATE_KEY_PEM; stdin: {"label": "...", "values": {key: base64}}
// stdout: {key: base64 plaintext}; a value that does not open makes the script exit 3.
import { readFileSync } from 'node:fs';
import { privateDecrypt, createDecipheriv, constants } from 'node:crypto';

const privateKey = readFileSync(process.argv[2], 'utf8');
const { label, values } = JSON.parse(readFileSync(0, 'utf8'));
const opened = {};
for (const [key, value] of Object.entries(values)) {
  const bytes = Buffer.from(value, 'base64');
  const rsaLength = bytes.readUInt16BE(0);
  const sessionKey = privateDecrypt(
    { key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256', oaepLabel: Buffer.from(label, 'utf8') },
    bytes.subarray(2, 2 + rsaLength));
  const body = bytes.subarray(2 + rsaLength, bytes.length - 16);
  const tag = bytes.subarray(bytes.length - 16);
  const decipher = createDecipheriv('aes-256-gcm', sessionKey, Buffer.alloc(12));
  decipher.setAuthTag(tag);
  try {
    opened[key] = Buffer.concat([decipher.update(body), decipher.final()]).toString('base64');
  } catch {
    process.exit(3);
  }
}
process.stdout.write(JSON.stringify(opened));

// Seals values with @linode/kubeseal-encrypt, an independent implementation of the SealedSecret
// value format (namespace-wide scope only). Usage: node linode-seal.mjs PUBLIC_KEY_PEM NAMESPACE
// Reads a JSON object {key: plaintext} on stdin; prints {key: base64 ciphertext} on stdout.
import { readFileSync } from 'node:fs';
import { encryptSecretItem } from '@linode/kubeseal-encrypt';

const [publicKeyPath, namespace] = process.argv.slice(2);
const publicKey = readFileSync(publicKeyPath, 'utf8');
const values = JSON.parse(readFileSync(0, 'utf8'));
const sealed = {};
for (const [key, value] of Object.entries(values)) {
  sealed[key] = await encryptSecretItem(publicKey, namespace, value);
}
process.stdout.write(JSON.stringify(sealed));

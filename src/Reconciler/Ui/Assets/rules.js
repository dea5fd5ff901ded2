// The checks `kubectl create secret` and the API server make, with the Secrets room's messages
// (SecretValidator, KubernetesNames, SecretBuilder, TypedSecrets, Sealer): the page refuses exactly
// what `seal` would refuse, in the same words. Messages never include a value.

export const maxTotalDataBytes = 1024 * 1024;
const subdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const label = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const configKey = /^[-._a-zA-Z0-9]+$/;

export const types = {
  opaque: 'Opaque',
  dockerConfigJson: 'kubernetes.io/dockerconfigjson',
  basicAuth: 'kubernetes.io/basic-auth',
  sshAuth: 'kubernetes.io/ssh-auth',
  tls: 'kubernetes.io/tls',
};

const requiredKeys = {
  [types.dockerConfigJson]: ['.dockerconfigjson'],
  [types.sshAuth]: ['ssh-privatekey'],
  [types.tls]: ['tls.crt', 'tls.key'],
};

/** A name or key quoted as KubernetesNames.Quote does (Go's %q, shortened when long). */
export function quote(value) {
  const shown = 300;
  let text = '"';
  for (const c of value.length > shown ? value.slice(0, shown) : value) {
    const code = c.charCodeAt(0);
    if (c === '"') text += '\\"';
    else if (c === '\\') text += '\\\\';
    else if (c === '\n') text += '\\n';
    else if (c === '\r') text += '\\r';
    else if (c === '\t') text += '\\t';
    else if (code < 0x20 || (code >= 0x7f && code <= 0x9f) || (code >= 0xd800 && code <= 0xdfff) || code === 0x2028 || code === 0x2029) text += `\\u${code.toString(16).padStart(4, '0')}`;
    else text += c;
  }
  text += '"';
  return value.length > shown ? `${text}... (${value.length} characters)` : text;
}

const maxLength = n => `must be no more than ${n} characters`;

export function secretNameErrors(name) {
  const errors = [];
  if (name.length > 253) errors.push(maxLength(253));
  if (!subdomain.test(name)) errors.push("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')");
  return errors;
}

export function namespaceErrors(name) {
  const errors = [];
  if (name.length > 63) errors.push(maxLength(63));
  if (!label.test(name)) errors.push("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')");
  return errors;
}

export function dataKeyErrors(key) {
  const errors = [];
  if (key.length > 253) errors.push(maxLength(253));
  if (!configKey.test(key)) errors.push("a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')");
  if (key === '.') errors.push("must not be '.'");
  else if (key === '..') errors.push("must not be '..'");
  else if (key.startsWith('..')) errors.push("must not start with '..'");
  return errors;
}

const invalid = (field, value, errors) => errors.map(e => `${field}: Invalid value: ${quote(value)}: ${e}`);

/**
 * Problems with a Secret about to be sealed, each with the form field it belongs to.
 * secret: { name, namespace, scope, type, entries: [{ key, bytes, field }] }.
 */
export function validateSecret(secret) {
  const problems = [];
  const add = (field, message) => problems.push({ field, message });
  if (!secret.name) add('name', 'missing metadata.name in input Secret');
  else invalid('metadata.name', secret.name, secretNameErrors(secret.name)).forEach(m => add('name', m));
  if (!secret.namespace && secret.scope !== 'cluster-wide') add('namespace', 'secret must declare a namespace');
  else if (secret.namespace) invalid('metadata.namespace', secret.namespace, namespaceErrors(secret.namespace)).forEach(m => add('namespace', m));

  const data = new Map();
  for (const entry of secret.entries) {
    if (data.has(entry.key)) {
      add(entry.field, `cannot add key ${quote(entry.key)}, another key by that name already exists`);
      continue;
    }
    data.set(entry.key, entry.bytes);
    invalid(`data[${entry.key}]`, entry.key, dataKeyErrors(entry.key)).forEach(m => add(entry.field, m));
  }
  if (data.size === 0) add('data', 'secret.data is empty in input Secret, assuming this is an error and aborting. To work with empty data, --allow-empty-data can be used');

  const total = [...data.values()].reduce((sum, bytes) => sum + bytes.length, 0);
  if (total > maxTotalDataBytes) add('data', `data is ${total} bytes in total, over the Secret limit of ${maxTotalDataBytes} bytes (1 MiB)`);

  const fieldOf = key => secret.entries.find(e => e.key === key)?.field ?? secret.keyFields?.[key] ?? 'data';
  for (const key of requiredKeys[secret.type] ?? []) {
    if (!(data.get(key)?.length > 0)) add(fieldOf(key), `type ${secret.type} requires data key "${key}"`);
  }
  if (secret.type === types.basicAuth && !(data.get('username')?.length > 0) && !(data.get('password')?.length > 0)) {
    add(fieldOf('username'), `type ${secret.type} requires data key "username" or "password"`);
  }
  if (secret.type === types.dockerConfigJson && data.get('.dockerconfigjson')?.length > 0) {
    try {
      const json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(data.get('.dockerconfigjson')));
      if (json === null || typeof json !== 'object' || Array.isArray(json) || !('auths' in json)) {
        add(fieldOf('.dockerconfigjson'), 'data key ".dockerconfigjson" must be a JSON object with an "auths" field');
      }
    } catch {
      add(fieldOf('.dockerconfigjson'), 'data key ".dockerconfigjson" must hold valid JSON');
    }
  }
  return problems;
}

/** Sealer.SealRaw's checks, and only those (as `seal --raw`): the identity the scope binds must be given. */
export function validateRaw({ scope, namespace, name }) {
  const problems = [];
  if (scope !== 'cluster-wide' && !namespace) problems.push({ field: 'namespace', message: `must provide the --namespace flag with --raw and --scope ${scope}` });
  if (scope === 'strict' && !name) problems.push({ field: 'name', message: 'must provide the --name flag with --raw and --scope strict' });
  return problems;
}

// The SealedSecret document and its two printed forms, byte for byte as `seal` writes them (the
// Manifests room's ManifestWriter and YamlScalars): JSON indented by two spaces in kubeseal's field
// order; YAML with keys sorted, block style, strings quoted only where YAML 1.1 would read them as
// something else (n, y, on, off, numbers, null, indicators).

export const sealingKeyAnnotation = 'gitops-secrets.io/sealing-key';
const scopeAnnotations = {
  'namespace-wide': 'sealedsecrets.bitnami.com/namespace-wide',
  'cluster-wide': 'sealedsecrets.bitnami.com/cluster-wide',
};

function sorted(map) {
  const out = {};
  for (const key of Object.keys(map).sort(ordinal)) out[key] = map[key];
  return out;
}

/** Ordinal (UTF-16 code unit) order, as the CLI's SortedDictionary uses. */
export function ordinal(a, b) {
  return a < b ? -1 : a > b ? 1 : 0;
}

function metadata(name, namespace, annotations) {
  const node = { name };
  if (namespace) node.namespace = namespace;
  node.creationTimestamp = null;
  if (Object.keys(annotations).length > 0) node.annotations = sorted(annotations);
  return node;
}

/** The SealedSecret as the CLI's Sealer and SealedSecretManifest.ToNode build it for a Secret from flags. */
export function sealedSecretNode({ name, namespace, scope, type, fingerprint, encryptedData }) {
  const scopeOnly = {};
  if (scopeAnnotations[scope]) scopeOnly[scopeAnnotations[scope]] = 'true';
  return {
    kind: 'SealedSecret',
    apiVersion: 'bitnami.com/v1alpha1',
    metadata: metadata(name, namespace, { ...scopeOnly, [sealingKeyAnnotation]: fingerprint }),
    spec: {
      template: { metadata: metadata(name, namespace, scopeOnly), type },
      encryptedData: sorted(encryptedData),
    },
  };
}

// JSON: System.Text.Json, indented by two spaces, relaxed escaping (what JSON.stringify writes, except
// that .NET also escapes U+007F-U+009F, U+2028, U+2029 and characters outside the BMP, and writes
// every \uXXXX escape in uppercase hex).
export function toJson(node) {
  return netEscapes(JSON.stringify(node, null, 2)) + '\n';
}

/** One line of JSON, as ManifestWriter.ToCompactJson writes it. */
export function toCompactJson(node) {
  return netEscapes(JSON.stringify(node));
}

function netEscapes(text) {
  return text
    .replace(/\\(\\|u00[0-9a-f]{2})/g, (escape, rest) => (rest === '\\' ? escape : `\\u00${rest.slice(3).toUpperCase()}`))
    .replace(/[\u007f-\u009f\u2028\u2029]/g, c => `\\u${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`)
    .replace(/[\u{10000}-\u{10FFFF}]/gu, c => c.split('').map(u => `\\u${u.charCodeAt(0).toString(16).toUpperCase()}`).join(''));
}

// YAML: YamlScalars.Resolve / NeedsQuotes and ManifestWriter.ToYaml, ported.
const nulls = new Set(['', '~', 'null', 'Null', 'NULL']);
const bools = new Set(['y', 'Y', 'yes', 'Yes', 'YES', 'on', 'On', 'ON', 'true', 'True', 'TRUE',
  'n', 'N', 'no', 'No', 'NO', 'off', 'Off', 'OFF', 'false', 'False', 'FALSE']);
const decimalInteger = /^[-+]?(0|[1-9][0-9_]*)$/;
const otherInteger = /^[-+]?0(x[0-9a-fA-F_]+|o?[0-7_]+|b[01_]+)$/;
const float = /^[-+]?(\.[0-9]+|[0-9][0-9_]*(\.[0-9_]*)?)([eE][-+]?[0-9]+)?$/;
const specialFloat = /^([-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN))$/;

/** True when a plain scalar would not read back as this same string. */
function resolvesToNonString(text) {
  if (nulls.has(text) || bools.has(text)) return true;
  if (decimalInteger.test(text)) {
    // .NET's long.TryParse: out of range stays a string.
    const digits = text.replace(/_/g, '');
    try {
      const value = BigInt(digits);
      if (value >= -(2n ** 63n) && value < 2n ** 63n) return true;
    } catch { /* not a number */ }
  }
  if (float.test(text) && Number.isFinite(Number(text.replace(/_/g, '')))) return true;
  return otherInteger.test(text) || specialFloat.test(text);
}

const isWhiteSpace = c => /\s/.test(c);
const isControl = c => { const code = c.charCodeAt(0); return code < 0x20 || (code >= 0x7f && code <= 0x9f); };

function safeBody(text) {
  for (const c of text) {
    if (isControl(c) || c.codePointAt(0) > 0x7e) return false;
  }
  return !text.includes(': ') && !text.includes(' #') && !text.endsWith(':') && text !== '---' && text !== '...' && text !== '<<';
}

export function needsQuotes(text) {
  if (text.length === 0 || resolvesToNonString(text)) return true;
  if (isWhiteSpace(text[0]) || isWhiteSpace(text[text.length - 1]) || '-?:,[]{}#&*!|>\'"%@`'.includes(text[0])) {
    return !(text.length > 1 && '-?:'.includes(text[0]) && !isWhiteSpace(text[1]) && safeBody(text));
  }
  return !safeBody(text);
}

function doubleQuoted(value) {
  let out = '"';
  for (const c of value) {
    for (const unit of c.length === 1 ? [c] : c.split('')) {
      const code = unit.charCodeAt(0);
      if (unit === '"') out += '\\"';
      else if (unit === '\\') out += '\\\\';
      else if (unit === '\n') out += '\\n';
      else if (unit === '\r') out += '\\r';
      else if (unit === '\t') out += '\\t';
      else if (code === 0x2028 || code === 0x2029 || isControl(unit)) out += `\\u${code.toString(16).padStart(4, '0')}`;
      else out += unit;
    }
  }
  return out + '"';
}

function yamlString(value) {
  return needsQuotes(value) ? doubleQuoted(value) : value;
}

function scalar(value) {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return yamlString(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') return String(value);
  if (Array.isArray(value)) return '[]';
  return '{}';
}

function isNonEmptyObject(value) {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length > 0;
}

function writeMapping(node, indent, lines) {
  for (const key of Object.keys(node).sort(ordinal)) {
    const value = node[key];
    const prefix = ' '.repeat(indent) + yamlString(key) + ':';
    if (isNonEmptyObject(value)) {
      lines.push(prefix);
      writeMapping(value, indent + 2, lines);
    } else {
      lines.push(`${prefix} ${scalar(value)}`);
    }
  }
}

/** One YAML document, keys sorted as kubectl's printer sorts them (no sequences occur in a SealedSecret). */
export function toYaml(node) {
  const lines = [];
  writeMapping(node, 0, lines);
  return lines.join('\n') + '\n';
}

// The seal page: reads the certificate, checks the form with the CLI's rules, seals every value in this
// browser (kubeseal.js) and prints the SealedSecret as `seal` prints it. Nothing typed here is sent.
import { $, text, relative, utc } from './common.js';
import { loadCertificate } from './cert.js';
import { scopeLabel, sealValue } from './kubeseal.js';
import { sealedSecretNode, toJson, toYaml } from './manifest.js';
import { validateSecret, validateRaw, types } from './rules.js';
import { dockerConfigJson, tlsPairMatches } from './typed.js';

const encoder = new TextEncoder();
let certificate = null;
let rowCount = 0;

const typedSections = {
  [types.dockerConfigJson]: 'typed-docker',
  [types.tls]: 'typed-tls',
  [types.basicAuth]: 'typed-basic',
  [types.sshAuth]: 'typed-ssh',
};

/** The form field a missing required key is reported at. */
const keyFields = {
  '.dockerconfigjson': 'docker-username',
  'tls.crt': 'tls-cert',
  'tls.key': 'tls-key',
  'ssh-privatekey': 'ssh-key',
  username: 'basic-username',
};

async function readCertificate() {
  try {
    const response = await fetch('../v1/cert.pem', { cache: 'no-store' });
    if (!response.ok) throw new Error(`the certificate is not available (HTTP ${response.status}): ${(await response.text()).trim()}`);
    certificate = await loadCertificate(await response.text());
    text($('certificate-fingerprint'), certificate.fingerprint);
    text($('certificate-short'), certificate.shortFingerprint);
    text($('certificate-age'), `${relative(certificate.notBefore)} (${utc(certificate.notBefore)})`);
    text($('certificate-expires'), `${relative(certificate.notAfter)} (${utc(certificate.notAfter)})`);
    text($('certificate-size'), `RSA ${certificate.modulusBits} bits`);
    text($('certificate-state'), 'Values are sealed to this key.');
    $('certificate-facts').hidden = false;
  } catch (e) {
    text($('certificate-state'), 'No certificate: nothing can be sealed.');
    showError('certificate', e.message);
  }
}

function showError(field, message) {
  const target = $(`${field}-error`);
  const input = $(field) ?? $(`${field}-key`);
  if (target) {
    target.hidden = false;
    target.textContent = target.textContent ? `${target.textContent}\n${message}` : message;
  }
  if (input) {
    input.setAttribute('aria-invalid', 'true');
  }
}

function clearErrors() {
  for (const error of document.querySelectorAll('.field-error')) {
    error.hidden = true;
    error.textContent = '';
  }
  for (const input of document.querySelectorAll('[aria-invalid]')) input.removeAttribute('aria-invalid');
}

function addRow() {
  const id = `row-${++rowCount}`;
  const row = $('row-template').content.firstElementChild.cloneNode(true);
  row.dataset.row = id;
  const [keyLabel, sourceLabel, valueLabel, fileLabel] = row.querySelectorAll('label');
  const key = row.querySelector('.row-key');
  const source = row.querySelector('.row-source');
  const value = row.querySelector('.row-value');
  const file = row.querySelector('.row-file-input');
  const error = row.querySelector('.row-error');
  key.id = `${id}-key`;
  source.id = `${id}-source`;
  value.id = `${id}-value`;
  file.id = `${id}-file`;
  error.id = `${id}-error`;
  keyLabel.htmlFor = key.id;
  sourceLabel.htmlFor = source.id;
  valueLabel.htmlFor = value.id;
  fileLabel.htmlFor = file.id;
  key.setAttribute('aria-describedby', error.id);
  source.addEventListener('change', () => {
    row.querySelector('.row-text').hidden = source.value !== 'text';
    row.querySelector('.row-file').hidden = source.value !== 'file';
  });
  file.addEventListener('change', () => {
    if (!key.value && file.files[0]) key.value = file.files[0].name;
  });
  row.querySelector('.row-remove').addEventListener('click', () => {
    row.remove();
    $('add-row').focus();
  });
  $('rows').append(row);
  return key;
}

function scope() {
  return document.querySelector('input[name="scope"]:checked').value;
}

async function fileBytes(input) {
  const file = input.files[0];
  return file ? new Uint8Array(await file.arrayBuffer()) : new Uint8Array(0);
}

/** The data entries the form holds: the typed fields of the chosen type, then the rows. */
async function entries(type, problems) {
  const list = [];
  const value = id => $(id).value;
  const add = (key, bytes, field) => list.push({ key, bytes, field });
  if (type === types.dockerConfigJson) {
    const docker = dockerConfigJson({ server: value('docker-server'), username: value('docker-username'), password: value('docker-password'), email: value('docker-email') });
    if (docker.problem) problems.push({ field: 'docker-username', message: docker.problem });
    else add('.dockerconfigjson', docker.bytes, 'docker-username');
  } else if (type === types.tls) {
    if (value('tls-cert')) add('tls.crt', encoder.encode(value('tls-cert')), 'tls-cert');
    if (value('tls-key')) add('tls.key', encoder.encode(value('tls-key')), 'tls-key');
    if (value('tls-cert') && value('tls-key') && !tlsPairMatches(value('tls-cert'), value('tls-key'))) {
      problems.push({ field: 'tls-key', message: 'tls: tls.crt and tls.key are not a matching certificate and private key' });
    }
  } else if (type === types.basicAuth) {
    if (value('basic-username')) add('username', encoder.encode(value('basic-username')), 'basic-username');
    if (value('basic-password')) add('password', encoder.encode(value('basic-password')), 'basic-username');
  } else if (type === types.sshAuth) {
    if (value('ssh-key')) add('ssh-privatekey', encoder.encode(value('ssh-key')), 'ssh-key');
    if (value('ssh-known-hosts')) add('known_hosts', encoder.encode(value('ssh-known-hosts')), 'ssh-key');
  }
  for (const row of $('rows').children) {
    const key = row.querySelector('.row-key').value;
    const fromFile = row.querySelector('.row-source').value === 'file';
    if (!key && !fromFile && !row.querySelector('.row-value').value) continue; // an empty row is no key
    const bytes = fromFile ? await fileBytes(row.querySelector('.row-file-input')) : encoder.encode(row.querySelector('.row-value').value);
    add(key, bytes, row.dataset.row);
  }
  return list;
}

/** kubeseal's refusal of an expired certificate, with its date layout ("January 2, 2006"). */
function expiredMessage(notAfter) {
  const month = notAfter.toLocaleString('en-US', { month: 'long', timeZone: 'UTC' });
  return `failed to encrypt using an expired certificate on ${month} ${notAfter.getUTCDate()}, ${notAfter.getUTCFullYear()}`;
}

function hideOutput() {
  $('output').hidden = true;
  for (const id of ['output-yaml', 'output-json', 'output-raw']) $(id).value = '';
}

async function seal(event) {
  event.preventDefault();
  clearErrors();
  hideOutput();
  text($('form-status'), '');
  if (!certificate) {
    showError('certificate', 'no certificate to seal with');
    return;
  }
  if (certificate.notAfter < new Date()) {
    showError('certificate', expiredMessage(certificate.notAfter));
    return;
  }

  const name = $('name').value;
  const namespace = $('namespace').value;
  const chosenScope = scope();
  const raw = $('raw').checked;
  const problems = [];
  let secret = null;
  let rawValue = null;
  if (raw) {
    problems.push(...validateRaw({ scope: chosenScope, namespace, name }));
    rawValue = document.querySelector('input[name="raw-source"]:checked').value === 'file' ? await fileBytes($('raw-file')) : encoder.encode($('raw-value').value);
  } else {
    const type = $('type').value;
    const list = await entries(type, problems);
    secret = { name, namespace, scope: chosenScope, type, entries: list, keyFields };
    // A typed field's own problem (as TypedSecrets reports it) stands for the missing key it causes.
    const typedFields = new Set(problems.map(p => p.field));
    problems.push(...validateSecret(secret).filter(p => !(typedFields.has(p.field) && p.message.startsWith('type '))));
  }

  if (problems.length > 0) {
    for (const problem of problems) showError(problem.field, problem.message);
    text($('form-status'), `Nothing was sealed: ${problems.length === 1 ? 'one problem' : `${problems.length} problems`} to fix.`);
    const first = document.querySelector('[aria-invalid="true"]');
    if (first) first.focus();
    return;
  }

  const label = scopeLabel(chosenScope, namespace, name);
  if (raw) {
    $('output-raw').value = await sealValue(certificate.key, label, rawValue);
    $('raw-output').hidden = false;
    $('document-output').hidden = true;
  } else {
    const encryptedData = {};
    for (const entry of secret.entries) encryptedData[entry.key] = await sealValue(certificate.key, label, entry.bytes);
    const node = sealedSecretNode({ name, namespace, scope: chosenScope, type: secret.type, fingerprint: certificate.fingerprint, encryptedData });
    $('output-yaml').value = toYaml(node);
    $('output-json').value = toJson(node);
    $('raw-output').hidden = true;
    $('document-output').hidden = false;
  }
  $('output').hidden = false;
  text($('form-status'), raw ? 'Sealed one value.' : `Sealed ${secret.entries.length === 1 ? 'one key' : `${secret.entries.length} keys`}.`);
  $('output-title').focus();
}

async function copy(id) {
  const area = $(id);
  try {
    await navigator.clipboard.writeText(area.value);
    text($('form-status'), 'Copied.');
  } catch {
    area.select();
    text($('form-status'), 'Selected: press Ctrl+C (⌘C) to copy.');
  }
}

function download(id) {
  const yaml = id === 'output-yaml';
  const blob = new Blob([$(id).value], { type: yaml ? 'application/yaml' : 'application/json' });
  const link = document.createElement('a');
  link.href = URL.createObjectURL(blob);
  link.download = `${$('name').value || 'sealed-secret'}.sealedsecret.${yaml ? 'yaml' : 'json'}`;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 0);
}

function showParts() {
  const raw = $('raw').checked;
  $('secret-part').hidden = raw;
  $('raw-part').hidden = !raw;
  for (const [type, section] of Object.entries(typedSections)) $(section).hidden = raw || $('type').value !== type;
  const fromFile = document.querySelector('input[name="raw-source"]:checked').value === 'file';
  $('raw-value').parentElement.hidden = fromFile;
  $('raw-file').parentElement.hidden = !fromFile;
}

$('seal-form').addEventListener('submit', seal);
$('add-row').addEventListener('click', () => addRow().focus());
$('raw').addEventListener('change', showParts);
$('type').addEventListener('change', showParts);
for (const radio of document.querySelectorAll('input[name="raw-source"]')) radio.addEventListener('change', showParts);
for (const button of document.querySelectorAll('[data-copy]')) button.addEventListener('click', () => copy(button.dataset.copy));
for (const button of document.querySelectorAll('[data-download]')) button.addEventListener('click', () => download(button.dataset.download));
addRow();
showParts();
readCertificate();

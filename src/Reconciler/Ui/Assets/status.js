// The status page: the worker's /status document (served as /ui/status.json behind worker.ui.auth),
// rendered as tables, filtered in the page, refreshed every 10 seconds. It holds names, revisions,
// counts and reasons: the worker never puts a value or a ciphertext in it.
import { $, text, element, relative, utc } from './common.js';

const refreshEvery = 10000;
let token = null; // kept in memory only: no cookie, no storage
let latest = null;
let timer = null;

const date = value => (value ? new Date(value) : null);
const when = value => (value ? `${relative(date(value))} (${utc(date(value))})` : '—');

function row(cells, className) {
  const tr = element('tr', className);
  for (const cell of cells) {
    const td = element('td');
    if (cell instanceof Node) td.append(cell);
    else td.textContent = cell ?? '—';
    tr.append(td);
  }
  return tr;
}

function facts(list, pairs) {
  list.replaceChildren();
  for (const [term, value] of pairs) {
    list.append(element('dt', null, term), element('dd', null, value ?? '—'));
  }
}

function badge(state) {
  return element('span', `badge state-${state}`, state);
}

function renderOverview(status) {
  const sync = status.lastSync;
  facts($('overview'), [
    ['Replica', `${status.identity}${status.leader ? ' (leader)' : ''}`],
    ['Ready', status.ready ? 'yes' : 'no'],
    ['Last sync', sync ? `${sync.result}, ${when(sync.finishedAt)}, ${sync.durationSeconds} s` : 'not yet'],
    ['Revision', sync?.revision],
    ['Last success', when(status.lastSuccessAt)],
    ['Next sync', when(status.nextSyncAt)],
  ]);
  $('sync-errors').replaceChildren(
    ...(sync?.errors ?? []).map(e => element('li', 'error', e)),
    ...(sync?.warnings ?? []).map(w => element('li', 'warning', w)));
}

function renderKeys(status) {
  const body = $('keys').tBodies[0];
  body.replaceChildren(...(status.keys.list ?? []).map(k => row([
    element('code', null, k.fingerprint),
    when(k.notBefore),
    when(k.notAfter),
    k.canUnseal ? 'yes' : 'no (certificate only)',
  ])));
  text($('next-renewal'), status.nextKeyRenewalAt ? `Next renewal ${when(status.nextKeyRenewalAt)}.` : 'Key renewal is off.');
}

function renderTargets(status) {
  const body = $('targets').tBodies[0];
  body.replaceChildren(...status.targets.map(t => row([
    `${t.name} (${t.kind})`,
    t.lastAppliedRevision ? `${t.lastAppliedRevision.slice(0, 12)} ${relative(date(t.lastAppliedAt))}` : 'never applied',
    when(t.lastAttemptedAt),
    Object.entries(t.counts).filter(([, n]) => n > 0).map(([k, n]) => `${k} ${n}`).join(', ') || 'none',
    t.error,
  ], t.error || t.failures.length ? 'has-failures' : '')));
  const failures = status.targets.flatMap(t => t.failures.map(f => ({ target: t.name, ...f })));
  $('failures').replaceChildren(...(failures.length === 0
    ? [element('li', 'none', 'None.')]
    : failures.map(f => {
      const item = element('li', 'error');
      item.append(element('strong', null, `${f.namespace}/${f.name}`), ` in ${f.target}${f.source ? ` from ${f.source}` : ''}: `, element('span', 'reason', f.reason));
      return item;
    })));
}

// A SharedSecret's access rules, one line each: "get: users alice; teams payments". Names only.
function access(grants) {
  if (!grants) return '—';
  if (grants.length === 0) return 'shared, no access rules';
  const list = element('ul', 'access');
  for (const g of grants) {
    const subjects = [['users', g.users], ['groups', g.groups], ['teams', g.teams], ['service accounts', g.serviceAccounts]]
      .filter(([, names]) => names?.length)
      .map(([kind, names]) => `${kind} ${names.join(', ')}`);
    list.append(element('li', null, `${g.verbs.join(', ')}: ${subjects.join('; ')}`));
  }
  return list;
}

const accessNames = grants => (grants ?? []).flatMap(g => [...g.users, ...g.groups, ...g.teams, ...g.serviceAccounts]);

function renderSecrets() {
  if (!latest) return;
  const search = $('search').value.trim().toLowerCase();
  const state = $('state-filter').value;
  const all = latest.targets.flatMap(t => (t.secrets ?? []).map(s => ({ target: t.name, ...s })));
  const shown = all.filter(s => (!state || s.state === state)
    && (!search || [s.namespace, s.name, `${s.namespace}/${s.name}`, s.target, s.source, ...(s.sealedBy ?? []), ...accessNames(s.access)].some(v => v && v.toLowerCase().includes(search))));
  $('secrets').tBodies[0].replaceChildren(...shown.map(s => {
    const sealedBy = s.sealedBy?.length ? element('code', null, s.sealedBy.join(', ')) : 'unknown';
    const tr = row([`${s.namespace}/${s.name}`, s.target, badge(s.state), sealedBy, when(s.lastChangeAt), s.source, access(s.access)]);
    if (s.message) tr.title = s.message;
    return tr;
  }));
  text($('secrets-count'), `${shown.length} of ${all.length} Secrets shown.`);
}

async function load() {
  const headers = token ? { Authorization: `Bearer ${token}` } : {};
  try {
    const response = await fetch('status.json', { cache: 'no-store', headers });
    if (response.status === 401) {
      const answer = await response.json().catch(() => ({}));
      $('token-form').hidden = answer.scheme !== 'bearer';
      if (token) {
        $('token-error').hidden = false;
        text($('token-error'), 'That token was not accepted.');
      }
      throw new Error(answer.scheme === 'header' ? 'not signed in: open this page through the sign-in proxy' : 'a bearer token is needed to read the status');
    }
    if (!response.ok) {
      const answer = await response.json().catch(() => ({}));
      throw new Error(answer.error ?? `the worker answered HTTP ${response.status}`);
    }
    latest = await response.json();
    $('token-form').hidden = true;
    $('load-error').hidden = true;
    renderOverview(latest);
    renderKeys(latest);
    renderTargets(latest);
    renderSecrets();
    text($('updated'), `Updated ${utc(new Date())}.`);
  } catch (e) {
    $('load-error').hidden = false;
    text($('load-error'), e.message);
  }
}

function schedule() {
  clearInterval(timer);
  if ($('auto-refresh').checked) timer = setInterval(load, refreshEvery);
}

$('refresh').addEventListener('click', load);
$('auto-refresh').addEventListener('change', schedule);
$('search').addEventListener('input', renderSecrets);
$('state-filter').addEventListener('change', renderSecrets);
$('token-form').addEventListener('submit', event => {
  event.preventDefault();
  $('token-error').hidden = true;
  token = $('token').value.trim() || null;
  load();
});
load();
schedule();

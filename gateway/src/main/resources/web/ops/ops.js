// The ops dashboard (/ops on the admin port): the ops API (docs/openapi.json) with the bearer token entered once and
// kept in sessionStorage. Every text from the gateway is rendered with textContent.
const $ = (id) => document.getElementById(id);
const el = (tag, props = {}, ...children) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === 'text') e.textContent = v;
    else if (k.startsWith('aria-') || k.startsWith('data-') || k === 'for') e.setAttribute(k, v);
    else e[k] = v;
  }
  e.append(...children);
  return e;
};
const TOKEN_KEY = 'chat-gateway-ops-token';
const FIELDS = [
  ['tierWeights.vip', 'VIP weight'], ['tierWeights.regular', 'Regular weight'], ['tierWeights.new', 'New weight'],
  ['ageingPerSecond', 'Ageing per second'], ['urgentOrderBoost', 'Urgent-order boost'], ['offerTimeoutSeconds', 'Offer timeout (s)'],
  ['maxMissedOffers', 'Missed offers before away'], ['capacity.senior', 'Capacity: senior'], ['capacity.regular', 'Capacity: regular'],
  ['capacity.trainee', 'Capacity: trainee'], ['qaSampleRate', 'QA sample rate (0..1)'], ['overflow.enterDepth', 'Surge on at depth'],
  ['overflow.exitDepth', 'Surge off under depth'], ['overflow.enterWaitSeconds', 'Surge on at wait (s)'], ['overflow.exitWaitSeconds', 'Surge off under wait (s)'],
];
let version = null;
let doc = null;
let history = []; // [ms, waiting] of the last 15 minutes
let liveTimer = null;

const token = () => sessionStorage.getItem(TOKEN_KEY);
// A token handed over in the address (/ops#token=…, scripted tests and single sign-on): read once, then removed from
// the address bar and the tab's history so it is not bookmarked, shared or sent on.
const handed = new URLSearchParams(location.hash.slice(1)).get('token');
if (handed) {
  sessionStorage.setItem(TOKEN_KEY, handed);
  window.history.replaceState(null, '', location.pathname + location.search);
}
function banner(text) {
  $('banner').textContent = text || '';
  $('banner').hidden = !text;
}

async function api(method, path, body) {
  const r = await fetch(path, { method, headers: { Authorization: `Bearer ${token()}`, 'Content-Type': 'application/json', 'X-Actor': 'ops-dashboard' },
    body: body === undefined ? undefined : JSON.stringify(body) });
  if (r.status === 401) {
    sessionStorage.removeItem(TOKEN_KEY);
    show(false);
    banner('The admin token was refused. Enter it again.');
    throw new Error('unauthorized');
  }
  const text = await r.text();
  let json = null;
  try { json = JSON.parse(text); } catch (e) { /* Prometheus text */ }
  return { status: r.status, json, text };
}

function show(signedIn) {
  $('signin').hidden = signedIn;
  $('dash').hidden = !signedIn;
  $('signout').hidden = !signedIn;
  clearInterval(liveTimer);
  if (signedIn) {
    guard(refreshLive);
    liveTimer = setInterval(() => guard(refreshLive), 2000);
    guard(loadConfig);
    guard(loadScripts);
  }
}

/** Runs a loader; a refused token has been explained already, anything else goes to the banner. */
async function guard(loader) {
  try {
    await loader();
  } catch (e) {
    if (e.message !== 'unauthorized') banner(`The gateway did not answer: ${e.message}`);
  }
}

$('signin').addEventListener('submit', (e) => {
  e.preventDefault();
  sessionStorage.setItem(TOKEN_KEY, $('token').value.trim());
  banner('');
  show(true);
});
$('signout').addEventListener('click', () => { sessionStorage.removeItem(TOKEN_KEY); show(false); });
document.querySelectorAll('.tabs button').forEach((b) => b.addEventListener('click', () => {
  document.querySelectorAll('.tabs button').forEach((x) => x.removeAttribute('aria-current'));
  b.setAttribute('aria-current', 'page');
  document.querySelectorAll('.tab').forEach((t) => { t.hidden = t.id !== b.dataset.tab; });
  if (b.dataset.tab === 'audit') guard(loadAudit);
  if (b.dataset.tab === 'qa') guard(loadQa);
}));

// ---- live figures
async function refreshLive() {
  const [queues, agents, metrics] = await Promise.all([api('GET', '/admin/queues'), api('GET', '/admin/agents'), api('GET', '/metrics')]);
  const rows = [];
  let waiting = 0;
  for (const g of queues.json.groups) {
    waiting += g.waiting;
    for (const t of g.tiers) {
      rows.push(el('tr', {}, el('td', { text: g.group }), el('td', { text: t.tier }), el('td', { text: String(t.waiting) }),
        el('td', { text: `${t.oldestWaitSeconds} s` }), el('td', { text: `${t.projectedWaitSeconds} s` }),
        // ETA honesty: actual minus promised wait (positive: longer than told), over the last promised chats of all nodes.
        el('td', { text: t.etaSamples ? `${t.etaErrorP50Seconds} / ${t.etaErrorP90Seconds} s (${t.etaSamples})` : '—' }),
        el('td', { text: g.open ? 'open' : 'closed' }), el('td', { text: g.overflow ? `on (${g.overflowMode})` : g.overflowMode })));
    }
  }
  $('queues').replaceChildren(...rows);
  $('agents').replaceChildren(...agents.json.agents.map((a) => el('tr', {}, el('td', { text: a.name ? `${a.name} (${a.agentId})` : a.agentId }),
    el('td', { text: a.level }), el('td', { text: a.connected ? a.status : `${a.status}, disconnected` }),
    el('td', { text: `${a.load} / ${a.capacity}` }), el('td', { text: String(a.weight) }), el('td', { text: a.groups.join(', ') }))));
  const sla = (name) => {
    const met = metric(metrics.text, `${name}{met="true"}`);
    const missed = metric(metrics.text, `${name}{met="false"}`);
    return met + missed === 0 ? 'no chats yet' : `${(100 * met / (met + missed)).toFixed(1)} % of ${met + missed}`;
  };
  $('sla').replaceChildren(el('dt', { text: 'Greeted within 15 s' }), el('dd', { text: sla('chat_sla_greeting_result_total') }),
    el('dt', { text: 'First reply within 30 s' }), el('dd', { text: sla('chat_sla_first_reply_result_total') }),
    el('dt', { text: 'Chats started' }), el('dd', { text: String(metric(metrics.text, 'chat_started_total')) }));
  const now = Date.now();
  history.push([now, waiting]);
  history = history.filter(([t]) => t > now - 15 * 60 * 1000);
  drawChart(now);
  $('updated').textContent = `updated ${new Date().toLocaleTimeString()}`;
  renderOverflow(queues.json.groups);
}

function metric(text, name) {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.slice(name.length + 1)) : 0;
}

function drawChart(now) {
  const svg = $('chart');
  const max = Math.max(5, ...history.map(([, w]) => w));
  const points = history.map(([t, w]) => `${(600 * (t - (now - 15 * 60 * 1000)) / (15 * 60 * 1000)).toFixed(1)},${(150 - 140 * w / max).toFixed(1)}`);
  const ns = 'http://www.w3.org/2000/svg';
  const line = document.createElementNS(ns, 'polyline');
  line.setAttribute('points', points.join(' '));
  const label = document.createElementNS(ns, 'text');
  label.setAttribute('x', '4');
  label.setAttribute('y', '12');
  label.textContent = `max ${max}, now ${history.length ? history[history.length - 1][1] : 0}`;
  svg.replaceChildren(line, label);
}

function renderOverflow(groups) {
  const box = $('overflow');
  if (box.dataset.groups === groups.map((g) => g.group).join(',')) {
    return;
  }
  box.dataset.groups = groups.map((g) => g.group).join(',');
  box.replaceChildren(...groups.map((g) => {
    const select = el('select', { 'aria-label': `Surge mode of ${g.group}`, 'data-testid': 'overflow-switch', 'data-group': g.group }, ...['auto', 'on', 'off'].map((m) => el('option', { value: m, text: m, selected: m === g.overflowMode })));
    select.addEventListener('change', async () => {
      const r = await api('POST', '/admin/overflow', { group: g.group, mode: select.value });
      banner(r.status === 200 ? '' : r.json.message);
    });
    return el('label', {}, `${g.group} `, select);
  }));
}

// ---- routing document
async function loadConfig() {
  const r = await api('GET', '/admin/config');
  version = r.json.version;
  doc = r.json.config;
  $('version').textContent = String(version);
  $('doc').value = JSON.stringify(doc, null, 2);
  $('routing-form').replaceChildren(...FIELDS.map(([path, label]) => {
    const input = el('input', { type: 'number', step: 'any', id: `f-${path}`, value: String(get(doc, path) ?? ''), 'data-path': path });
    input.addEventListener('change', () => {
      set(doc, path, input.value === '' ? null : Number(input.value));
      $('doc').value = JSON.stringify(doc, null, 2);
    });
    return el('label', { 'data-field': path }, label, input, el('span', { className: 'error', id: `e-${path}` }));
  }));
  clearProblems();
}
$('doc').addEventListener('change', () => {
  try {
    doc = JSON.parse($('doc').value);
    for (const [path] of FIELDS) $(`f-${path}`).value = String(get(doc, path) ?? '');
    clearProblems();
  } catch (e) {
    showProblems([`the document is not valid JSON: ${e.message}`]);
  }
});
const get = (o, path) => path.split('.').reduce((x, k) => (x == null ? undefined : x[k]), o);
const set = (o, path, v) => {
  const keys = path.split('.');
  const last = keys.pop();
  keys.reduce((x, k) => (x[k] ??= {}), o)[last] = v;
};

function clearProblems() {
  $('problems').replaceChildren();
  for (const [path] of FIELDS) {
    $(`f-${path}`)?.removeAttribute('aria-invalid');
    if ($(`e-${path}`)) $(`e-${path}`).textContent = '';
  }
}

function showProblems(problems) {
  clearProblems();
  const rest = [];
  for (const p of problems) {
    const field = FIELDS.find(([path]) => p.startsWith(path));
    if (field) {
      $(`f-${field[0]}`).setAttribute('aria-invalid', 'true');
      $(`f-${field[0]}`).setAttribute('aria-describedby', `e-${field[0]}`);
      $(`e-${field[0]}`).textContent = p;
    } else {
      rest.push(p);
    }
  }
  $('problems').replaceChildren(...rest.map((p) => el('li', { text: p })));
}

$('dryrun').addEventListener('click', async () => {
  const r = await api('POST', '/admin/config/dry-run', { config: doc });
  if (r.status === 400) return showProblems(r.json.problems || [r.json.message]);
  clearProblems();
  const rows = (list) => list.map((t) => el('tr', {}, el('td', { text: t.tier }), el('td', { text: String(t.waiting) }),
    el('td', { text: `${t.meanWaitSeconds} s` }), el('td', { text: `${t.maxWaitSeconds} s` })));
  $('now').replaceChildren(...rows(r.json.current));
  $('then').replaceChildren(...rows(r.json.proposed));
  $('dryrun-result').hidden = false;
});

$('apply').addEventListener('click', async () => {
  const r = await api('PUT', '/admin/config', { version, config: doc });
  if (r.status === 200) {
    version = r.json.version;
    $('version').textContent = String(version);
    clearProblems();
    banner(`Applied as version ${version}: ${r.json.changes.join('; ') || 'no change'}`);
  } else if (r.status === 409) {
    const reload = el('button', { type: 'button', text: 'Reload' });
    reload.addEventListener('click', () => { banner(''); loadConfig(); });
    $('banner').replaceChildren(document.createTextNode(`Changed by someone else (now version ${r.json.currentVersion}): reload, then apply your change again. `), reload);
    $('banner').hidden = false;
  } else if (r.status === 400) {
    showProblems(r.json.problems || [r.json.message]);
  } else {
    banner(r.json?.message || `the gateway answered ${r.status}`);
  }
});

// ---- scripts
let scripts = {};
async function loadScripts() {
  scripts = (await api('GET', '/admin/scripts')).json.scripts;
  $('script-kind').replaceChildren(...Object.keys(scripts).map((k) => el('option', { value: k, text: k })));
  showScript();
}
function showScript() {
  $('script-text').value = scripts[$('script-kind').value]?.[$('script-lang').value] || '';
  $('script-status').textContent = '';
}
$('script-kind').addEventListener('change', showScript);
$('script-lang').addEventListener('change', showScript);
$('script-save').addEventListener('click', async () => {
  const r = await api('PUT', `/admin/scripts/${encodeURIComponent($('script-kind').value)}/${encodeURIComponent($('script-lang').value)}`,
    { text: $('script-text').value });
  if (r.status === 200) {
    scripts = r.json.scripts;
    $('script-status').textContent = 'Saved.';
  } else {
    $('script-status').textContent = r.json.message;
  }
});

// ---- audit and QA
async function loadAudit() {
  const r = await api('GET', '/admin/audit?limit=100');
  $('audit-list').replaceChildren(...r.json.entries.map((a) => el('li', {
    text: `${new Date(a.atMillis).toLocaleString()} ${a.actor}: version ${a.fromVersion} → ${a.toVersion}\n${a.changes.join('\n')}`,
  })));
}

async function loadQa() {
  const r = await api('GET', '/admin/qa?limit=100');
  $('qa-list').replaceChildren(...r.json.reviews.map(({ sample, csat }) => el('li', {},
    el('strong', { text: `${sample.chatId} · agent ${sample.agentId || '–'} · ${sample.customerTier} · ${sample.reason}` }),
    el('div', { text: csat ? `CSAT ${'★'.repeat(csat.score)}${csat.comment ? ` “${csat.comment}”` : ''}` : 'no rating' }),
    el('ol', {}, ...sample.transcript.map((l) => el('li', { text: `${l.from}: ${l.text}` }))))));
}

if (token()) show(true);

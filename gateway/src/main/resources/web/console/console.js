// The agent console (/console): one connection for all of an agent's chats, through chat-gateway-client.
// Every text from people is rendered with textContent. The token is kept in sessionStorage (this tab only).
import { connectAgent } from '/client/chat-gateway-client.js';

const $ = (id) => document.getElementById(id);
const el = (tag, props = {}, ...children) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === 'text') e.textContent = v;
    else if (k === 'class') e.className = v;
    else if (k.startsWith('aria-') || k.startsWith('data-')) e.setAttribute(k, v);
    else e[k] = v;
  }
  e.append(...children);
  return e;
};

const CANNED = ['Thank you for waiting, let me check that for you.', 'Could you give me your order number, please?',
  'Is there anything else I can help you with?'];

let client = null;
let me = null;
const chats = new Map(); // chatId -> {chatId, customer, group, items: [{key, from, text}], unread, waitingSince, closed}
const offers = new Map(); // chatId -> {chatId, customer, group, expiresAt}
let selected = null;
let held = null; // the message the language guard held: {chatId, text}
let faq = [];
let fetchedHistory = false;
let supervisor = false;
let allChats = null; // the last `chats` answer (supervisors)

// ---- sign in
const TOKEN_KEY = 'chat-gateway-console-token';
$('signin').addEventListener('submit', (e) => {
  e.preventDefault();
  if ($('token').value.trim()) start($('token').value.trim());
});
$('demo-signin').addEventListener('click', async () => {
  const q = new URLSearchParams({ role: 'agent', level: $('demo-level').value, sub: $('demo-id').value });
  const r = await fetch(`/demo/token?${q}`);
  const j = await r.json();
  if (!r.ok) return banner(j.message);
  start(j.token);
});
// A token handed over in the address (/console#token=…, scripted tests and single sign-on): read once, then removed
// from the address bar and the tab's history so it is not bookmarked, shared or sent on.
const handed = new URLSearchParams(location.hash.slice(1)).get('token');
if (handed) {
  sessionStorage.setItem(TOKEN_KEY, handed);
  history.replaceState(null, '', location.pathname + location.search);
}
if (sessionStorage.getItem(TOKEN_KEY)) start(sessionStorage.getItem(TOKEN_KEY));

/** The token's claims, for what the page shows (the gateway checks the signature; the page only reads the role). */
function claims(token) {
  try {
    return JSON.parse(atob(token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')));
  } catch (e) {
    return {};
  }
}

let bannerTimer = null;

/** Shows text in the banner (none: hides it); forMs: for that long, unless another banner replaces it first. */
function banner(text, forMs) {
  clearTimeout(bannerTimer); // an earlier passing message must not clear this one when its time is up
  $('banner').textContent = text || '';
  $('banner').hidden = !text;
  if (text && forMs) bannerTimer = setTimeout(() => banner(''), forMs);
}

function start(token) {
  sessionStorage.setItem(TOKEN_KEY, token);
  $('signin').hidden = true;
  $('desk').hidden = false;
  client = connectAgent(location.origin, { token, autoAccept: $('auto').checked });
  supervisor = claims(token).role === 'supervisor';
  window.consoleClient = client; // for tests and the browser's console
  client.addEventListener('state', (e) => {
    const s = e.detail;
    $('conn').textContent = s.state === 'open' ? 'connected' : s.state === 'reconnecting' ? 'reconnecting…' : s.state;
    $('status').disabled = s.state !== 'open';
    if (s.state === 'closed' && s.code === 1000) banner('Signed in elsewhere: this console no longer receives chats. Reload to take over here.');
    else if (s.state === 'closed' && s.code === 1008) {
      banner('The token was refused (expired or not an agent token). Sign in again.');
      sessionStorage.removeItem(TOKEN_KEY);
      $('signin').hidden = false;
      $('desk').hidden = true;
    } else if (s.state === 'open') {
      banner('');
      listAll();
    }
  });
  client.addEventListener('welcome', (e) => {
    me = e.detail.agentId;
    $('me').textContent = `Signed in as ${me}`;
    let missing = false;
    for (const c of e.detail.chats) {
      const chat = ensureChat(c.chatId, c.customer);
      if (c.lastSeq > 0 && chat.items.length === 0) missing = true;
    }
    if (missing && !fetchedHistory) {
      fetchedHistory = true; // a new device holds no history: resume every open chat from the start, once
      client.refetch();
    }
    render();
  });
  client.addEventListener('offer', (e) => {
    const o = e.detail;
    offers.set(o.chatId, { ...o, expiresAt: Date.now() + o.expiresInSeconds * 1000 });
    render();
  });
  client.addEventListener('offer_withdrawn', (e) => {
    offers.delete(e.detail.chatId);
    render();
  });
  client.addEventListener('assigned', (e) => {
    const f = e.detail;
    offers.delete(f.chatId);
    const chat = ensureChat(f.chatId, f.customer);
    chat.closed = false;
    if (!selected) selected = f.chatId;
    render();
  });
  client.addEventListener('message', (e) => {
    const f = e.detail;
    const chat = ensureChat(f.chatId);
    chat.items.push({ key: f.seq, from: f.from, text: f.text });
    if (f.from === 'customer') {
      chat.waitingSince = chat.waitingSince || f.ts || Date.now();
      if (selected !== f.chatId) chat.unread++;
    } else if (f.from === 'agent') {
      chat.waitingSince = null;
      chat.nudged = null;
    }
    render();
  });
  client.addEventListener('script', (e) => {
    ensureChat(e.detail.chatId).items.push({ key: e.detail.seq, from: 'system', text: e.detail.text });
    render();
  });
  client.addEventListener('transferred', (e) => {
    const f = e.detail;
    const chat = ensureChat(f.chatId);
    chat.items.push({ key: f.seq, from: 'system', text: `Transferred to ${f.to}${f.from ? ` by ${f.from}` : ''}${f.note ? `: ${f.note}` : ''}` });
    chat.closed = f.to !== me; // handed on: no longer this agent's (or handed back to them)
    render();
    listAll(); // the supervisor's list shows the move at once
  });
  client.addEventListener('closed', (e) => {
    const chat = ensureChat(e.detail.chatId);
    chat.closed = true;
    chat.items.push({ key: e.detail.seq, from: 'system', text: `Chat closed (${e.detail.reason})` });
    render();
    setTimeout(() => { // cleared from the list a little later
      chats.delete(e.detail.chatId);
      if (selected === e.detail.chatId) selected = null;
      render();
    }, 5000);
  });
  client.addEventListener('warning', (e) => {
    const f = e.detail;
    $('warning').hidden = false;
    $('warning-text').textContent = f.message;
    $('warning-suggestion').textContent = f.suggestion ? `Suggestion: ${f.suggestion}` : '';
    $('use-suggestion').hidden = !f.suggestion;
    $('send-anyway').hidden = f.code !== 'banned_phrase'; // a sensitive request is never sent
    $('use-suggestion').onclick = () => { $('text').value = f.suggestion; $('warning').hidden = true; $('text').focus(); };
  });
  client.addEventListener('nudge', (e) => {
    const chat = ensureChat(e.detail.chatId);
    chat.nudged = e.detail.waitingSeconds;
    render();
  });
  client.addEventListener('queue', (e) => {
    $('queue').replaceChildren(...e.detail.groups.map((g) => el('tr', {},
      el('td', { text: g.group }), el('td', { text: String(g.waiting) }), el('td', { text: `${g.oldestWaitSeconds} s` }),
      el('td', { text: g.overflow ? 'on' : '–' }))));
  });
  client.addEventListener('faq', (e) => {
    faq = e.detail.entries.map((x) => x.answer);
    render();
  });
  client.addEventListener('typing', () => {});
  client.addEventListener('chats', (e) => {
    allChats = e.detail;
    renderAll();
  });
  client.addEventListener('error', (e) => {
    const f = e.detail;
    if (f.code === 'not_found' && /not assigned to you/.test(f.message)) return; // a resumed chat that moved on meanwhile
    banner(f.message, 6000);
  });
}

function ensureChat(chatId, customer) {
  let c = chats.get(chatId);
  if (!c) {
    c = { chatId, customer: customer || null, items: [], unread: 0, waitingSince: null, closed: false, nudged: null };
    chats.set(chatId, c);
  } else if (customer) {
    c.customer = customer;
  }
  return c;
}

// ---- actions
$('status').addEventListener('change', () => {
  const frame = { type: 'status', status: $('status').value, autoAccept: $('auto').checked };
  if (frame.status === 'suspended') {
    // 挂起 needs a reason (the gateway refuses a suspension without one); ops see it on the agents board.
    const reason = (window.prompt('Why are you suspending? (shown to your supervisors)') || '').trim();
    if (!reason) {
      $('status').value = 'online';
      return;
    }
    frame.reason = reason.slice(0, 200);
  }
  client.send(frame);
});
$('auto').addEventListener('change', () => client && client.send({ type: 'status', status: $('status').value, autoAccept: $('auto').checked }));
$('compose').addEventListener('submit', (e) => {
  e.preventDefault();
  const text = $('text').value.trim();
  if (!text || !selected) return;
  held = { chatId: selected, text };
  client.sendMessage(text, { chatId: selected });
  $('text').value = '';
  $('warning').hidden = true;
});
$('text').addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
    e.preventDefault();
    $('compose').requestSubmit();
  }
});
$('text').addEventListener('input', () => selected && client.typing(selected));
$('send-anyway').addEventListener('click', () => {
  if (held) client.sendMessage(held.text, { chatId: held.chatId, confirm: true });
  $('warning').hidden = true;
});
$('canned').addEventListener('change', () => {
  if ($('canned').value) $('text').value = $('canned').value;
  $('canned').value = '';
  $('text').focus();
});
$('transfer').addEventListener('submit', (e) => {
  e.preventDefault();
  const frame = { type: 'transfer', chatId: selected, to: $('transfer-to').value.trim() };
  if ($('transfer-note').value.trim()) frame.note = $('transfer-note').value.trim();
  client.send(frame);
  $('transfer').reset();
});
$('close-chat').addEventListener('click', () => selected && client.send({ type: 'close', chatId: selected }));

// ---- rendering
function render() {
  const now = Date.now();
  $('offers').replaceChildren(...[...offers.values()].map((o) => el('li', { 'data-chat': o.chatId, 'data-testid': 'offer' },
    el('div', {}, el('strong', { text: o.customer?.name || o.customer?.id || o.chatId }), ...badges(o.customer),
      el('span', { class: 'badge', text: o.group })),
    el('div', {}, 'Expires in ', el('span', { class: 'countdown', 'data-until': String(o.expiresAt), text: secondsLeft(o.expiresAt, now) })),
    el('button', { type: 'button', text: 'Accept', 'data-testid': 'accept', onclick: () => client.send({ type: 'accept', chatId: o.chatId }) }),
    el('button', { type: 'button', text: 'Reject', 'data-testid': 'reject', onclick: () => { client.send({ type: 'reject', chatId: o.chatId }); offers.delete(o.chatId); render(); } }))));

  $('chats').replaceChildren(...[...chats.values()].map((c) => {
    const li = el('li', { class: c.closed ? 'closed' : '', 'data-chat': c.chatId, 'data-testid': 'chat-item', 'aria-current': String(c.chatId === selected) });
    const pick = el('button', { class: 'pick', type: 'button', onclick: () => { selected = c.chatId; c.unread = 0; render(); $('text').focus(); } },
      el('strong', { text: c.customer?.name || c.customer?.id || c.chatId }), ...badges(c.customer));
    if (c.unread) pick.append(el('span', { class: 'badge unread', 'aria-label': `${c.unread} unread`, text: String(c.unread) }));
    if (c.waitingSince && !c.closed) pick.append(el('span', { class: 'badge wait', 'data-since': String(c.waitingSince), text: waited(c.waitingSince, now) }));
    li.append(pick);
    return li;
  }));

  const chat = selected && chats.get(selected);
  $('empty').hidden = !!chat;
  $('open').hidden = !chat;
  $('canned').replaceChildren(el('option', { value: '', text: '–' }), ...[...CANNED, ...faq].map((t) => el('option', { value: t, text: t })));
  if (!chat) return;
  const c = chat.customer || {};
  $('card').replaceChildren(el('dt', { text: 'Customer' }), el('dd', { text: `${c.name || ''} (${c.id || '?'})` }),
    el('dt', { text: 'Tier' }), el('dd', { text: c.tier || '–' }), el('dt', { text: 'Tags' }), el('dd', { text: (c.tags || []).join(', ') || '–' }),
    el('dt', { text: 'Group' }), el('dd', { text: c.group || '–' }), el('dt', { text: 'Language' }), el('dd', { text: c.lang || '–' }),
    el('dt', { text: 'First contact' }), el('dd', { text: c.firstContact ? new Date(c.firstContact).toLocaleString() : '–' }));
  $('nudge').hidden = !chat.nudged;
  $('nudge').textContent = chat.nudged ? `The customer has waited ${chat.nudged} s for your reply.` : '';
  const log = $('log');
  const atBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 40;
  log.replaceChildren(...chat.items.map((i) => el('li', { class: i.from, text: i.text })));
  if (atBottom) log.scrollTop = log.scrollHeight;
  $('compose').querySelector('button').disabled = chat.closed;
}

function badges(customer) {
  if (!customer) return [];
  return [el('span', { class: `badge ${customer.tier || ''}`, text: customer.tier || '' }),
    ...(customer.tags || []).map((t) => el('span', { class: 'badge', text: t }))];
}

// ---- supervisors: every open chat, asked for every few seconds while connected; "Take over" moves it to this desk
function listAll() {
  if (supervisor && client) client.send({ type: 'list_chats' });
}
setInterval(listAll, 5000);

function renderAll() {
  $('all').hidden = !supervisor;
  if (!allChats) return;
  $('all-count').textContent = `${allChats.chats.length}${allChats.truncated ? '+' : ''}`;
  const now = Date.now();
  $('all-chats').replaceChildren(...allChats.chats.map((c) => el('li', { 'data-chat': c.chatId, 'data-testid': 'all-chat' },
    el('div', {}, el('strong', { text: c.customer?.name || c.customer?.id || c.chatId }), ...badges(c.customer),
      el('span', { class: 'badge', text: c.customer?.group || '' })),
    el('div', { class: 'hint', text: `${c.state}${c.agentId ? ` · ${c.agentId}` : ''}`
      + `${c.customer?.firstContact ? ` · ${waitedFor(c.customer.firstContact, now)}` : ''}` }),
    c.agentId === me ? '' : el('button', { type: 'button', text: 'Take over', 'data-testid': 'take-over',
      onclick: () => client.send({ type: 'transfer', chatId: c.chatId, to: me }) }))));
}

const waitedFor = (since, now) => `${Math.max(0, Math.round((now - since) / 60000))} min`;
const secondsLeft = (until, now) => `${Math.max(0, Math.ceil((until - now) / 1000))} s`;
const waited = (since, now) => `waiting ${Math.max(0, Math.round((now - since) / 1000))} s`;

// Countdowns and waiting timers tick in place (re-rendering would move the keyboard focus off the buttons).
setInterval(() => {
  const now = Date.now();
  document.querySelectorAll('.countdown').forEach((e) => { e.textContent = secondsLeft(Number(e.dataset.until), now); });
  document.querySelectorAll('.badge.wait').forEach((e) => { e.textContent = waited(Number(e.dataset.since), now); });
}, 1000);

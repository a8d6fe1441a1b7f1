// The two-pane demo (README, "The demo page"): a raw protocol view of a shopper and an agent.
const wsBase = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host;
const $ = id => document.getElementById(id);
function line(log, text, cls) { const d = document.createElement('div'); d.textContent = text; if (cls) d.className = cls; log.appendChild(d); log.scrollTop = log.scrollHeight; }
async function token(q) { const r = await fetch('/demo/token?' + q); const j = await r.json(); if (!r.ok) throw new Error(j.message); return j.token; }

// ---- shopper: remembers chatId, last seq and (anonymous) token so "Resume" picks up exactly where it left off
let sws = null, chat = null, lastSeq = 0, stoken = null;
function shopperOpen(resume) {
  sws = new WebSocket(wsBase + '/ws/customer');
  sws.onopen = () => sws.send(JSON.stringify(Object.assign({type: 'hello', lang: $('lang').value}, stoken ? {token: stoken} : {}, resume && chat ? {resume: {chatId: chat, lastSeq}} : {})));
  sws.onmessage = e => {
    const m = JSON.parse(e.data), log = $('slog');
    if (m.seq) { if (m.seq <= lastSeq) return; lastSeq = m.seq; sws.send(JSON.stringify({type: 'ack', seq: m.seq})); }
    switch (m.type) {
      case 'welcome': chat = m.chatId; if (m.token) stoken = m.token; line(log, 'connected to chat ' + m.chatId, 'sys'); break;
      case 'script': line(log, m.text, 'sys'); break;
      case 'queued': line(log, 'position ' + m.position + ', about ' + m.etaSeconds + ' s', 'sys'); break;
      case 'assigned': line(log, 'agent ' + m.agent.name + ' joined', 'sys'); break;
      case 'message': line(log, (m.from === 'customer' ? 'me: ' : m.from + ': ') + m.text, m.from === 'customer' ? 'me' : ''); break;
      case 'closed': line(log, 'chat closed (' + m.reason + ')', 'sys'); break;
      case 'error': line(log, m.code + ': ' + m.message, 'err'); break;
      case 'faq': line(log, 'FAQ: ' + m.entries.map(f => f.question + ' ' + f.answer).join(' | '), 'sys'); break;
      case 'typing': break;
      default: line(log, e.data, 'raw');
    }
  };
  sws.onclose = e => line($('slog'), 'connection closed ' + e.code + ' ' + e.reason, 'sys');
}
$('sconnect').onclick = async () => {
  chat = null; lastSeq = 0; stoken = null; $('slog').textContent = '';
  if ($('tier').value !== 'anon') stoken = await token('role=customer&tier=' + $('tier').value + '&sub=' + encodeURIComponent($('sid').value));
  shopperOpen(false);
};
$('sdrop').onclick = () => sws && sws.close();
$('sresume').onclick = () => shopperOpen(true);
// Sending before Connect (or after a drop) says so instead of throwing.
function connected(ws, log) { if (ws && ws.readyState === 1) return true; line(log, 'not connected: press Connect (or Resume) first', 'err'); return false; }
$('sform').onsubmit = e => { e.preventDefault(); if (!$('stext').value || !connected(sws, $('slog'))) return; sws.send(JSON.stringify({type: 'message', id: 'm' + Date.now(), text: $('stext').value})); $('stext').value = ''; };
$('sclose').onclick = () => connected(sws, $('slog')) && sws.send(JSON.stringify({type: 'close'}));

// ---- agent
let aws = null;
function addChat(id, label) { if ([...$('chats').options].some(o => o.value === id)) return; const o = new Option(label + ' ' + id, id); $('chats').add(o); $('chats').value = id; }
$('aconnect').onclick = async () => {
  const t = await token('role=agent&level=' + $('level').value + '&sub=' + encodeURIComponent($('aid').value));
  aws = new WebSocket(wsBase + '/ws/agent');
  aws.onopen = () => aws.send(JSON.stringify({type: 'hello', token: t, autoAccept: $('auto').checked}));
  aws.onmessage = e => {
    const m = JSON.parse(e.data), log = $('alog');
    switch (m.type) {
      case 'welcome': line(log, 'signed in as ' + m.agentId + ', ' + m.chats.length + ' open chats', 'sys'); m.chats.forEach(c => addChat(c.chatId, c.customer.tier)); break;
      case 'assigned': addChat(m.chatId, m.customer.tier); line(log, '[' + m.chatId + '] new chat with ' + (m.customer.name || m.customer.id) + ' (' + m.customer.tier + ')', 'sys'); break;
      case 'message': line(log, '[' + m.chatId + '] ' + m.from + ': ' + m.text, m.from === 'agent' ? 'me' : ''); break;
      case 'script': line(log, '[' + m.chatId + '] (' + m.kind + ') ' + m.text, 'sys'); break;
      case 'closed': line(log, '[' + m.chatId + '] closed (' + m.reason + ')', 'sys'); break;
      case 'error': line(log, m.code + ': ' + m.message, 'err'); break;
      case 'offer': {
        const d = document.createElement('div');
        d.textContent = 'offer: ' + m.chatId + ' (' + m.customer.tier + ', ' + m.group + ', ' + m.expiresInSeconds + ' s) ';
        const b = document.createElement('button'); b.textContent = 'Accept';
        b.onclick = () => { aws.send(JSON.stringify({type: 'accept', chatId: m.chatId})); b.disabled = true; };
        d.appendChild(b); log.appendChild(d); log.scrollTop = log.scrollHeight; break;
      }
      case 'offer_withdrawn': line(log, '[' + m.chatId + '] offer withdrawn: ' + m.reason, 'sys'); break;
      case 'warning': line(log, m.code + ': ' + m.message + (m.suggestion ? ' Try: ' + m.suggestion : ''), 'err'); break;
      case 'nudge': line(log, '[' + m.chatId + '] the shopper has waited ' + m.waitingSeconds + ' s for your reply', 'err'); break;
      case 'status': line(log, 'status ' + m.status + ': ' + m.reason, 'err'); break;
      case 'queue': case 'faq': case 'typing': break;
      default: line(log, e.data, 'raw');
    }
  };
  aws.onclose = e => line($('alog'), 'connection closed ' + e.code + ' ' + e.reason, 'sys');
};
$('status').onchange = () => aws && aws.send(JSON.stringify({type: 'status', status: $('status').value}));
$('aform').onsubmit = e => { e.preventDefault(); if (!$('atext').value || !connected(aws, $('alog'))) return; aws.send(JSON.stringify({type: 'message', chatId: $('chats').value, text: $('atext').value})); $('atext').value = ''; };
$('aclose').onclick = () => connected(aws, $('alog')) && aws.send(JSON.stringify({type: 'close', chatId: $('chats').value}));

// The embeddable chat widget. A shop adds, on any page of its own origin:
//   <script src="https://GATEWAY/widget.js" data-token-url="/chat/token" data-lang="zh-CN" async></script>
// and gets a launcher button and a chat panel. data-token-url (optional) is the shop's own endpoint that answers
// {"token": "<customer JWT>"} for the signed-in shopper (tier, tags and group ride in it); without it the shopper
// chats anonymously. data-lang: en or zh-CN (default: the browser's language). The shop's origin must be listed in
// the gateway's CHAT_GATEWAY_ALLOWED_ORIGINS.
//
// Everything lives in a shadow root (the shop's styles cannot reach in, ours cannot leak out); every text from a
// person is rendered with textContent, never as HTML; the chat survives page loads (the chat id and, for anonymous
// shoppers, the gateway's resume token are kept in localStorage) and network drops (the client library resumes).
(() => {
  const script = document.currentScript;
  if (!script || window.__chatGatewayWidget) return;
  const base = new URL('.', script.src);
  const tokenUrl = script.dataset.tokenUrl || null;
  const lang = script.dataset.lang === 'zh-CN' || script.dataset.lang === 'en' ? script.dataset.lang
    : (navigator.language || '').toLowerCase().startsWith('zh') ? 'zh-CN' : 'en';
  const storageKey = `chat-gateway:${base.origin}`;

  const TEXT = {
    en: {
      launcher: 'Chat with us', title: 'Customer service', minimise: 'Minimise chat', input: 'Your message', send: 'Send',
      position: (n, m) => `You are number ${n} in line, about ${m} min.`, agent: (name) => `You're chatting with ${name}`,
      typing: (name) => `${name} is typing…`, reconnecting: 'Connection lost. Reconnecting…', connecting: 'Connecting…',
      leave: 'Leave a message', order: 'Order number (optional)', topic: 'Topic (optional)', leaveText: 'Your message',
      leaveSend: 'Send message', rate: 'How did we do?', star: (n) => `${n} star${n > 1 ? 's' : ''}`, comment: 'Comment (optional)',
      rateSend: 'Send rating', thanks: 'Thank you for your rating.', ended: 'The chat has ended.', again: 'Start a new chat',
      faq: 'Answers to common questions', offline: 'Messages will be sent when the connection is back.',
      noAgents: (n) => `No agent is online right now (you are number ${n} in line). You can leave a message.`,
      closed: (m) => `We are closed; we open in about ${m >= 120 ? `${Math.round(m / 60)} hours` : `${m} min`}. You can leave a message.`,
    },
    'zh-CN': {
      launcher: '联系客服', title: '在线客服', minimise: '收起对话', input: '输入消息', send: '发送',
      position: (n, m) => `您正在排队，第 ${n} 位，预计等待 ${m} 分钟。`, agent: (name) => `${name} 正在为您服务`,
      typing: (name) => `${name} 正在输入…`, reconnecting: '连接中断，正在重新连接…', connecting: '正在连接…',
      leave: '留言', order: '订单号（可选）', topic: '主题（可选）', leaveText: '留言内容', leaveSend: '提交留言',
      rate: '请为本次服务评分', star: (n) => `${n} 星`, comment: '评价（可选）', rateSend: '提交评价', thanks: '感谢您的评价。',
      ended: '对话已结束。', again: '开始新的对话', faq: '常见问题', offline: '连接恢复后将自动发送。',
      noAgents: (n) => `客服暂时都不在线（您排在第 ${n} 位），您可以先留言。`,
      closed: (m) => `当前不在服务时间，约 ${m >= 120 ? `${Math.round(m / 60)} 小时` : `${m} 分钟`}后开始服务，您可以先留言。`,
    },
  }[lang];

  const CSS = `
    :host { all: initial; }
    * { box-sizing: border-box; font-family: system-ui, -apple-system, "PingFang SC", "Microsoft YaHei", sans-serif; }
    .launcher { position: fixed; right: 20px; bottom: 20px; z-index: 2147483000; border: 0; border-radius: 24px;
      padding: 12px 18px; background: #0b5cad; color: #fff; font-size: 15px; cursor: pointer; box-shadow: 0 2px 8px rgba(0,0,0,.3); }
    .launcher:focus-visible, button:focus-visible, textarea:focus-visible, input:focus-visible { outline: 3px solid #f5a623; outline-offset: 2px; }
    .panel { position: fixed; right: 20px; bottom: 80px; z-index: 2147483000; width: 360px; height: 540px; max-height: calc(100vh - 100px);
      display: flex; flex-direction: column; background: #fff; color: #1a1a1a; border-radius: 12px; box-shadow: 0 4px 24px rgba(0,0,0,.3);
      overflow: hidden; font-size: 14px; }
    .panel[hidden] { display: none; }
    header { display: flex; align-items: center; gap: 8px; padding: 10px 12px; background: #0b5cad; color: #fff; }
    header .titles { flex: 1; }
    header h2 { font-size: 16px; margin: 0; }
    header .who { font-size: 12px; opacity: .9; }
    header button { background: transparent; color: #fff; border: 0; font-size: 20px; cursor: pointer; min-width: 44px; min-height: 44px; }
    .status { padding: 6px 12px; font-size: 13px; background: #eef4fb; color: #123; }
    .status:empty { display: none; }
    .status.warn { background: #fff4e5; color: #5a3800; }
    ol.log { list-style: none; margin: 0; padding: 12px; flex: 1; overflow-y: auto; display: flex; flex-direction: column; gap: 8px; }
    ol.log li { max-width: 85%; padding: 8px 10px; border-radius: 10px; white-space: pre-wrap; overflow-wrap: anywhere; }
    li.me { align-self: flex-end; background: #0b5cad; color: #fff; }
    li.agent { align-self: flex-start; background: #f0f0f0; }
    li.system { align-self: center; background: transparent; color: #555; font-size: 13px; text-align: center; }
    .typing { padding: 0 12px 4px; font-size: 12px; color: #555; min-height: 16px; }
    form.compose { display: flex; gap: 8px; padding: 8px; border-top: 1px solid #ddd; }
    form.compose textarea { flex: 1; resize: none; height: 44px; padding: 8px; font-size: 14px; border: 1px solid #888; border-radius: 8px; }
    button.primary { background: #0b5cad; color: #fff; border: 0; border-radius: 8px; padding: 0 14px; min-height: 44px; font-size: 14px; cursor: pointer; }
    button.primary:disabled { background: #8aa9c9; cursor: default; }
    form.card { margin: 8px 12px; padding: 10px; border: 1px solid #ccc; border-radius: 8px; display: flex; flex-direction: column; gap: 6px; }
    form.card[hidden], details[hidden] { display: none; }
    form.card label { font-size: 13px; display: flex; flex-direction: column; gap: 2px; }
    form.card input, form.card textarea { font-size: 14px; padding: 6px; border: 1px solid #888; border-radius: 6px; }
    fieldset.stars { border: 0; padding: 0; margin: 0; display: flex; gap: 4px; }
    fieldset.stars legend { font-size: 14px; margin-bottom: 4px; }
    fieldset.stars label { flex-direction: row; align-items: center; gap: 2px; }
    details { margin: 0 12px; font-size: 13px; }
    .sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
    @media (max-width: 480px) {
      .panel { inset: 0; width: 100%; height: 100%; max-height: none; border-radius: 0; }
      .launcher { right: 12px; bottom: 12px; }
    }`;

  const host = document.createElement('div');
  host.setAttribute('data-chat-gateway', '');
  const root = host.attachShadow({ mode: 'open' });
  try {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(CSS);
    root.adoptedStyleSheets = [sheet];
  } catch (e) {
    const style = document.createElement('style'); // browsers without constructable stylesheets
    style.textContent = CSS;
    root.append(style);
  }

  const el = (tag, props = {}, ...children) => {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(props)) {
      if (k === 'text') e.textContent = v;
      else if (k === 'class') e.className = v;
      else if (k.startsWith('aria-') || k.startsWith('data-') || k === 'role' || k === 'for') e.setAttribute(k, v);
      else e[k] = v;
    }
    e.append(...children);
    return e;
  };

  const launcher = el('button', { class: 'launcher', 'data-testid': 'launcher', type: 'button', text: TEXT.launcher, 'aria-expanded': 'false', 'aria-controls': 'cg-panel' });
  const who = el('div', { class: 'who' });
  const minimise = el('button', { type: 'button', 'aria-label': TEXT.minimise, text: '×' });
  const status = el('div', { class: 'status', role: 'status', 'data-testid': 'queue-status' });
  const log = el('ol', { class: 'log', 'data-testid': 'messages', role: 'log', 'aria-live': 'polite', 'aria-label': TEXT.title });
  const typing = el('div', { class: 'typing', 'aria-live': 'polite' });
  const faq = el('details', { hidden: true }, el('summary', { text: TEXT.faq }));
  const input = el('textarea', { id: 'cg-input', 'data-testid': 'composer', name: 'text', maxLength: 4000, rows: 2 });
  const send = el('button', { class: 'primary', 'data-testid': 'send', type: 'submit', text: TEXT.send });
  const compose = el('form', { class: 'compose' }, el('label', { class: 'sr', for: 'cg-input', text: TEXT.input }), input, send);

  const leaveText = el('textarea', { name: 'text', maxLength: 4000, required: true, rows: 3 });
  const leaveOrder = el('input', { name: 'orderNo', maxLength: 64 });
  const leaveTopic = el('input', { name: 'topic', maxLength: 64 });
  const leave = el('form', { class: 'card leave', 'data-testid': 'leave-message-form', hidden: true, 'aria-label': TEXT.leave },
    el('strong', { text: TEXT.leave }),
    el('label', {}, TEXT.leaveText, leaveText), el('label', {}, TEXT.order, leaveOrder), el('label', {}, TEXT.topic, leaveTopic),
    el('button', { class: 'primary', type: 'submit', text: TEXT.leaveSend }));

  const stars = el('fieldset', { class: 'stars' }, el('legend', { text: TEXT.rate }));
  for (let n = 1; n <= 5; n++) {
    stars.append(el('label', {}, el('input', { type: 'radio', name: 'score', value: String(n), required: true }),
      el('span', { 'aria-hidden': 'true', text: '★' }), el('span', { class: 'sr', text: TEXT.star(n) })));
  }
  const csatComment = el('textarea', { name: 'comment', maxLength: 1000, rows: 2 });
  const csat = el('form', { class: 'card csat', 'data-testid': 'csat', hidden: true, 'aria-label': TEXT.rate },
    stars, el('label', {}, TEXT.comment, csatComment), el('button', { class: 'primary', type: 'submit', text: TEXT.rateSend }));
  const again = el('button', { class: 'primary', type: 'button', text: TEXT.again, hidden: true });

  const panel = el('section', { class: 'panel', id: 'cg-panel', hidden: true, role: 'dialog', 'aria-label': TEXT.title },
    el('header', {}, el('div', { class: 'titles' }, el('h2', { text: TEXT.title }), who), minimise),
    status, faq, log, leave, csat, again, typing, compose);
  root.append(launcher, panel);
  document.body.append(host);

  let client = null;
  let agentName = null;
  let typingTimer = null;
  let lastTypingSent = 0;
  const shown = new Set(); // chatId:seq rendered (a reload's replay and live frames never show twice)

  const setStatus = (text, warn = false) => {
    status.textContent = text || '';
    status.classList.toggle('warn', warn);
  };

  const add = (cls, text, key) => {
    if (key && shown.has(key)) return;
    if (key) shown.add(key);
    log.append(el('li', { class: cls, text }));
    log.scrollTop = log.scrollHeight;
  };

  const open = (yes) => {
    panel.hidden = !yes;
    launcher.setAttribute('aria-expanded', String(yes));
    if (yes) {
      if (!client) start();
      input.focus();
    } else {
      launcher.focus();
    }
  };

  const saved = () => {
    try {
      return JSON.parse(localStorage.getItem(storageKey) || 'null');
    } catch (e) {
      return null;
    }
  };
  const save = (v) => {
    try {
      if (v) localStorage.setItem(storageKey, JSON.stringify(v));
      else localStorage.removeItem(storageKey);
    } catch (e) { /* private mode: the chat just does not survive a reload */ }
  };

  async function token() {
    if (!tokenUrl) return saved()?.token || null;
    const r = await fetch(tokenUrl, { credentials: 'include' });
    if (!r.ok) throw new Error(`token endpoint answered ${r.status}`);
    return (await r.json()).token;
  }

  async function start() {
    const { ChatClient, wsUrl } = await import(new URL('client/chat-gateway-client.js', base).toString());
    const previous = saved();
    setStatus(TEXT.connecting);
    client = new ChatClient({ url: wsUrl(base.toString(), '/ws/customer'), tokenProvider: token, lang,
      resume: previous?.chatId ? { chatId: previous.chatId, lastSeq: 0 } : undefined }); // a new page holds nothing: all of it
    window.__chatGatewayWidget.client = client;
    client.addEventListener('state', (e) => {
      const s = e.detail.state;
      if (s === 'reconnecting') setStatus(TEXT.reconnecting, true);
      else if (s === 'open') setStatus('');
      compose.querySelector('button').disabled = s === 'closed';
    });
    client.addEventListener('welcome', (e) => {
      save({ chatId: e.detail.chatId, token: client.resumeToken || previous?.token || null });
    });
    client.addEventListener('script', (e) => {
      const f = e.detail;
      add('system', f.text, `${f.chatId}:${f.seq}`);
      if (['overflow', 'no_agents', 'after_hours', 'busy'].includes(f.kind)) leave.hidden = false;
      if (f.kind === 'leave_message_ack') leave.hidden = true;
    });
    client.addEventListener('message', (e) => {
      const f = e.detail;
      add(f.from === 'customer' ? 'me' : f.from === 'agent' ? 'agent' : 'system', f.text, `${f.chatId}:${f.seq}`);
      if (f.from === 'agent') typing.textContent = '';
    });
    client.addEventListener('queued', (e) => {
      const { position, etaSeconds, reason } = e.detail;
      const minutes = Math.max(1, Math.round(etaSeconds / 60));
      // Nobody can come now: say so (no made-up minutes) and offer the message form.
      if (reason === 'no_agents') setStatus(TEXT.noAgents(position));
      else if (reason === 'closed') setStatus(TEXT.closed(minutes));
      else setStatus(TEXT.position(position, minutes));
      if (reason) leave.hidden = false;
    });
    client.addEventListener('assigned', (e) => {
      agentName = e.detail.agent?.name || e.detail.agent?.id || '';
      who.textContent = TEXT.agent(agentName);
      setStatus('');
    });
    client.addEventListener('typing', (e) => {
      if (e.detail.from !== 'agent') return;
      typing.textContent = TEXT.typing(agentName || TEXT.title);
      clearTimeout(typingTimer);
      typingTimer = setTimeout(() => { typing.textContent = ''; }, 4000);
    });
    client.addEventListener('faq', (e) => {
      faq.hidden = false;
      for (const entry of e.detail.entries || []) {
        faq.append(el('p', {}, el('strong', { text: entry.question }), el('br'), document.createTextNode(entry.answer)));
      }
    });
    client.addEventListener('closed', (e) => {
      add('system', TEXT.ended, `${e.detail.chatId}:closed`);
      compose.hidden = true;
      leave.hidden = true;
      csat.hidden = false;
      again.hidden = false;
      save(null);
    });
    client.addEventListener('error', (e) => setStatus(e.detail.message, true));
    client.connect();
  }

  launcher.addEventListener('click', () => open(panel.hidden));
  minimise.addEventListener('click', () => open(false));
  panel.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') open(false);
  });
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) { // Enter sends, Shift+Enter is a new line, IME input is left alone
      e.preventDefault();
      compose.requestSubmit();
    }
  });
  input.addEventListener('input', () => {
    if (client && Date.now() - lastTypingSent > 3000) {
      lastTypingSent = Date.now();
      client.typing();
    }
  });
  compose.addEventListener('submit', (e) => {
    e.preventDefault();
    const text = input.value.trim();
    if (!text || !client) return;
    client.sendMessage(text);
    if (client.state !== 'open') setStatus(TEXT.offline, true);
    input.value = '';
  });
  leave.addEventListener('submit', (e) => {
    e.preventDefault();
    const frame = { type: 'leave_message', text: leaveText.value.trim() };
    if (leaveOrder.value.trim()) frame.orderNo = leaveOrder.value.trim();
    if (leaveTopic.value.trim()) frame.topic = leaveTopic.value.trim();
    if (frame.text && client) client.send(frame);
  });
  csat.addEventListener('submit', (e) => {
    e.preventDefault();
    const score = Number(new FormData(csat).get('score'));
    const frame = { type: 'csat', score };
    if (csatComment.value.trim()) frame.comment = csatComment.value.trim();
    client.send(frame);
    csat.replaceChildren(el('p', { role: 'status', text: TEXT.thanks }));
  });
  again.addEventListener('click', () => {
    client.close();
    client = null;
    log.replaceChildren();
    shown.clear();
    who.textContent = '';
    csat.hidden = true;
    again.hidden = true;
    compose.hidden = false;
    start();
    input.focus();
  });

  window.__chatGatewayWidget = { open: () => open(true), close: () => open(false), client: null };
  if (saved()?.chatId) start(); // a chat in progress continues on this page at once (its messages keep arriving)
})();

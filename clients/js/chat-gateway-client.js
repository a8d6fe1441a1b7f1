// chat-gateway-client: the browser (and Node 22+) client of the chat routing gateway's WebSocket protocol v1
// (docs/protocol.md). No build step, no dependencies: an ES module.
//
// What it does for a widget or an agent desktop:
//   - connects, sends `hello` (with the token, language and, after a drop, `resume` from the last seq it holds),
//   - reconnects on its own with exponential backoff and jitter, and resumes: nothing lost, nothing shown twice
//     (chat events are de-duplicated by their per-chat `seq`),
//   - gives every message an id, keeps it until the gateway has echoed it, and sends it again after a reconnect
//     (the gateway de-duplicates by id, so a resend never makes a second message),
//   - acknowledges what it holds (`ack`, at most once a second per chat),
//   - emits typed events: `state`, `welcome`, `frame`, and one per frame type (`message`, `script`, `queued`, ...).
//
// It never puts text into HTML: rendering is the caller's, and the widget renders with textContent.

const RETRY_NEVER = new Set([1000, 1002, 1003, 1007, 1008, 1009]); // replaced, refused, or a client bug: retrying cannot help
const CHAT_EVENTS = new Set(['message', 'script', 'assigned', 'transferred', 'closed']);

/**
 * One connection to the gateway, kept open across network drops.
 *
 * Options:
 *   url          ws(s)://host/ws/customer or /ws/agent (required)
 *   token        a JWT, or tokenProvider: async () => token (called before every connect; null: anonymous shopper)
 *   lang         'en' or 'zh-CN' (shoppers)
 *   autoAccept   agents: take chats without an offer
 *   resume       shoppers: {chatId, lastSeq} of a chat to continue (e.g. after a page reload, lastSeq 0 for all of it)
 *   backoff      {initialMs: 500, maxMs: 15000}
 *   WebSocket    a WebSocket class (default: globalThis.WebSocket)
 */
export class ChatClient extends EventTarget {
  #options;
  #socket = null;
  #state = 'idle';
  #attempt = 0;
  #retryTimer = null;
  #closedByUser = false;
  #lastSeq = new Map(); // chatId -> highest seq held
  #acked = new Map(); // chatId -> highest seq acknowledged
  #ackTimer = null;
  #pending = new Map(); // client message id -> frame, until echoed
  #nextId = 1;
  #idPrefix = Math.random().toString(36).slice(2, 8);
  #resumeToken = null;
  #refetching = false;
  #chatId = null; // shoppers: their chat

  constructor(options) {
    super();
    if (!options || !options.url) {
      throw new TypeError('ChatClient needs {url} (expected: ws(s)://host/ws/customer or /ws/agent)');
    }
    this.#options = { backoff: { initialMs: 500, maxMs: 15000 }, ...options };
    if (options.resume) {
      this.#chatId = options.resume.chatId;
      this.#lastSeq.set(options.resume.chatId, options.resume.lastSeq || 0);
    }
  }

  /** 'idle', 'connecting', 'open', 'reconnecting' or 'closed'. */
  get state() {
    return this.#state;
  }

  /** The shopper's chat id, once welcomed. */
  get chatId() {
    return this.#chatId;
  }

  /** The token to resume an anonymous shopper's chat with (from `welcome`), if any. */
  get resumeToken() {
    return this.#resumeToken;
  }

  /** The highest seq held of a chat (0 when none). */
  lastSeq(chatId) {
    return this.#lastSeq.get(chatId) || 0;
  }

  /** Opens the connection (and keeps it open until close()). */
  connect() {
    this.#closedByUser = false;
    this.#open();
    return this;
  }

  /** Sends a chat message; returns its id. Shoppers may leave out chatId. Queued while disconnected. */
  sendMessage(text, { chatId, confirm } = {}) {
    const frame = { type: 'message', id: this.#newId(), text };
    if (chatId) frame.chatId = chatId;
    if (confirm) frame.confirm = true;
    this.#pending.set(frame.id, frame);
    this.#sendNow(frame);
    return frame.id;
  }

  /** Sends any other client frame ({type, ...}); an id is added when missing. Dropped (false) while disconnected. */
  send(frame) {
    const f = { id: this.#newId(), ...frame };
    return this.#sendNow(f) ? f.id : null;
  }

  /** Tells the other side this side is typing (agents name the chat). */
  typing(chatId) {
    this.#sendNow(chatId ? { type: 'typing', chatId } : { type: 'typing' });
  }

  /** Closes for good (no reconnect). */
  close() {
    this.#closedByUser = true;
    clearTimeout(this.#retryTimer);
    clearTimeout(this.#ackTimer);
    if (this.#socket) this.#socket.close(1000, 'bye');
    this.#setState('closed');
  }

  /**
   * Agents: reconnects at once and resumes every chat from what this client holds (nothing, for the chats a first
   * `welcome` listed): how a desk opened on a new device gets the history of its open chats.
   */
  refetch() {
    if (!this.#socket) return;
    this.#refetching = true;
    this.#socket.close(4001, 'refetching history');
  }

  /** For tests and "drop network" buttons: cuts the socket as a lost network would; the client reconnects and resumes. */
  dropConnection() {
    if (this.#socket) this.#socket.close(4000, 'dropped by the page');
  }

  #newId() {
    return `${this.#idPrefix}-${this.#nextId++}`;
  }

  #setState(state, detail = {}) {
    if (this.#state === state) return;
    this.#state = state;
    this.dispatchEvent(new CustomEvent('state', { detail: { state, ...detail } }));
  }

  async #open() {
    clearTimeout(this.#retryTimer);
    this.#setState(this.#attempt === 0 ? 'connecting' : 'reconnecting');
    let token = this.#options.token || null;
    if (this.#options.tokenProvider) {
      try {
        token = await this.#options.tokenProvider();
      } catch (e) {
        this.#retry();
        return;
      }
    }
    if (this.#closedByUser) return;
    const WS = this.#options.WebSocket || globalThis.WebSocket;
    const socket = new WS(this.#options.url);
    this.#socket = socket;
    socket.onopen = () => socket.send(JSON.stringify(this.#hello(token)));
    socket.onmessage = (e) => this.#receive(e.data);
    socket.onclose = (e) => {
      if (this.#socket !== socket) return;
      this.#socket = null;
      if (this.#closedByUser) return;
      if (this.#refetching) {
        this.#refetching = false;
        this.#open();
        return;
      }
      if (RETRY_NEVER.has(e.code)) {
        this.#setState('closed', { code: e.code, reason: e.reason });
        return;
      }
      this.#retry(e.code);
    };
  }

  #hello(token) {
    const hello = { type: 'hello' };
    const resumeToken = this.#resumeToken;
    if (token) hello.token = token;
    else if (resumeToken) hello.token = resumeToken;
    if (this.#options.lang) hello.lang = this.#options.lang;
    if (this.#options.url.includes('/ws/agent')) {
      if (this.#options.autoAccept !== undefined) hello.autoAccept = this.#options.autoAccept;
      if (this.#lastSeq.size > 0) {
        hello.resume = [...this.#lastSeq].map(([chatId, lastSeq]) => ({ chatId, lastSeq }));
      }
    } else if (this.#chatId) {
      hello.resume = { chatId: this.#chatId, lastSeq: this.lastSeq(this.#chatId) };
    }
    return hello;
  }

  #retry(code) {
    this.#attempt++;
    const { initialMs, maxMs } = this.#options.backoff;
    const ceiling = Math.min(maxMs, initialMs * 2 ** Math.min(this.#attempt - 1, 10));
    const delay = ceiling / 2 + Math.random() * ceiling / 2; // jitter: a node's clients do not all come back at once
    this.#setState('reconnecting', { code, inMs: Math.round(delay) });
    this.#retryTimer = setTimeout(() => this.#open(), delay);
  }

  #sendNow(frame) {
    if (!this.#socket || this.#socket.readyState !== 1 || this.#state !== 'open') return false;
    this.#socket.send(JSON.stringify(frame));
    return true;
  }

  #receive(data) {
    let frame;
    try {
      frame = JSON.parse(data);
    } catch (e) {
      return;
    }
    if (frame.type === 'welcome') {
      this.#attempt = 0;
      if (frame.chatId) {
        this.#chatId = frame.chatId;
        if (!this.#lastSeq.has(frame.chatId)) this.#lastSeq.set(frame.chatId, 0);
      }
      if (frame.token) this.#resumeToken = frame.token;
      if (Array.isArray(frame.chats)) {
        for (const c of frame.chats) {
          if (!this.#lastSeq.has(c.chatId)) this.#lastSeq.set(c.chatId, 0);
        }
      }
      this.#setState('open');
      this.#emit(frame);
      for (const pending of this.#pending.values()) this.#sendNow(pending); // never echoed: the gateway de-duplicates by id
      return;
    }
    if (CHAT_EVENTS.has(frame.type) && frame.chatId && typeof frame.seq === 'number') {
      if (frame.seq <= this.lastSeq(frame.chatId)) return; // seen already (a replay after a resume)
      this.#lastSeq.set(frame.chatId, frame.seq);
      this.#scheduleAck();
    }
    if (frame.type === 'message') this.#clearEchoed(frame);
    if (frame.type === 'error' && frame.ref) this.#pending.delete(frame.ref); // refused: the caller decides whether to retry
    if (frame.type === 'warning' && frame.ref) this.#pending.delete(frame.ref);
    this.#emit(frame);
  }

  #clearEchoed(frame) {
    // The gateway echoes a message to its sender with seq but without the client id: match the oldest pending one of that text.
    for (const [id, p] of this.#pending) {
      if (p.text === frame.text && (!p.chatId || p.chatId === frame.chatId)) {
        this.#pending.delete(id);
        return;
      }
    }
  }

  #scheduleAck() {
    if (this.#ackTimer) return;
    this.#ackTimer = setTimeout(() => {
      this.#ackTimer = null;
      const agent = this.#options.url.includes('/ws/agent');
      for (const [chatId, seq] of this.#lastSeq) {
        if (seq > (this.#acked.get(chatId) || 0) && this.#sendNow(agent ? { type: 'ack', chatId, seq } : { type: 'ack', seq })) {
          this.#acked.set(chatId, seq);
        }
      }
    }, 1000);
  }

  #emit(frame) {
    this.dispatchEvent(new CustomEvent('frame', { detail: frame }));
    this.dispatchEvent(new CustomEvent(frame.type, { detail: frame }));
  }
}

/** Convenience: a shopper's client. */
export function connectShopper(baseUrl, options = {}) {
  return new ChatClient({ ...options, url: wsUrl(baseUrl, '/ws/customer') }).connect();
}

/** Convenience: an agent desktop's client. */
export function connectAgent(baseUrl, options = {}) {
  return new ChatClient({ ...options, url: wsUrl(baseUrl, '/ws/agent') }).connect();
}

/** ws(s)://host/path from an http(s) or ws(s) base URL. */
export function wsUrl(baseUrl, path) {
  const u = new URL(path, baseUrl);
  u.protocol = u.protocol === 'https:' || u.protocol === 'wss:' ? 'wss:' : 'ws:';
  return u.toString();
}

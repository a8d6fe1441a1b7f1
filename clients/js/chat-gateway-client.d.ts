// Types of chat-gateway-client (docs/protocol.md, docs/schema/ describe every frame).

export type ClientState = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'closed';

export interface ServerFrame {
  type: 'welcome' | 'queued' | 'offer' | 'offer_withdrawn' | 'assigned' | 'message' | 'script' | 'typing' | 'warning'
    | 'transferred' | 'closed' | 'queue' | 'status' | 'nudge' | 'faq' | 'error';
  chatId?: string;
  seq?: number;
  [field: string]: unknown;
}

export interface ChatClientOptions {
  /** ws(s)://host/ws/customer or ws(s)://host/ws/agent */
  url: string;
  token?: string | null;
  tokenProvider?: () => Promise<string | null>;
  lang?: 'en' | 'zh-CN';
  autoAccept?: boolean;
  /** Shoppers: a chat to continue; lastSeq 0 replays all of it. */
  resume?: { chatId: string; lastSeq: number };
  backoff?: { initialMs: number; maxMs: number };
  WebSocket?: typeof WebSocket;
}

export class ChatClient extends EventTarget {
  constructor(options: ChatClientOptions);
  readonly state: ClientState;
  readonly chatId: string | null;
  readonly resumeToken: string | null;
  lastSeq(chatId: string): number;
  connect(): this;
  sendMessage(text: string, options?: { chatId?: string; confirm?: boolean }): string;
  send(frame: { type: string; [field: string]: unknown }): string | null;
  typing(chatId?: string): void;
  close(): void;
  dropConnection(): void;
  /** Agents: reconnect at once and resume every chat from what is held (0 for chats only the welcome listed). */
  refetch(): void;
  addEventListener(type: 'state', listener: (e: CustomEvent<{ state: ClientState; code?: number; inMs?: number }>) => void): void;
  addEventListener(type: string, listener: (e: CustomEvent<ServerFrame>) => void): void;
}

export function connectShopper(baseUrl: string, options?: Omit<ChatClientOptions, 'url'>): ChatClient;
export function connectAgent(baseUrl: string, options?: Omit<ChatClientOptions, 'url'>): ChatClient;
export function wsUrl(baseUrl: string, path: string): string;

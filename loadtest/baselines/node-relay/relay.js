// Baseline for benchmarks only: pairs each shopper with an agent that has a free slot and relays
// chat text both ways with a per-chat seq. Same protocol subset as the B0 Netty relay
// (hello, welcome, assigned, message); nothing else. Usage: node relay.js [port] [slotsPerAgent]
'use strict';
const { WebSocketServer } = require('ws');
const port = Number(process.argv[2] || 9190);
const slotsPerAgent = Number(process.argv[3] || 10);
let ids = 0;
const free = [];      // agents with a free slot
const waiting = [];   // chats without an agent
const chats = new Map();

function send(ws, obj) { if (ws.readyState === 1) ws.send(JSON.stringify(obj)); }
function announce(c) {
  const a = { type: 'assigned', chatId: c.id, seq: ++c.seq, agent: { id: c.agent.id }, customer: { id: c.id, tier: 'regular' } };
  send(c.customer, a); send(c.agent.ws, a);
}

const wss = new WebSocketServer({ port, maxPayload: 65536, perMessageDeflate: false });
wss.on('connection', (ws, req) => {
  const agentSide = req.url.startsWith('/ws/agent');
  let agent = null, chat = null;
  ws.on('message', (data) => {
    const m = JSON.parse(data);
    if (m.type === 'hello') {
      if (agentSide) {
        agent = { id: 'a' + (++ids), ws, slots: slotsPerAgent };
        send(ws, { type: 'welcome', agentId: agent.id, chats: [] });
        while (agent.slots > 0 && waiting.length) { const c = waiting.shift(); c.agent = agent; agent.slots--; announce(c); }
        if (agent.slots > 0) free.push(agent);
      } else {
        chat = { id: 'n' + (++ids), customer: ws, agent: null, seq: 0 };
        chats.set(chat.id, chat);
        send(ws, { type: 'welcome', chatId: chat.id, lastSeq: 0 });
        const a = free[0];
        if (a) { chat.agent = a; if (--a.slots === 0) free.shift(); announce(chat); } else waiting.push(chat);
      }
    } else if (m.type === 'message') {
      const c = agentSide ? chats.get(m.chatId) : chat;
      if (!c || !c.agent) return;
      send(agentSide ? c.customer : c.agent.ws,
        { type: 'message', chatId: c.id, seq: ++c.seq, from: agentSide ? 'agent' : 'customer', text: m.text, ts: Date.now() });
    }
  });
  ws.on('close', () => {
    if (chat) {
      chats.delete(chat.id);
      const i = waiting.indexOf(chat); if (i >= 0) waiting.splice(i, 1);
      const a = chat.agent; if (a && a.ws.readyState === 1 && a.slots++ === 0) free.push(a);
    }
    if (agent) { const i = free.indexOf(agent); if (i >= 0) free.splice(i, 1); }
  });
});
console.log('node ws relay ready on port ' + port);

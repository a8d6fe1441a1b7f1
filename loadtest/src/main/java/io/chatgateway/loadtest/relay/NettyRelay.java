package io.chatgateway.loadtest.relay;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Baseline B0: a plain Netty WebSocket relay. It pairs each shopper with an agent that has a free
 * slot, forwards chat text both ways with a per-chat seq, and does nothing else: no routing
 * rules, no scripts, no log, no resume, no limits beyond Netty's defaults. It speaks just enough of
 * PROTOCOL.md (hello, welcome, assigned, message) for the same load driver to play against it.
 * Built only for benchmarking.
 */
public final class NettyRelay implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final EventLoopGroup group;
    private final Channel server;
    private final int slotsPerAgent;
    private final Object lock = new Object();
    private final ArrayDeque<Agent> free = new ArrayDeque<>();
    private final ArrayDeque<Chat> waiting = new ArrayDeque<>();
    private final Map<String, Chat> chats = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong();

    private static final class Agent {
        final Channel ch;
        final String id;
        int slots;

        Agent(Channel ch, String id, int slots) {
            this.ch = ch;
            this.id = id;
            this.slots = slots;
        }
    }

    private static final class Chat {
        final String id;
        final Channel customer;
        volatile Agent agent;
        final AtomicLong seq = new AtomicLong();

        Chat(String id, Channel customer) {
            this.id = id;
            this.customer = customer;
        }
    }

    public NettyRelay(int port, int slotsPerAgent) throws InterruptedException {
        this.slotsPerAgent = slotsPerAgent;
        boolean epoll = Epoll.isAvailable();
        group = new MultiThreadIoEventLoopGroup(0, epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
        server = new ServerBootstrap().group(group).channel(epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 4096)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(65536),
                                new WebSocketServerProtocolHandler("/ws", null, false, 65536, false, true),
                                new Handler());
                    }
                }).bind(port).sync().channel();
    }

    public int port() {
        return ((java.net.InetSocketAddress) server.localAddress()).getPort();
    }

    private final class Handler extends SimpleChannelInboundHandler<TextWebSocketFrame> {
        private boolean agentSide;
        private Agent agent;
        private Chat chat;

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof WebSocketServerProtocolHandler.HandshakeComplete hc) {
                agentSide = hc.requestUri().startsWith("/ws/agent");
            }
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, TextWebSocketFrame frame) throws Exception {
            JsonNode m = JSON.readTree(frame.text());
            String type = m.path("type").asText();
            if ("hello".equals(type)) {
                if (agentSide) {
                    agent = new Agent(ctx.channel(), "a" + ids.incrementAndGet(), slotsPerAgent);
                    send(ctx.channel(), JSON.createObjectNode().put("type", "welcome").put("agentId", agent.id).set("chats", JSON.createArrayNode()));
                    List<Chat> take = new ArrayList<>();
                    synchronized (lock) {
                        while (agent.slots > 0 && !waiting.isEmpty()) {
                            Chat c = waiting.poll();
                            c.agent = agent;
                            agent.slots--;
                            take.add(c);
                        }
                        if (agent.slots > 0) {
                            free.add(agent);
                        }
                    }
                    take.forEach(NettyRelay.this::announce);
                } else {
                    chat = new Chat("r" + ids.incrementAndGet(), ctx.channel());
                    chats.put(chat.id, chat);
                    send(ctx.channel(), JSON.createObjectNode().put("type", "welcome").put("chatId", chat.id).put("lastSeq", 0));
                    Agent a;
                    synchronized (lock) {
                        a = free.peek();
                        if (a != null) {
                            chat.agent = a;
                            if (--a.slots == 0) {
                                free.poll();
                            }
                        } else {
                            waiting.add(chat);
                        }
                    }
                    if (a != null) {
                        announce(chat);
                    }
                }
            } else if ("message".equals(type)) {
                Chat c = agentSide ? chats.get(m.path("chatId").asText()) : chat;
                if (c == null || c.agent == null) {
                    return;
                }
                ObjectNode out = JSON.createObjectNode().put("type", "message").put("chatId", c.id).put("seq", c.seq.incrementAndGet())
                        .put("from", agentSide ? "agent" : "customer").put("text", m.path("text").asText()).put("ts", System.currentTimeMillis());
                send(agentSide ? c.customer : c.agent.ch, out);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (chat != null) {
                chats.remove(chat.id);
                Agent a = chat.agent;
                synchronized (lock) {
                    waiting.remove(chat);
                    if (a != null && a.ch.isActive() && a.slots++ == 0) {
                        free.add(a);
                    }
                }
            }
            if (agent != null) {
                synchronized (lock) {
                    free.remove(agent);
                }
            }
        }
    }

    private void announce(Chat c) {
        ObjectNode assigned = JSON.createObjectNode().put("type", "assigned").put("chatId", c.id).put("seq", c.seq.incrementAndGet());
        assigned.putObject("agent").put("id", c.agent.id);
        assigned.putObject("customer").put("id", c.id).put("tier", "regular");
        send(c.customer, assigned);
        send(c.agent.ch, assigned);
    }

    private static void send(Channel ch, ObjectNode msg) {
        ch.writeAndFlush(new TextWebSocketFrame(msg.toString()), ch.voidPromise());
    }

    @Override
    public void close() {
        server.close().awaitUninterruptibly();
        group.shutdownGracefully().awaitUninterruptibly();
    }
}

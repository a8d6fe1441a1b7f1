package io.chatgateway.baseline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.web.reactive.HandlerMapping;
import org.springframework.web.reactive.handler.SimpleUrlHandlerMapping;
import org.springframework.web.reactive.socket.WebSocketHandler;
import org.springframework.web.reactive.socket.WebSocketMessage;
import org.springframework.web.reactive.socket.WebSocketSession;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * Baseline for benchmarks only: pairs each shopper with an agent that has a free slot and relays
 * chat text both ways with a per-chat seq, on Spring WebFlux (Reactor Netty). Same protocol subset
 * as B0 (hello, welcome, assigned, message). Run: java -jar webflux-relay.jar --server.port=9290
 */
@SpringBootApplication
public class WebFluxRelay {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int SLOTS = 10;

    private final Object lock = new Object();
    private final ArrayDeque<Agent> free = new ArrayDeque<>();
    private final ArrayDeque<Chat> waiting = new ArrayDeque<>();
    private final Map<String, Chat> chats = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong();

    record Out(Sinks.Many<String> sink) {
        void send(ObjectNode o) {
            sink.emitNext(o.toString(), Sinks.EmitFailureHandler.busyLooping(java.time.Duration.ofMillis(100)));
        }
    }

    static final class Agent {
        final Out out;
        final String id;
        int slots = SLOTS;

        Agent(Out out, String id) {
            this.out = out;
            this.id = id;
        }
    }

    static final class Chat {
        final String id;
        final Out customer;
        volatile Agent agent;
        final AtomicLong seq = new AtomicLong();

        Chat(String id, Out customer) {
            this.id = id;
            this.customer = customer;
        }
    }

    public static void main(String[] args) {
        SpringApplication.run(WebFluxRelay.class, args);
    }

    @Bean
    public HandlerMapping webSocketMapping() {
        return new SimpleUrlHandlerMapping(Map.of("/ws/customer", handler(false), "/ws/agent", handler(true)), -1);
    }

    private WebSocketHandler handler(boolean agentSide) {
        return session -> {
            Out out = new Out(Sinks.many().unicast().onBackpressureBuffer());
            Agent[] agent = new Agent[1];
            Chat[] chat = new Chat[1];
            Mono<Void> input = session.receive().map(WebSocketMessage::getPayloadAsText).doOnNext(text -> {
                JsonNode m;
                try {
                    m = JSON.readTree(text);
                } catch (Exception e) {
                    return;
                }
                String type = m.path("type").asText();
                if ("hello".equals(type)) {
                    if (agentSide) {
                        Agent a = new Agent(out, "w" + ids.incrementAndGet());
                        agent[0] = a;
                        ObjectNode w = JSON.createObjectNode().put("type", "welcome").put("agentId", a.id);
                        w.putArray("chats");
                        out.send(w);
                        java.util.List<Chat> take = new java.util.ArrayList<>();
                        synchronized (lock) {
                            while (a.slots > 0 && !waiting.isEmpty()) {
                                Chat c = waiting.poll();
                                c.agent = a;
                                a.slots--;
                                take.add(c);
                            }
                            if (a.slots > 0) {
                                free.add(a);
                            }
                        }
                        take.forEach(this::announce);
                    } else {
                        Chat c = new Chat("f" + ids.incrementAndGet(), out);
                        chat[0] = c;
                        chats.put(c.id, c);
                        out.send(JSON.createObjectNode().put("type", "welcome").put("chatId", c.id).put("lastSeq", 0));
                        Agent a;
                        synchronized (lock) {
                            a = free.peek();
                            if (a != null) {
                                c.agent = a;
                                if (--a.slots == 0) {
                                    free.poll();
                                }
                            } else {
                                waiting.add(c);
                            }
                        }
                        if (a != null) {
                            announce(c);
                        }
                    }
                } else if ("message".equals(type)) {
                    Chat c = agentSide ? chats.get(m.path("chatId").asText()) : chat[0];
                    if (c == null || c.agent == null) {
                        return;
                    }
                    ObjectNode o = JSON.createObjectNode().put("type", "message").put("chatId", c.id).put("seq", c.seq.incrementAndGet())
                            .put("from", agentSide ? "agent" : "customer").put("text", m.path("text").asText()).put("ts", System.currentTimeMillis());
                    (agentSide ? c.customer : c.agent.out).send(o);
                }
            }).doFinally(s -> {
                Chat c = chat[0];
                if (c != null) {
                    chats.remove(c.id);
                    synchronized (lock) {
                        waiting.remove(c);
                        Agent a = c.agent;
                        if (a != null && a.slots++ == 0) {
                            free.add(a);
                        }
                    }
                }
                if (agent[0] != null) {
                    synchronized (lock) {
                        free.remove(agent[0]);
                    }
                }
                out.sink().tryEmitComplete();
            }).then();
            Mono<Void> output = session.send(out.sink().asFlux().map(session::textMessage));
            return Mono.zip(input, output).then();
        };
    }

    private void announce(Chat c) {
        ObjectNode a = JSON.createObjectNode().put("type", "assigned").put("chatId", c.id).put("seq", c.seq.incrementAndGet());
        a.putObject("agent").put("id", c.agent.id);
        a.putObject("customer").put("id", c.id).put("tier", "regular");
        c.customer.send(a);
        c.agent.out.send(a);
    }
}

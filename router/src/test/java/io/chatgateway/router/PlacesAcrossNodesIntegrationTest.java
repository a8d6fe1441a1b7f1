package io.chatgateway.router;

import static org.assertj.core.api.Assertions.assertThat;

import io.chatgateway.protocol.AgentLevel;
import io.chatgateway.protocol.ServerMessage;
import io.chatgateway.protocol.Tier;
import io.chatgateway.router.config.RoutingConfig;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Two nodes on one real Redis: a shopper waiting on node A is told their new place when a VIP
 * who arrived on node B goes ahead of them (node A learns it from the queue on its next tick,
 * not from B), and is told it once, by their own node. ETA honesty counts the chats of every node.
 */
class PlacesAcrossNodesIntegrationTest {
    private TwoNodes nodes;

    @AfterEach
    void stop() throws Exception {
        nodes.close();
    }

    private static RecordingPeer shopper(Router node, String id, Tier tier) {
        RecordingPeer p = new RecordingPeer();
        node.customerHello(p, new CustomerIdentity(id, null, tier, List.of(), null, "en", false, null), null);
        return p;
    }

    /** Two nodes, surge mode off, and agent "a" on node A full with the shopper "busy" (returned: the agent, then busy). */
    private RecordingPeer[] twoNodesWithAFullAgent() throws Exception {
        nodes = new TwoNodes(RouterFixture.config(j -> {
            j.with("capacity").put("regular", 1);
            j.with("overflow").put("enterWaitSeconds", 86_400);
        }), bus -> bus);
        RecordingPeer agent = new RecordingPeer();
        nodes.nodeA.agentHello(agent, new AgentIdentity("a", "A", AgentLevel.REGULAR, Set.of(), Set.of(), false), List.of(), true);
        nodes.time.advanceTime();
        RecordingPeer busy = shopper(nodes.nodeA, "busy", Tier.REGULAR);
        nodes.until("the first shopper assigned", () -> busy.all(ServerMessage.Assigned.class).size() == 1);
        return new RecordingPeer[] {agent, busy};
    }

    @Test
    void aShopperOnOneNodeHearsThatAVipOnAnotherNodeWentAheadOfThem() throws Exception {
        twoNodesWithAFullAgent();
        RecordingPeer regular = shopper(nodes.nodeA, "reg", Tier.REGULAR);
        nodes.until("the regular shopper queued first", () -> !regular.all(ServerMessage.Queued.class).isEmpty());
        assertThat(regular.last(ServerMessage.Queued.class).position()).isEqualTo(1);
        RecordingPeer vip = shopper(nodes.nodeB, "vip", Tier.VIP);
        nodes.until("the VIP queued ahead", () -> !vip.all(ServerMessage.Queued.class).isEmpty());
        assertThat(vip.last(ServerMessage.Queued.class).position()).isEqualTo(1);
        nodes.time.advanceTimeBy(Duration.ofSeconds(1)); // node A's tick
        nodes.until("the regular shopper told they moved back", () -> regular.last(ServerMessage.Queued.class).position() == 2);
        nodes.time.advanceTimeBy(Duration.ofSeconds(3));
        nodes.time.advanceTime();
        assertThat(regular.all(ServerMessage.Queued.class)).extracting(ServerMessage.Queued::position)
                .as("told once, by their own node").containsExactly(1, 2);
    }

    @Test
    void opsOnEitherNodeSeeHowHonestTheWaitsOfEveryNodeWere() throws Exception {
        RecordingPeer[] full = twoNodesWithAFullAgent();
        RecordingPeer agent = full[0];
        RecordingPeer busy = full[1];
        RecordingPeer waiting = shopper(nodes.nodeA, "waiting", Tier.REGULAR);
        nodes.until("the second shopper promised a wait", () -> !waiting.all(ServerMessage.Queued.class).isEmpty());
        long promised = waiting.last(ServerMessage.Queued.class).etaSeconds();
        nodes.time.advanceTimeBy(Duration.ofSeconds(40));
        String busyChat = busy.last(ServerMessage.Assigned.class).chatId();
        nodes.nodeA.agentFrame(agent, new io.chatgateway.protocol.ClientMessage.Close(null, busyChat));
        nodes.time.advanceTime();
        nodes.until("the second shopper assigned on node A", () -> waiting.all(ServerMessage.Assigned.class).size() == 1);
        RouterSnapshot.TierFigures seenOnB = nodes.nodeB.snapshot().block(Duration.ofSeconds(5)).groups().stream()
                .filter(g -> g.group().equals("general")).findFirst().orElseThrow().tiers().stream()
                .filter(t -> t.tier().equals("regular")).findFirst().orElseThrow();
        assertThat(seenOnB.etaSamples()).as("node B shows the chat node A assigned").isEqualTo(1);
        assertThat(seenOnB.etaErrorP50Seconds()).isEqualTo(40 - promised);
    }
}

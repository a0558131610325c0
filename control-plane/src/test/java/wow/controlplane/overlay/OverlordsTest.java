package wow.controlplane.overlay;

import wow.controlplane.overlay.lease.LeaseAuthority;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import wow.controlplane.overlay.shortcut.ShortcutPolicy;
import wow.controlplane.overlay.wire.Messages;
import wow.controlplane.overlay.wire.OverlayMessage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static wow.controlplane.overlay.OverlayNodeTest.addr;
import static wow.controlplane.overlay.OverlayNodeTest.link;
import static wow.controlplane.overlay.OverlayNodeTest.sent;

/** Each overlord on its own, driven through one node with a recording transport. */
class OverlordsTest
{
    final OverlayNodeTest.Recorder r = new OverlayNodeTest.Recorder();
    final OverlayNode node = new OverlayNode(addr(0x10), 0, new long[] {1}, OverlayConfig.defaults(), r, r, new Random(7), LeaseAuthority.OPEN);

    <T extends OverlayMessage> List<T> routed(final Class<T> kind, final int type)
    {
        return OverlayNodeTest.routed(r, kind, type);
    }

    @Test
    void leafLinksToTheSeedsAndAgainOnceEveryLinkIsLost()
    {
        node.join(new long[] {50}, 0);
        assertEquals(1, sent(r, Messages.LINK_REQUEST, 50).size(), "a link request to the seed at once");
        long lastAttempt = 0;
        long quiet = 0;
        int before = 1;
        for (long t = 250; t <= 40_000; t += 250)
        {
            node.tick(t);
            final int now = sent(r, Messages.LINK_REQUEST, 50).size();
            if (now > before)
            {
                quiet = Math.max(quiet, t - lastAttempt);
                lastAttempt = t;
                before = now;
            }
        }
        assertTrue(before > OverlayConfig.defaults().linkAttempts(), "the seed is asked again after the attempts ran out: " + before);
        assertTrue(quiet >= OverlayConfig.defaults().linkRetryMs(), "with back-off, not a flood");
        assertFalse(node.isJoined());
    }

    @Test
    void leafRoleGoesOnlyOnceTheRingFormedAndTheLinkSettled()
    {
        link(node, 0x20, 20);
        final Connection c = OverlayNodeTest.connection(node, 0x20);
        c.types |= OverlayNode.LEAF;
        node.leaf.releaseIfDone(c, false, 60_000);
        assertEquals(OverlayNode.LEAF, c.types & OverlayNode.LEAF, "not before the ring formed");
        node.leaf.releaseIfDone(c, true, OverlayConfig.defaults().keepaliveMs());
        assertEquals(OverlayNode.LEAF, c.types & OverlayNode.LEAF, "not before the link settled");
        node.leaf.releaseIfDone(c, true, OverlayConfig.defaults().keepaliveMs() + 1);
        assertEquals(0, c.types & OverlayNode.LEAF);
    }

    @Test
    void nearAnswersAConnectToMeWithItsNeighboursAndLinksBack()
    {
        link(node, 0x20, 20);
        link(node, 0x08, 8);
        final Messages.Peer requester = new Messages.Peer(addr(0x12), 0, new long[] {12});
        final byte[] ctm = Messages.ctmRequest(OverlayNode.NEAR, 5, requester);
        node.onRouted(addr(0x12), ctm, 0, ctm.length, 0);
        final List<OverlayMessage.CtmReply> replies = sent(r, OverlayMessage.CtmReply.class, Messages.CTM_REPLY, 12);
        assertEquals(1, replies.size(), "answered directly");
        assertEquals(5, replies.get(0).token());
        assertEquals(2, replies.get(0).near().size(), "with its near neighbours");
        assertEquals(1, sent(r, Messages.LINK_REQUEST, 12).size(), "and links back at once");
    }

    @Test
    void nearLinksToACloserNodeANeighbourListReveals()
    {
        link(node, 0x12, 12);
        link(node, 0x14, 14);
        link(node, 0x0E, 114);
        link(node, 0x0C, 112);
        final Messages.Peer closer = new Messages.Peer(addr(0x11), 0, new long[] {11});
        final Messages.Peer farther = new Messages.Peer(addr(0x80), 0, new long[] {80});
        final byte[] list = Messages.neighbours(List.of(new Messages.Peer(addr(0x12), 0, new long[] {12}), closer, farther));
        node.onDirect(12, list, 0, list.length, 0);
        assertEquals(1, sent(r, Messages.LINK_REQUEST, 11).size(), "a closer node is linked to");
        assertTrue(sent(r, Messages.LINK_REQUEST, 80).isEmpty(), "a node beyond both full sides is not");
    }

    @Test
    void aNodeWhoseNearSetChangedChecksItsNeighboursWithinSecondsNotTheUsualTenToTwenty()
    {
        link(node, 0x14, 14);
        link(node, 0x0C, 112);
        final byte[] reply = Messages.ctmReply(OverlayNode.NEAR, 1, new Messages.Peer(addr(0x14), 0, new long[] {14}), List.of());
        node.onDirect(14, reply, 0, reply.length, 0);
        node.tick(250);
        assertTrue(node.isJoined());
        final int first = routed(OverlayMessage.CtmRequest.class, Messages.CTM_REQUEST).size();
        assertTrue(first >= 1, "the first self-check once joined; the next regular one is 10-20 s away");
        link(node, 0x12, 12); // a closer node: the ring moved around this one
        for (long t = 500; t <= 500 + 2 * NearOverlord.FLUX_CHECK_MS; t += 250)
        {
            node.tick(t);
        }
        assertTrue(routed(OverlayMessage.CtmRequest.class, Messages.CTM_REQUEST).size() > first,
            "checked again within " + 2 * NearOverlord.FLUX_CHECK_MS + " ms of the change");
    }

    @Test
    void someSelfChecksEnterTheRingThroughAnotherConnectionThanTheClosest()
    {
        final int[][] peers = {{0x13, 13}, {0x0C, 112}, {0x80, 80}, {0x90, 90}};
        for (final int[] p : peers)
        {
            link(node, p[0], p[1]);
        }
        final byte[] reply = Messages.ctmReply(OverlayNode.NEAR, 1, new Messages.Peer(addr(0x13), 0, new long[] {13}), List.of());
        node.onDirect(13, reply, 0, reply.length, 0);
        final java.util.Set<Long> firstHops = new java.util.HashSet<>();
        for (long t = 250; t <= 200_000; t += 250)
        {
            if (t % 1_000 == 0)
            {
                for (final int[] p : peers)
                {
                    // each peer is heard from (its neighbour list names only itself): the links stay up
                    final byte[] list = Messages.neighbours(List.of(new Messages.Peer(addr(p[0]), 0, new long[] {p[1]})));
                    node.onDirect(p[1], list, 0, list.length, t);
                }
            }
            node.tick(t);
        }
        for (int i = 0; i < r.messages.size(); i++)
        {
            final OverlayMessage m = Messages.decode(r.messages.get(i), 0, r.messages.get(i).length);
            if (m != null && m.type() == Messages.CTM_REQUEST && r.direct.get(i)[1] == -1)
            {
                firstHops.add(r.direct.get(i)[0]);
            }
        }
        assertTrue(node.isJoined());
        // toward its own address or a point beside it a check leaves by a near neighbour (13, 112);
        // where a crowd left interleaved chains, one that enters elsewhere (80, 90) finds the other chain
        assertTrue(firstHops.contains(80L) || firstHops.contains(90L), "first hops of the self-checks: " + firstHops);
    }

    @Test
    void farAsksForLongLinksAtHarmonicDistancesOnceTheRingIsLargeEnough()
    {
        node.join(new long[0], 0);
        link(node, 0x11, 11);
        link(node, 0x12, 12);
        link(node, 0x0F, 15);
        link(node, 0x0E, 14);
        assertTrue(node.estimateSize() >= 8, "four neighbours within 1/64 of the ring: " + node.estimateSize());
        node.tick(OverlayConfig.defaults().farIntervalMs() - 1);
        assertTrue(routed(OverlayMessage.CtmRequest.class, Messages.CTM_REQUEST).stream()
            .noneMatch(m -> m.connectionTypes() == OverlayNode.FAR), "not before its interval");
        node.tick(OverlayConfig.defaults().farIntervalMs());
        final List<OverlayMessage.CtmRequest> far = routed(OverlayMessage.CtmRequest.class, Messages.CTM_REQUEST).stream()
            .filter(m -> m.connectionTypes() == OverlayNode.FAR).toList();
        assertEquals(1, far.size(), "one far Connect-To-Me per interval");
    }

    @Test
    void shortcutsAreAskedForByTrafficAndTrimmedWhenIdle()
    {
        node.useShortcuts(new ShortcutPolicy(100, 16, 10_000, 64));
        link(node, 0x20, 20);
        final byte[] stranger = addr(0x90);
        for (int i = 0; i < 10; i++)
        {
            node.trafficSampled(stranger, i * 100);
            node.trafficSampled(addr(0x20), i * 100);
        }
        node.maintainShortcuts(1_000, id -> 0);
        assertEquals(1, routed(OverlayMessage.CtmRequest.class, Messages.CTM_REQUEST).stream()
            .filter(m -> m.connectionTypes() == OverlayNode.SHORTCUT).count(), "a Connect-To-Me to the busy stranger");
        final Connection linked = OverlayNodeTest.connection(node, 0x20);
        assertNotNull(linked);
        assertEquals(OverlayNode.SHORTCUT, linked.types() & OverlayNode.SHORTCUT, "the busy linked peer takes the role");
        assertTrue(sent(r, OverlayMessage.Ping.class, Messages.PING, 20).stream()
            .anyMatch(p -> (p.connectionTypes() & OverlayNode.SHORTCUT) != 0), "and is told");
        for (long t = 2_000; t <= 14_000; t += 1_000)
        {
            node.maintainShortcuts(t, id -> 0);
        }
        assertEquals(0, linked.types() & OverlayNode.SHORTCUT, "an idle shortcut loses the role");
    }

    @Test
    void ringWatchChecksAPeerWhoseLinkTimedOutThroughALeafLinkAndForgetsOnesThatSaidGoodbye()
    {
        node.join(new long[0], 0);
        link(node, 0x20, 20);
        link(node, 0x30, 30);
        final byte[] close = Messages.close(addr(0x30));
        node.onDirect(30, close, 0, close.length, 0);
        assertEquals(0, node.ringWatch.remembered(), "a peer that closed the link is not remembered");
        final long dead = OverlayConfig.defaults().deadMs() + 1;
        node.tick(dead);
        assertEquals(1, node.ringWatch.remembered(), "a peer whose link timed out is");
        r.messages.clear();
        r.direct.clear();
        r.relayLinks.clear();
        for (long t = dead; t < dead + 2 * RingWatch.CHECK_MS; t += 250)
        {
            node.tick(t);
        }
        assertEquals(1, node.ringWatch.checks());
        assertTrue(sent(r, Messages.LINK_REQUEST, 20).size() >= 1, "a leaf link to the remembered peer");
        assertTrue(sent(r, Messages.LINK_REQUEST, 30).isEmpty());
        // the peer answers: the Connect-To-Me toward this node's own address goes through it
        final byte[] reply = Messages.link(Messages.LINK_REPLY, 0, 0x20, 0, addr(0x20), 1, new long[] {20});
        node.onDirect(20, reply, 0, reply.length, dead + 2 * RingWatch.CHECK_MS);
        final List<OverlayMessage.CtmRequest> ctm = routed(OverlayMessage.CtmRequest.class, Messages.CTM_REQUEST);
        assertEquals(1, ctm.size());
        assertTrue(java.util.Arrays.equals(addr(0x20), ctm.get(0).via()), "returned through the peer it went through");
        assertEquals(0, node.ringWatch.remembered(), "linked again: forgotten");
    }

    @Test
    void ringWatchRemembersASeedThatClosedItsLinkForItMayComeBack()
    {
        node.join(new long[] {20}, 0);
        link(node, 0x20, 20);
        final byte[] close = Messages.close(addr(0x20));
        node.onDirect(20, close, 0, close.length, 100);
        assertEquals(1, node.ringWatch.remembered(), "a seed restarted says goodbye first");
    }
}

package wow.controlplane.overlay;

import wow.controlplane.overlay.lease.LeaseAuthority;
import wow.controlplane.overlay.wire.OverlayMessage;
import wow.controlplane.overlay.wire.Messages;
import wow.controlplane.overlay.ring.Ring;
import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OverlayNodeTest
{
    /** Collects what a node sends. */
    static final class Recorder implements OverlayTransport, OverlayEvents
    {
        final List<long[]> direct = new ArrayList<>();
        final List<byte[]> messages = new ArrayList<>();
        final List<Integer> relayLinks = new ArrayList<>();

        @Override
        public void sendDirect(final long endpoint, final int remoteLinkId, final byte[] message)
        {
            direct.add(new long[] {endpoint, remoteLinkId});
            messages.add(message);
            relayLinks.add(0);
        }

        @Override
        public void sendRouted(final long firstHop, final int relayLinkId, final byte[] destination, final int delivery,
            final boolean excludeSource, final byte[] message)
        {
            direct.add(new long[] {firstHop, -1});
            messages.add(message);
            relayLinks.add(relayLinkId);
        }

        final List<Integer> probeAnswers = new ArrayList<>();
        int selfQueued;

        @Override
        public void connectionsChanged()
        {
        }

        @Override
        public void selfQueued()
        {
            selfQueued++;
        }

        @Override
        public void onProbeReply(final int token, final byte[] from)
        {
            probeAnswers.add(token);
        }
    }

    @Test
    void aMessageToItselfIsHandledInTheNextDutyCycleNeverInsideTheSendingCall()
    {
        final Recorder r = new Recorder();
        final OverlayNode node = node(r, 0x10, 1);
        final int token = node.probe(addr(0x10));
        assertTrue(r.probeAnswers.isEmpty(), "no answer inside the call that sent the probe");
        assertEquals(1, r.selfQueued, "the owner is told once that the node queued a message for itself");
        assertEquals(1, node.deliverQueued(0), "the probe is handled");
        assertTrue(r.probeAnswers.isEmpty(), "its reply waits for the next cycle");
        assertEquals(1, node.deliverQueued(0), "the reply is handled");
        assertEquals(List.of(token), r.probeAnswers);
        assertEquals(0, node.deliverQueued(0));
        for (int i = 0; i < OverlayNode.MAX_SELF_QUEUED + 10; i++)
        {
            node.probe(addr(0x10));
        }
        assertEquals(10, node.malformed(), "a full queue drops and counts");
        assertEquals(OverlayNode.MAX_SELF_QUEUED, node.deliverQueued(0));
    }

    /** @return a node at {@code addr(top)} on endpoint {@code endpoint}, sending and telling into {@code r}. */
    static OverlayNode node(final Recorder r, final int top, final long endpoint)
    {
        return new OverlayNode(addr(top), 0, new long[] {endpoint}, OverlayConfig.defaults(), r, r, new Random(1),
            LeaseAuthority.OPEN);
    }

    static byte[] addr(final int top)
    {
        final byte[] a = new byte[20];
        a[0] = (byte)top;
        return a;
    }

    /** Makes {@code node} linked (as near) to a peer at the given address and endpoint. */
    static void link(final OverlayNode node, final int top, final long endpoint)
    {
        node.onDirect(endpoint, Messages.link(Messages.LINK_REQUEST, OverlayNode.NEAR, top, 0, addr(top), 1, new long[] {endpoint}),
            0, Messages.link(Messages.LINK_REQUEST, OverlayNode.NEAR, top, 0, addr(top), 1, new long[] {endpoint}).length, 0);
    }

    /** @return the decoded messages of a type sent to an endpoint (direct) since {@code from}. */
    static List<OverlayMessage> sent(final Recorder r, final int type, final long endpoint)
    {
        return sent(r, OverlayMessage.class, type, endpoint);
    }

    static <T extends OverlayMessage> List<T> sent(final Recorder r, final Class<T> kind, final int type, final long endpoint)
    {
        return recorded(r, kind, type, i -> r.direct.get(i)[0] == endpoint);
    }

    /** @return the decoded routed messages of a type sent so far. */
    static <T extends OverlayMessage> List<T> routed(final Recorder r, final Class<T> kind, final int type)
    {
        return recorded(r, kind, type, i -> r.direct.get(i)[1] == -1);
    }

    private static <T extends OverlayMessage> List<T> recorded(final Recorder r, final Class<T> kind, final int type,
        final java.util.function.IntPredicate which)
    {
        final List<T> out = new ArrayList<>();
        for (int i = 0; i < r.messages.size(); i++)
        {
            final OverlayMessage m = Messages.decode(r.messages.get(i), 0, r.messages.get(i).length);
            if (m != null && m.type() == type && which.test(i))
            {
                out.add(kind.cast(m));
            }
        }
        return out;
    }

    static Connection connection(final OverlayNode node, final int top)
    {
        return node.connection(Ring.value(addr(top)));
    }

    static void deliver(final OverlayNode node, final long from, final byte[] message)
    {
        node.onDirect(from, message, 0, message.length, 0);
    }

    /** @return datagrams sent directly to any of these endpoints so far. */
    static long sentTo(final Recorder r, final long[] endpoints)
    {
        return r.direct.stream().filter(d -> java.util.Arrays.stream(endpoints).anyMatch(e -> e == d[0])).count();
    }

    @Test
    void endpointsOthersNameAreContactedABoundedNumberOfTimes()
    {
        final Recorder r = new Recorder();
        final OverlayNode node = node(r, 0x10, 1);
        final long[] victims = {101, 102, 103, 104, 105, 106, 107, 108};
        for (int i = 0; i < 1_000; i++)
        {
            // a member asks again and again, under ever new names, that the node contact the same eight endpoints
            final byte[] ctm = Messages.ctmRequest(OverlayNode.NEAR, i, new Messages.Peer(addr(0x30 + i % 100), 0, victims));
            node.onRouted(addr(0x30), ctm, 0, ctm.length, 0);
            final byte[] punch = Messages.aboutPeer(Messages.PUNCH, 0, i, new Messages.Peer(addr(0x30), 0, victims));
            node.onRouted(addr(0x30), punch, 0, punch.length, 0);
        }
        node.deliverQueued(0);
        assertTrue(sentTo(r, victims) <= 2 * victims.length, "each endpoint answered and linked to once: " + sentTo(r, victims));
        assertEquals(2 * 1_000 * victims.length - victims.length, node.contactsLimited());
        // a while later they may be contacted again, once
        final long before = sentTo(r, victims);
        final byte[] later = Messages.ctmRequest(OverlayNode.NEAR, 7, new Messages.Peer(addr(0x77), 0, victims));
        node.onRouted(addr(0x30), later, 0, later.length, ContactLimiter.PER_ENDPOINT_MS);
        assertTrue(sentTo(r, victims) > before);
        // many endpoints at once: at most the budget of a second
        final long[] many = new long[8];
        final int sentBefore = r.direct.size();
        for (int i = 0; i < 100; i++)
        {
            for (int k = 0; k < many.length; k++)
            {
                many[k] = 10_000 + i * 8 + k;
            }
            final byte[] ctm = Messages.ctmRequest(OverlayNode.NEAR, i, new Messages.Peer(addr(0x40), 0, many));
            node.onRouted(addr(0x30), ctm, 0, ctm.length, 20_000);
        }
        final long distinct = r.direct.subList(sentBefore, r.direct.size()).stream().mapToLong(d -> d[0]).filter(e -> e >= 10_000)
            .distinct().count();
        assertEquals(ContactLimiter.PER_SECOND, distinct, "endpoints contacted in one second");
    }

    @Test
    void aPunchSpeaksOnlyForTheNodeThatRoutedIt()
    {
        final Recorder r = new Recorder();
        final OverlayNode node = node(r, 0x10, 1);
        final byte[] punch = Messages.aboutPeer(Messages.PUNCH, 0, 1, new Messages.Peer(addr(0x50), 0, new long[] {500}));
        node.onRouted(addr(0x30), punch, 0, punch.length, 0);
        assertEquals(1, node.malformed(), "named another node");
        assertEquals(0, sentTo(r, new long[] {500}));
        node.onRouted(addr(0x50), punch, 0, punch.length, 0);
        assertEquals(1, node.malformed());
        assertTrue(sentTo(r, new long[] {500}) > 0, "its own punch: linked back");
    }

    @Test
    void onlyThePeerItselfClosesItsLink()
    {
        final Recorder r = new Recorder();
        final OverlayNode node = node(r, 0x10, 1);
        link(node, 0x20, 20);
        link(node, 0x40, 40);
        deliver(node, 40, Messages.close(addr(0x20))); // a linked member closing another's link
        deliver(node, 99, Messages.close(addr(0x20))); // a stranger
        assertNotNull(connection(node, 0x20), "the link stays");
        assertEquals(2, node.malformed());
        deliver(node, 20, Messages.close(addr(0x20)));
        assertNull(connection(node, 0x20), "the peer closed it");
        assertNotNull(connection(node, 0x40));
    }

    @Test
    void aRelayGrantsLinkedRequestersOnlyAndTellsBothEndsItsLinkIds()
    {
        final Recorder r = new Recorder();
        final OverlayNode relay = node(r, 0x10, 1);
        link(relay, 0x20, 20);
        link(relay, 0x40, 40);
        final byte[] request = Messages.aboutPeer(Messages.RELAY_REQUEST, OverlayNode.NEAR, 0,
            new Messages.Peer(addr(0x40), 0, new long[] {40}));

        deliver(relay, 99, request);
        assertTrue(relay.relayGrants().isEmpty(), "a stranger gets no relay");
        assertEquals(1, relay.malformed());

        deliver(relay, 20, request);
        assertEquals(1, relay.relayGrants().size());
        final List<OverlayMessage.AboutPeer> grants = sent(r, OverlayMessage.AboutPeer.class, Messages.RELAY_GRANT, 20);
        final List<OverlayMessage.AboutPeer> opens = sent(r, OverlayMessage.AboutPeer.class, Messages.RELAY_OPEN, 40);
        assertEquals(1, grants.size());
        assertEquals(1, opens.size());
        assertEquals(connection(relay, 0x40).localId(), grants.get(0).token(), "the requester learns the relay's id of the target's link");
        assertEquals(connection(relay, 0x20).localId(), opens.get(0).token());
        assertArrayEquals(addr(0x20), opens.get(0).peer().address());
        assertEquals(OverlayNode.NEAR, grants.get(0).connectionTypes());

        // the requester is done: the grant goes and the target is told
        deliver(relay, 20, Messages.relayEnd(Messages.RELAY_END, addr(0x40)));
        assertTrue(relay.relayGrants().isEmpty());
        assertEquals(1, sent(r, Messages.RELAY_END, 40).size());
    }

    @Test
    void aGrantedRelayCarriesTheLinkAndADirectLinkReplacesIt()
    {
        final Recorder r = new Recorder();
        final OverlayNode node = node(r, 0x20, 2);
        link(node, 0x10, 10); // the relay
        final byte[] grant = Messages.aboutPeer(Messages.RELAY_GRANT, OverlayNode.NEAR, 77,
            new Messages.Peer(addr(0x40), 0x0A000004, new long[] {40}));

        deliver(node, 10, grant);
        assertNull(connection(node, 0x40), "a grant it never asked for makes no connection");
        assertEquals(1, sent(r, Messages.RELAY_END, 10).size(), "and the relay is told to drop it");

        wantNearPeerBehindNat(node, 10, 0x40, 40);
        assertFalse(sent(r, Messages.RELAY_REQUEST, 10).isEmpty(), "asked its linked node to relay");
        link(node, 0x30, 30); // linked after the request went out: a member it did not ask
        node.onDirect(30, grant, 0, grant.length, 4_000);
        assertNull(connection(node, 0x40), "a grant from a member it did not ask makes no connection");
        assertEquals(1, sent(r, Messages.RELAY_END, 30).size());
        node.onDirect(10, grant, 0, grant.length, 4_000);
        final Connection c = connection(node, 0x40);
        assertArrayEquals(addr(0x10), c.via());
        assertEquals(77, c.relayId());
        assertEquals(0x0A000004, c.virtualIp());

        // its messages to the relayed peer go to the relay naming the relay's link
        r.direct.clear();
        r.messages.clear();
        r.relayLinks.clear();
        node.tick(10_000);
        boolean viaRelay = false;
        for (int i = 0; i < r.messages.size(); i++)
        {
            viaRelay |= r.direct.get(i)[0] == 10 && r.relayLinks.get(i) == 77;
        }
        assertTrue(viaRelay, "keepalive through the relay");

        // a direct link request from the peer turns the relayed connection into a direct one
        final byte[] direct = Messages.link(Messages.LINK_REQUEST, OverlayNode.NEAR, 9, 0x0A000004, addr(0x40), 2, new long[] {40});
        node.onDirect(40, direct, 0, direct.length, 10_000);
        assertNull(connection(node, 0x40).via());
        assertEquals(40, connection(node, 0x40).endpoint());
        assertFalse(sent(r, Messages.RELAY_END, 10).isEmpty(), "the relay is released");
    }

    /** Tells the node (from a linked peer) of a near peer its direct attempts then fail to reach, ticking it to 4 s. */
    private static void wantNearPeerBehindNat(final OverlayNode node, final long from, final int top, final long endpoint)
    {
        final byte[] list = Messages.neighbours(List.of(new Messages.Peer(addr(top), 0x0A000004, new long[] {endpoint})));
        node.onDirect(from, list, 0, list.length, 0);
        for (long t = 0; t <= 4_000; t += 250)
        {
            node.tick(t);
        }
    }

    @Test
    void aDoomedLinkGoesAtTheNextTickAndANewLinkIsKeptAliveOrDropped()
    {
        final Recorder r = new Recorder();
        final OverlayNode node = node(r, 0x20, 2);
        link(node, 0x10, 10); // the relay
        wantNearPeerBehindNat(node, 10, 0x40, 40);
        final byte[] grant = Messages.aboutPeer(Messages.RELAY_GRANT, OverlayNode.NEAR, 77,
            new Messages.Peer(addr(0x40), 0x0A000004, new long[] {40}));
        node.onDirect(10, grant, 0, grant.length, 4_000);
        assertNotNull(connection(node, 0x40), "relayed through 0x10");
        final byte[] ping = Messages.ping(Messages.PING, OverlayNode.NEAR, addr(0x10), 2);
        for (long t = 4_250; t <= 5_000; t += 250)
        {
            node.onDirect(10, ping, 0, ping.length, t); // the relay is heard from: no keepalive due to it
            node.tick(t);
        }

        // the relay goes: the peer behind it is doomed and must go at the very next tick, though no
        // keepalive or timeout of any link is due then
        final byte[] close = Messages.close(addr(0x10));
        node.onDirect(10, close, 0, close.length, 5_000);
        assertNull(connection(node, 0x10));
        assertNotNull(node.table.get(Ring.value(addr(0x40))), "doomed: no longer used, removed at the next tick");
        node.tick(5_250);
        assertNull(node.table.get(Ring.value(addr(0x40))), "the connection through the relay that went is removed at the next tick");

        // a link made now to a peer last heard at 0 and silent since: pinged, then dropped after 10 s
        r.messages.clear();
        r.direct.clear();
        r.relayLinks.clear();
        link(node, 0x30, 30);
        for (long t = 5_500; t <= 10_000; t += 250)
        {
            node.tick(t);
        }
        assertFalse(sent(r, Messages.PING, 30).isEmpty(), "a link silent for the keepalive interval is pinged");
        assertNotNull(connection(node, 0x30), "silent for 10 s: not yet dead");
        node.tick(10_250);
        assertNull(connection(node, 0x30), "silent for more than 10 s: removed at the first tick after");
    }

    @Test
    void aReplicaAnswersALeaseQueryFromALinkedPrimaryAlsoWhenItArrivesRouted()
    {
        // over a relayed link a primary's query arrives routed, not over the link itself
        final Recorder r = new Recorder();
        final OverlayNode replica = node(r, 0x20, 2);
        link(replica, 0x40, 40);
        final byte[] query = Messages.lease(new Messages.LeaseOp(Messages.LEASE_CLAIM, Messages.LEASE_QUERY, 5, addr(0x41), 60, 1,
            addr(0x50), 1, new byte[] {1}, new byte[0], new byte[] {2}, 60));
        replica.onRouted(addr(0x40), query, 0, query.length, 0);
        final List<Messages.LeaseHeld> held = sent(r, Messages.LeaseHeld.class, Messages.LEASE_HELD, 40);
        assertEquals(1, held.size(), "answered to the primary");
        assertEquals(5, held.get(0).token());

        replica.onRouted(addr(0x60), query, 0, query.length, 0);
        assertEquals(1, replica.malformed(), "a node it has no link to is no primary of its");
        final byte[] request = Messages.lease(new Messages.LeaseOp(Messages.LEASE_CLAIM, Messages.LEASE_REQUEST, 6, addr(0x41), 60,
            1, addr(0x50), 1, new byte[] {1}, new byte[0], new byte[] {2}, 60));
        deliver(replica, 40, request);
        assertEquals(2, replica.malformed(), "requests are routed to a primary, never sent over a link");
        assertEquals(1, sent(r, Messages.LEASE_HELD, 40).size());
    }

    @Test
    void aLinkFollowsItsPeerToANewEndpointOnlyWithTheLinksId()
    {
        final Recorder r = new Recorder();
        final OverlayNode node = node(r, 0x10, 1);
        link(node, 0x20, 20);
        final Connection c = connection(node, 0x20);
        final byte[] ping = Messages.ping(Messages.PING, OverlayNode.NEAR, addr(0x20), 1);
        node.onDirect(66, 12345, ping, 0, ping.length, 100);
        assertEquals(20, c.endpoint(), "a keepalive from elsewhere without the link's id does not move the link");
        node.onDirect(66, c.localId(), ping, 0, ping.length, 200);
        assertEquals(66, c.endpoint(), "the peer's NAT rebound its mapping: the link follows");
        assertTrue(sent(r, Messages.PONG, 66).size() > 0);
    }

    @Test
    void aPeerSeenSendingFromANewEndpointIsFollowedAtOnceAndOwnMovesPingEveryone()
    {
        final Recorder r = new Recorder();
        final OverlayNode node = node(r, 0x10, 1);
        link(node, 0x20, 20);
        link(node, 0x30, 30);
        final Connection c = connection(node, 0x20);
        node.peerMoved(12345, 77, 0);
        assertEquals(20, c.endpoint(), "an unknown link id moves nothing");
        node.peerMoved(c.localId(), 77, 100);
        assertEquals(77, c.endpoint());
        assertEquals(1, sent(r, Messages.PING, 77).size(), "a keepalive confirms the new path");

        r.direct.clear();
        r.messages.clear();
        r.relayLinks.clear();
        node.localEndpointsChanged(new long[] {2}, 200);
        assertEquals(1, sent(r, Messages.PING, 77).size(), "this node moved: every peer is pinged from the new address");
        assertEquals(1, sent(r, Messages.PING, 30).size());
        assertTrue(node.learnedEndpoints().isEmpty(), "what the old NAT showed is forgotten");
    }

    @Test
    void anEndpointIsAdvertisedOnlyOnceTwoPeersSawIt()
    {
        final Recorder r = new Recorder();
        final OverlayNode node = node(r, 0x10, 1);
        final long real = 0x0A00000A_1F40L;
        final long planted = 0x0B00000B_1F40L;
        for (final int[] peer : new int[][] {{0x20, 0}, {0x30, 0}, {0x40, 1}})
        {
            final byte[] m = Messages.link(Messages.LINK_REQUEST, OverlayNode.NEAR, peer[0], 0, addr(peer[0]), peer[1] == 0 ? real : planted,
                new long[] {peer[0]});
            node.onDirect(peer[0], m, 0, m.length, 0);
        }
        assertEquals(List.of(real), node.learnedEndpoints(), "one lying peer cannot plant an endpoint");
        final byte[] m = Messages.link(Messages.LINK_REQUEST, OverlayNode.NEAR, 0x50, 0, addr(0x50), planted, new long[] {0x50});
        node.onDirect(0x50, m, 0, m.length, 0);
        assertTrue(node.learnedEndpoints().contains(planted), "two peers agreeing (a NAT rebinding) are believed");
    }

    @Test
    void greedyNextHopIsTheClosestStrictlyCloserConnection()
    {
        final Recorder r = new Recorder();
        final OverlayNode node = node(r, 0x10, 1);
        link(node, 0x20, 20);
        link(node, 0x40, 40);
        link(node, 0x80, 80);
        assertEquals(3, node.connections().size());
        assertEquals(40, node.nextHop(Ring.value(addr(0x3F)), null).endpoint());
        assertEquals(80, node.nextHop(Ring.value(addr(0x90)), null).endpoint());
        assertNull(node.nextHop(Ring.value(addr(0x12)), null), "this node is the closest");
        assertEquals(20, node.nextHop(Ring.value(addr(0x3F)), Ring.value(addr(0x40))).endpoint(), "excluded source skipped");
        // the ring wraps: 0xF0 is closer to 0x10 than to 0x80
        assertNull(node.nextHop(Ring.value(addr(0xF8)), null));
    }

    @Test
    void nearNeighboursAreTheClosestEachSideAroundTheRing()
    {
        final Recorder r = new Recorder();
        final OverlayNode node = node(r, 0x10, 1);
        for (final int top : new int[] {0x20, 0x30, 0x40, 0xE0, 0xF0})
        {
            link(node, top, top);
        }
        assertEquals(List.of(0x20L, 0x30L), node.side(true).stream().map(Connection::endpoint).toList());
        assertEquals(List.of(0xF0L, 0xE0L), node.side(false).stream().map(Connection::endpoint).toList());
        assertTrue(node.estimateSize() > 1);
    }

    @Test
    void ignoresMalformedAndSelfAddressedMessages()
    {
        final Recorder r = new Recorder();
        final OverlayNode node = node(r, 0x10, 1);
        node.onDirect(5, new byte[] {1, 2}, 0, 2, 0);
        final byte[] fromSelf = Messages.link(Messages.LINK_REQUEST, OverlayNode.NEAR, 3, 0, addr(0x10), 1, new long[] {5});
        node.onDirect(5, fromSelf, 0, fromSelf.length, 0);
        final byte[] zeroId = Messages.link(Messages.LINK_REQUEST, OverlayNode.NEAR, 0, 0, addr(0x20), 1, new long[] {5});
        node.onDirect(5, zeroId, 0, zeroId.length, 0);
        final byte[] unsolicited = Messages.link(Messages.LINK_REPLY, OverlayNode.NEAR, 3, 0, addr(0x20), 1, new long[] {5});
        node.onDirect(5, unsolicited, 0, unsolicited.length, 0);
        assertEquals(0, node.connections().size());
        assertEquals(4, node.malformed());
    }

    @Test
    void aFloodingPeerCannotMakeTheNodeGrowWithoutBound()
    {
        final Recorder r = new Recorder();
        final OverlayNode node = node(r, 0x10, 1);
        link(node, 0x20, 20);
        final Random random = new Random(5);
        for (int round = 0; round < 200; round++)
        {
            final List<Messages.Peer> fake = new ArrayList<>();
            for (int i = 0; i < Messages.MAX_PEERS; i++)
            {
                final byte[] a = new byte[20];
                random.nextBytes(a);
                a[0] = 0x11; // all "closer" than anything the node knows, so each is a near candidate
                fake.add(new Messages.Peer(a, 0, new long[] {random.nextLong()}));
            }
            final byte[] list = Messages.neighbours(fake);
            node.onDirect(20, list, 0, list.length, round);
            final byte[] link = Messages.link(Messages.LINK_REQUEST, OverlayNode.NEAR, 1 + round, 0, fake.get(1).address(), 1,
                new long[] {round});
            node.onDirect(1000 + round, link, 0, link.length, round);
        }
        assertTrue(r.direct.size() < 200 * 10 + OverlayNode.MAX_PENDING * 2, "link attempts are bounded: " + r.direct.size());
        assertTrue(node.connections().size() <= OverlayNode.MAX_CONNECTIONS);
    }

    @Test
    void farDistancesFollowTheHarmonicDistribution()
    {
        // P(d) ~ 1/d on [ring/n, ring/2] means log2(d) is uniform on [160 - log2 n, 159]
        final double n = 1024;
        final Random random = new Random(7);
        final int samples = 40_000;
        final int buckets = 9; // log2 d from 150 to 159
        final int[] counts = new int[buckets];
        for (int i = 0; i < samples; i++)
        {
            final BigInteger d = OverlayNode.farDistance(n, random);
            final int log2 = d.bitLength() - 1;
            assertTrue(log2 >= 150 && log2 < 159, "within [ring/n, ring/2): " + log2);
            counts[log2 - 150]++;
        }
        final double expected = samples / (double)buckets;
        double chi2 = 0;
        for (final int c : counts)
        {
            chi2 += (c - expected) * (c - expected) / expected;
        }
        // 8 degrees of freedom: 26.1 is the 0.1 % critical value
        assertTrue(chi2 < 26.1, "log-uniform: chi2=" + chi2 + " counts=" + java.util.Arrays.toString(counts));
    }
}

package wow.controlplane.overlay.wire;

import org.junit.jupiter.api.Test;
import wow.controlplane.overlay.OverlayNode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MessagesTest
{
    static final Messages.Peer P = new Messages.Peer(addr(3), 5, new long[] {7});
    static final Messages.Peer TCP_PEER = new Messages.Peer(addr(5), 0x0A000005, new long[] {1L << 48 | 9, 10});
    static final Messages.LeaseOp OP = new Messages.LeaseOp(Messages.LEASE_CLAIM, Messages.LEASE_QUERY, 17, addr(1), 120, 5,
        addr(2), 0x0A800102, new byte[] {1, 2, 3}, new byte[] {6, 7, 8, 9}, new byte[] {4, 5}, 90);

    static byte[] addr(final int b)
    {
        final byte[] a = new byte[20];
        Arrays.fill(a, (byte)b);
        return a;
    }

    static <T extends OverlayMessage> T decode(final byte[] bytes, final Class<T> kind)
    {
        return assertInstanceOf(kind, Messages.decode(bytes, 0, bytes.length));
    }

    /** Every kind of message: its encoding, the record it decodes to, and its type. */
    static Stream<Arguments> kinds()
    {
        return Stream.of(
            Arguments.of(Messages.link(Messages.LINK_REQUEST, OverlayNode.NEAR, 77, 1, addr(1), 9, new long[] {1, 2}),
                OverlayMessage.LinkHandshake.class, Messages.LINK_REQUEST),
            Arguments.of(Messages.link(Messages.LINK_REPLY, 0, 77, 1, addr(1), 9, new long[0]), OverlayMessage.LinkHandshake.class,
                Messages.LINK_REPLY),
            Arguments.of(Messages.ping(Messages.PING, OverlayNode.FAR, addr(2), 99), OverlayMessage.Ping.class, Messages.PING),
            Arguments.of(Messages.ping(Messages.PONG, OverlayNode.FAR, addr(2), 99), OverlayMessage.Ping.class, Messages.PONG),
            Arguments.of(Messages.close(addr(6)), OverlayMessage.Close.class, Messages.CLOSE),
            Arguments.of(Messages.relayEnd(Messages.RELAY_DENY, addr(7)), OverlayMessage.PairEnd.class, Messages.RELAY_DENY),
            Arguments.of(Messages.relayEnd(Messages.RELAY_END, addr(7)), OverlayMessage.PairEnd.class, Messages.RELAY_END),
            Arguments.of(Messages.relayEnd(Messages.UNREACHABLE, addr(7)), OverlayMessage.Unreachable.class,
                Messages.UNREACHABLE),
            Arguments.of(Messages.ctmRequest(OverlayNode.FAR, 3, P), OverlayMessage.CtmRequest.class, Messages.CTM_REQUEST),
            Arguments.of(Messages.ctmReply(OverlayNode.NEAR, 9, P, List.of(P, P)), OverlayMessage.CtmReply.class,
                Messages.CTM_REPLY),
            Arguments.of(Messages.neighbours(List.of(P)), OverlayMessage.Neighbours.class, Messages.NEIGHBOURS),
            Arguments.of(Messages.probe(Messages.PROBE, 11, addr(6)), OverlayMessage.Probe.class, Messages.PROBE),
            Arguments.of(Messages.probe(Messages.PROBE_REPLY, 11, addr(6)), OverlayMessage.Probe.class, Messages.PROBE_REPLY),
            Arguments.of(Messages.dhtGet(1, addr(7), addr(8)), OverlayMessage.DhtGet.class, Messages.DHT_GET),
            Arguments.of(Messages.dhtReply(5, addr(4), true, 30, new byte[] {9}), OverlayMessage.DhtReply.class,
                Messages.DHT_REPLY),
            Arguments.of(Messages.forward(addr(8), Messages.ctmReply(OverlayNode.NEAR, 1, P, List.of())),
                OverlayMessage.Forward.class, Messages.FORWARD),
            Arguments.of(Messages.aboutPeer(Messages.PUNCH, OverlayNode.FAR, 12, P), OverlayMessage.AboutPeer.class,
                Messages.PUNCH),
            Arguments.of(Messages.aboutPeer(Messages.RELAY_REQUEST, OverlayNode.NEAR, 0, P), OverlayMessage.AboutPeer.class,
                Messages.RELAY_REQUEST),
            Arguments.of(Messages.aboutPeer(Messages.RELAY_GRANT, OverlayNode.NEAR, 4, P), OverlayMessage.AboutPeer.class,
                Messages.RELAY_GRANT),
            Arguments.of(Messages.aboutPeer(Messages.RELAY_OPEN, OverlayNode.NEAR, 4, P), OverlayMessage.AboutPeer.class,
                Messages.RELAY_OPEN),
            Arguments.of(Messages.lease(OP), Messages.LeaseOp.class, Messages.LEASE),
            Arguments.of(Messages.leaseHeld(33, addr(1), OP.as(Messages.LEASE_COPY, 0, 60)), Messages.LeaseHeld.class,
                Messages.LEASE_HELD),
            Arguments.of(Messages.leaseReply(8, addr(1), Messages.LEASE_TAKEN, addr(2)), OverlayMessage.LeaseReply.class,
                Messages.LEASE_REPLY));
    }

    @ParameterizedTest
    @MethodSource("kinds")
    void eachKindDecodesToItsOwnRecordAndNoPrefixDecodesToAnother(final byte[] bytes, final Class<?> kind, final int type)
    {
        final OverlayMessage m = Messages.decode(bytes, 0, bytes.length);
        assertInstanceOf(kind, m);
        assertEquals(type, m.type());
        for (int len = 0; len < bytes.length; len++)
        {
            final OverlayMessage cut = Messages.decode(bytes, 0, len);
            if (cut != null)
            {
                // only a CTM_REQUEST has an optional tail (the node to return the reply through)
                assertInstanceOf(OverlayMessage.CtmRequest.class, cut, "truncated to " + len);
            }
        }
    }

    @Test
    void fieldsRoundTrip()
    {
        final OverlayMessage.LinkHandshake link = decode(Messages.link(Messages.LINK_REQUEST, OverlayNode.NEAR, 77, 0x0A000001, addr(1),
            0x1234_5678_9ABCL, new long[] {1, 2}), OverlayMessage.LinkHandshake.class);
        assertEquals(OverlayNode.NEAR, link.connectionTypes());
        assertEquals(77, link.linkId());
        assertEquals(0x0A000001, link.virtualIp());
        assertArrayEquals(addr(1), link.address());
        assertEquals(0x1234_5678_9ABCL, link.observed());
        assertArrayEquals(new long[] {1, 2}, link.endpoints());

        final OverlayMessage.Ping ping = decode(Messages.ping(Messages.PONG, OverlayNode.FAR, addr(2), 99),
            OverlayMessage.Ping.class);
        assertEquals(OverlayNode.FAR, ping.connectionTypes());
        assertEquals(99, ping.observed());

        final OverlayMessage.CtmReply ctm = decode(Messages.ctmReply(OverlayNode.NEAR, 9, P, List.of(P, P)),
            OverlayMessage.CtmReply.class);
        assertEquals(9, ctm.token());
        assertArrayEquals(addr(3), ctm.responder().address());
        assertEquals(2, ctm.near().size());
        assertArrayEquals(new long[] {7}, ctm.near().get(1).endpoints());

        final OverlayMessage.DhtReply answer = decode(Messages.dhtReply(5, addr(4), true, 30, new byte[] {1, 2, 3}),
            OverlayMessage.DhtReply.class);
        assertEquals(true, answer.found());
        assertArrayEquals(new byte[] {1, 2, 3}, answer.value());
        final byte[] put = {12, 0, 0, 0, 0, 0, 0, 60};
        assertNull(Messages.decode(put, 0, put.length), "type 12 (the unsigned put of old) is no message now");

        final OverlayMessage.DhtReply reply = decode(Messages.dhtReply(5, addr(4), true, 30, new byte[] {9}),
            OverlayMessage.DhtReply.class);
        assertEquals(true, reply.found());
        assertEquals(30, reply.ttlSeconds());
        assertEquals(11, decode(Messages.probe(Messages.PROBE, 11, addr(6)), OverlayMessage.Probe.class).token());
        assertArrayEquals(addr(8), decode(Messages.dhtGet(1, addr(7), addr(8)), OverlayMessage.DhtGet.class).requester());

        final OverlayMessage.LeaseReply lease = decode(Messages.leaseReply(8, addr(1), Messages.LEASE_TAKEN, addr(2)),
            OverlayMessage.LeaseReply.class);
        assertEquals(Messages.LEASE_TAKEN, lease.result(), "a lease's result travels as a result");
        assertArrayEquals(addr(2), lease.holder());
    }

    @Test
    void traversalAndRelayMessagesRoundTrip()
    {
        final OverlayMessage.CtmRequest ctm = decode(Messages.ctmRequest(OverlayNode.NEAR, 4, TCP_PEER, addr(6)),
            OverlayMessage.CtmRequest.class);
        assertArrayEquals(addr(6), ctm.via(), "the node to return the reply through");
        assertNull(decode(Messages.ctmRequest(OverlayNode.NEAR, 4, TCP_PEER), OverlayMessage.CtmRequest.class).via());
        final OverlayMessage.AboutPeer punch = decode(Messages.aboutPeer(Messages.PUNCH, OverlayNode.FAR, 12, TCP_PEER),
            OverlayMessage.AboutPeer.class);
        assertEquals(12, punch.token());
        assertArrayEquals(TCP_PEER.endpoints(), punch.peer().endpoints(), "TCP endpoints travel as they are");
        for (final int type : new int[] {Messages.RELAY_REQUEST, Messages.RELAY_GRANT, Messages.RELAY_OPEN})
        {
            final OverlayMessage.AboutPeer m = decode(Messages.aboutPeer(type, OverlayNode.NEAR, 0x1234, TCP_PEER),
                OverlayMessage.AboutPeer.class);
            assertEquals(type, m.type());
            assertEquals(0x1234, m.token());
            assertEquals(OverlayNode.NEAR, m.connectionTypes());
            assertEquals(0x0A000005, m.peer().virtualIp());
        }
        for (final int type : new int[] {Messages.RELAY_DENY, Messages.RELAY_END})
        {
            assertArrayEquals(addr(7), decode(Messages.relayEnd(type, addr(7)), OverlayMessage.PairEnd.class).other());
        }
        final byte[] inner = Messages.ctmReply(OverlayNode.NEAR, 1, TCP_PEER, List.of());
        final OverlayMessage.Forward forward = decode(Messages.forward(addr(8), inner), OverlayMessage.Forward.class);
        assertArrayEquals(addr(8), forward.to());
        assertArrayEquals(inner, forward.message());
        final byte[] lying = Messages.forward(addr(8), inner);
        lying[4 + 20] = (byte)0xFF; // claims more than it carries
        assertNull(Messages.decode(lying, 0, lying.length));
    }

    @Test
    void aPeersKeyTravelsWhereTheSenderNamedItAndABadKeyLengthIsMalformed()
    {
        final byte[] key = new byte[Messages.KEY_LENGTH];
        Arrays.fill(key, (byte)0x5A);
        final Messages.Peer keyed = new Messages.Peer(addr(4), 6, new long[] {8, 9}, key);
        final OverlayMessage.CtmReply reply = decode(Messages.ctmReply(OverlayNode.NEAR, 9, keyed, List.of(P, keyed)),
            OverlayMessage.CtmReply.class);
        assertArrayEquals(key, reply.responder().key());
        assertEquals(false, reply.near().get(0).hasKey());
        assertArrayEquals(key, reply.near().get(1).key());
        assertArrayEquals(new long[] {8, 9}, reply.near().get(1).endpoints());
        assertArrayEquals(key, decode(Messages.neighbours(List.of(keyed)), OverlayMessage.Neighbours.class).peers().get(0).key());
        assertArrayEquals(key, decode(Messages.ctmRequest(OverlayNode.FAR, 3, keyed), OverlayMessage.CtmRequest.class)
            .requester().key());
        assertArrayEquals(key, decode(Messages.aboutPeer(Messages.RELAY_GRANT, 0, 4, keyed), OverlayMessage.AboutPeer.class)
            .peer().key());
        // a key of another length is not sent, and not accepted
        assertEquals(false, decode(Messages.neighbours(List.of(new Messages.Peer(addr(4), 6, new long[0], new byte[5]))),
            OverlayMessage.Neighbours.class).peers().get(0).hasKey());
        final byte[] bad = Messages.neighbours(List.of(keyed));
        bad[4 + 1 + 20 + 4 + 1 + 16] = 31; // the key length byte
        assertNull(Messages.decode(bad, 0, bad.length));
        final byte[] truncated = Arrays.copyOf(bad, bad.length - 1);
        truncated[4 + 1 + 20 + 4 + 1 + 16] = 32;
        assertNull(Messages.decode(truncated, 0, truncated.length));
    }

    @Test
    void leaseMessagesRoundTripAndAHeldLeaseOfAnotherKeyIsRejected()
    {
        final byte[] query = Messages.lease(OP);
        final Messages.LeaseOp back = decode(query, Messages.LeaseOp.class);
        assertEquals(Messages.LEASE_QUERY, back.role());
        assertEquals(17, back.token());
        assertEquals(90, back.remainingSeconds());
        assertArrayEquals(addr(2), back.value());
        assertEquals(0x0A800102, back.ip());
        assertArrayEquals(new byte[] {6, 7, 8, 9}, back.certificate());
        assertArrayEquals(OP.signed(), back.signed(), "the signed bytes name the address, not the certificate");
        final byte[] longCertificate = Messages.lease(new Messages.LeaseOp(Messages.LEASE_CLAIM, Messages.LEASE_QUERY, 17, addr(1),
            120, 5, addr(2), 1, new byte[] {1}, new byte[Messages.MAX_LEASE_CERTIFICATE + 1], new byte[] {4}, 90));
        assertNull(Messages.decode(longCertificate, 0, longCertificate.length), "no certificate is that long");
        // the longest lease there may be is a DHT answer's value (the secure testbed's lookups failed when it was not)
        final byte[] longest = Messages.lease(new Messages.LeaseOp(Messages.LEASE_CLAIM, Messages.LEASE_COPY, 0, addr(1), 120, 5,
            addr(2), 1, new byte[32], new byte[Messages.MAX_LEASE_CERTIFICATE], new byte[64], 90));
        final byte[] reply = Messages.dhtReply(3, addr(1), true, 60, longest);
        assertArrayEquals(longest, decode(reply, OverlayMessage.DhtReply.class).value());
        assertTrue(reply.length <= Messages.MAX_FORWARDED, "and it fits a FORWARD through a relay");

        final byte[] held = Messages.leaseHeld(33, addr(1), OP.as(Messages.LEASE_COPY, 0, 60));
        final Messages.LeaseHeld h = decode(held, Messages.LeaseHeld.class);
        assertEquals(33, h.token());
        assertEquals(5, h.held().serial());
        assertEquals(60, h.held().remainingSeconds());
        final byte[] none = Messages.leaseHeld(34, addr(1), null);
        assertNull(decode(none, Messages.LeaseHeld.class).held());
        final byte[] otherKey = Messages.leaseHeld(35, addr(9), OP.as(Messages.LEASE_COPY, 0, 60));
        assertNull(Messages.decode(otherKey, 0, otherKey.length), "a held lease must be of the key asked about");
        final byte[] notACopy = Messages.leaseHeld(36, addr(1), OP);
        assertNull(Messages.decode(notACopy, 0, notACopy.length), "a replica answers with copies only");
        query[5] = 3;
        assertNull(Messages.decode(query, 0, query.length), "unknown role");
        final byte[] badResult = Messages.leaseReply(8, addr(1), 7, addr(2));
        assertNull(Messages.decode(badResult, 0, badResult.length), "unknown result");
    }

    @Test
    void aTakenAnswerCarriesTheOwnersSignedLease()
    {
        final Messages.LeaseOp held = OP.as(Messages.LEASE_COPY, 0, 60);
        final OverlayMessage.LeaseReply reply = decode(Messages.leaseReply(8, addr(1), Messages.LEASE_TAKEN, addr(2), held),
            OverlayMessage.LeaseReply.class);
        assertArrayEquals(held.signature(), reply.held().signature());
        assertEquals(held.serial(), reply.held().serial());
        assertNull(decode(Messages.leaseReply(8, addr(1), Messages.LEASE_TAKEN, addr(2)), OverlayMessage.LeaseReply.class).held());
        final byte[] cut = Messages.leaseReply(8, addr(1), Messages.LEASE_TAKEN, addr(2), held);
        assertNull(Messages.decode(cut, 0, cut.length - 1), "a proof shorter than it says");
    }

    @Test
    void malformedInputIsNullNeverAnException()
    {
        final byte[] good = Messages.ctmReply(OverlayNode.NEAR, 9, P, List.of(new Messages.Peer(addr(4), 6, new long[] {8})));
        final byte[] tooManyEndpoints = Messages.link(Messages.LINK_REPLY, 0, 1, 0, addr(1), 0, new long[0]);
        tooManyEndpoints[tooManyEndpoints.length - 1] = 9;
        assertNull(Messages.decode(tooManyEndpoints, 0, tooManyEndpoints.length));
        final byte[] unknown = {99, 0, 0, 0, 1, 2, 3};
        assertNull(Messages.decode(unknown, 0, unknown.length));
        assertNull(Messages.decode(good, 5, good.length), "range beyond the array");
        final byte[] badTtl = Messages.lease(OP);
        badTtl[4 + 2 + 4 + 20] = (byte)0x80;
        assertNull(Messages.decode(badTtl, 0, badTtl.length), "negative TTL");
        final Random random = new Random(3);
        for (int i = 0; i < 100_000; i++)
        {
            final byte[] junk = new byte[random.nextInt(80)];
            random.nextBytes(junk);
            if (junk.length > 0)
            {
                junk[0] = (byte)(2 + random.nextInt(Messages.LEASE_HELD - 1));
            }
            Messages.decode(junk, 0, junk.length); // null or a message, never an exception
        }
        assertNotNull(Messages.decode(good, 0, good.length));
    }
}

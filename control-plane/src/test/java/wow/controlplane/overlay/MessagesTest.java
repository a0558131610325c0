package wow.controlplane.overlay;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MessagesTest
{
    static byte[] addr(final int b)
    {
        final byte[] a = new byte[20];
        Arrays.fill(a, (byte)b);
        return a;
    }

    static Messages.Message decode(final byte[] bytes)
    {
        return Messages.decode(bytes, 0, bytes.length);
    }

    @Test
    void everyMessageRoundTrips()
    {
        final Messages.Message link = decode(Messages.link(Messages.LINK_REQUEST, OverlayNode.NEAR, 77, 0x0A000001, addr(1),
            0x1234_5678_9ABCL, new long[] {1, 2}));
        assertEquals(Messages.LINK_REQUEST, link.type());
        assertEquals(OverlayNode.NEAR, link.connectionTypes());
        assertEquals(77, link.linkId());
        assertEquals(0x0A000001, link.virtualIp());
        assertArrayEquals(addr(1), link.address());
        assertEquals(0x1234_5678_9ABCL, link.observed());
        assertArrayEquals(new long[] {1, 2}, link.endpoints());

        final Messages.Message ping = decode(Messages.ping(Messages.PONG, OverlayNode.FAR, addr(2), 99));
        assertEquals(Messages.PONG, ping.type());
        assertEquals(OverlayNode.FAR, ping.connectionTypes());
        assertEquals(99, ping.observed());

        final Messages.Peer p = new Messages.Peer(addr(3), 5, new long[] {7});
        final Messages.Message ctm = decode(Messages.ctmReply(OverlayNode.NEAR, 9, p, List.of(p, p)));
        assertEquals(9, ctm.token());
        assertArrayEquals(addr(3), ctm.peer().address());
        assertEquals(2, ctm.peers().size());
        assertArrayEquals(new long[] {7}, ctm.peers().get(1).endpoints());

        final Messages.Message put = decode(Messages.dhtPut(60, addr(4), 3, new byte[] {1, 2, 3}));
        assertEquals(60, put.ttlSeconds());
        assertEquals(3, put.replicas());
        assertArrayEquals(new byte[] {1, 2, 3}, put.value());

        final Messages.Message reply = decode(Messages.dhtReply(5, addr(4), true, 30, new byte[] {9}));
        assertTrue(reply.found());
        assertEquals(30, reply.ttlSeconds());

        assertEquals(Messages.CLOSE, decode(Messages.close(addr(6))).type());
        assertEquals(11, decode(Messages.probe(Messages.PROBE, 11, addr(6))).token());
        assertArrayEquals(addr(8), decode(Messages.dhtGet(1, addr(7), addr(8))).address());
        assertEquals(1, decode(Messages.neighbours(List.of(p))).peers().size());
        assertEquals(OverlayNode.FAR, decode(Messages.ctmRequest(OverlayNode.FAR, 3, p)).connectionTypes());
    }

    @Test
    void traversalAndRelayMessagesRoundTrip()
    {
        final Messages.Peer p = new Messages.Peer(addr(5), 0x0A000005, new long[] {1L << 48 | 9, 10});
        final Messages.Message ctm = decode(Messages.ctmRequest(OverlayNode.NEAR, 4, p, addr(6)));
        assertArrayEquals(addr(6), ctm.address(), "the node to return the reply through");
        assertNull(decode(Messages.ctmRequest(OverlayNode.NEAR, 4, p)).address());
        final Messages.Message punch = decode(Messages.aboutPeer(Messages.PUNCH, OverlayNode.FAR, 12, p));
        assertEquals(Messages.PUNCH, punch.type());
        assertEquals(12, punch.token());
        assertArrayEquals(p.endpoints(), punch.peer().endpoints(), "TCP endpoints travel as they are");
        for (final int type : new int[] {Messages.RELAY_REQUEST, Messages.RELAY_GRANT, Messages.RELAY_OPEN})
        {
            final Messages.Message m = decode(Messages.aboutPeer(type, OverlayNode.NEAR, 0x1234, p));
            assertEquals(type, m.type());
            assertEquals(0x1234, m.token());
            assertEquals(OverlayNode.NEAR, m.connectionTypes());
            assertEquals(0x0A000005, m.peer().virtualIp());
        }
        for (final int type : new int[] {Messages.RELAY_DENY, Messages.RELAY_END})
        {
            assertArrayEquals(addr(7), decode(Messages.relayEnd(type, addr(7))).address());
        }
        final byte[] inner = Messages.ctmReply(OverlayNode.NEAR, 1, p, List.of());
        final Messages.Message forward = decode(Messages.forward(addr(8), inner));
        assertArrayEquals(addr(8), forward.address());
        assertArrayEquals(inner, forward.value());
        final byte[] lying = Messages.forward(addr(8), inner);
        lying[4 + 20] = (byte)0xFF; // claims more than it carries
        assertNull(decode(lying));
        final byte[] good = Messages.aboutPeer(Messages.RELAY_GRANT, 0, 1, p);
        for (int len = 0; len < good.length; len++)
        {
            assertNull(Messages.decode(good, 0, len), "truncated to " + len);
        }
    }

    @Test
    void leaseMessagesRoundTripAndAHeldLeaseOfAnotherKeyIsRejected()
    {
        final Messages.LeaseOp op = new Messages.LeaseOp(Messages.LEASE_CLAIM, Messages.LEASE_QUERY, 17, addr(1), 120, 5, addr(2),
            new byte[] {1, 2, 3}, new byte[] {4, 5}, 90);
        final byte[] query = Messages.lease(op);
        final Messages.LeaseOp back = Messages.decodeLease(query, 0, query.length);
        assertEquals(Messages.LEASE_QUERY, back.role());
        assertEquals(17, back.token());
        assertEquals(90, back.remainingSeconds());
        assertArrayEquals(addr(2), back.value());

        final byte[] held = Messages.leaseHeld(33, addr(1), op.as(Messages.LEASE_COPY, 0, 60));
        final Messages.LeaseHeld h = Messages.decodeLeaseHeld(held, 0, held.length);
        assertEquals(33, h.token());
        assertEquals(5, h.held().serial());
        assertEquals(60, h.held().remainingSeconds());
        assertEquals(33, decode(held).token());
        final byte[] none = Messages.leaseHeld(34, addr(1), null);
        assertNull(Messages.decodeLeaseHeld(none, 0, none.length).held());
        for (int len = 0; len < held.length; len++)
        {
            assertNull(Messages.decode(held, 0, len), "truncated to " + len);
        }
        final byte[] otherKey = Messages.leaseHeld(35, addr(9), op.as(Messages.LEASE_COPY, 0, 60));
        assertNull(decode(otherKey), "a held lease must be of the key asked about");
        final byte[] notACopy = Messages.leaseHeld(36, addr(1), op);
        assertNull(decode(notACopy), "a replica answers with copies only");
        query[5] = 3;
        assertNull(decode(query), "unknown role");
    }

    @Test
    void malformedInputIsNullNeverAnException()
    {
        final byte[] good = Messages.ctmReply(OverlayNode.NEAR, 9, new Messages.Peer(addr(3), 5, new long[] {7}),
            List.of(new Messages.Peer(addr(4), 6, new long[] {8})));
        for (int len = 0; len < good.length; len++)
        {
            assertNull(Messages.decode(good, 0, len), "truncated to " + len);
        }
        final byte[] tooManyEndpoints = Messages.link(Messages.LINK_REPLY, 0, 1, 0, addr(1), 0, new long[0]);
        tooManyEndpoints[tooManyEndpoints.length - 1] = 9;
        assertNull(decode(tooManyEndpoints));
        final byte[] unknown = {99, 0, 0, 0, 1, 2, 3};
        assertNull(decode(unknown));
        assertNull(Messages.decode(good, 5, good.length), "range beyond the array");
        final byte[] badTtl = Messages.dhtPut(60, addr(4), 3, new byte[0]);
        badTtl[4] = (byte)0x80;
        assertNull(decode(badTtl), "negative TTL");
        final Random random = new Random(3);
        for (int i = 0; i < 100_000; i++)
        {
            final byte[] junk = new byte[random.nextInt(80)];
            random.nextBytes(junk);
            if (junk.length > 0)
            {
                junk[0] = (byte)(2 + random.nextInt(Messages.LEASE_HELD - 1));
            }
            Messages.decode(junk, 0, junk.length);
        }
    }
}

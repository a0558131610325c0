package wow.controlplane.session;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import wow.controlplane.EventLog;
import wow.controlplane.security.Bundle;
import wow.controlplane.security.Certificate;
import wow.controlplane.security.CertificateAuthority;
import wow.controlplane.security.RevocationList;
import wow.dataplane.ControlMessages;
import wow.dataplane.crypto.AeadBatch;
import wow.dataplane.crypto.Keypair;
import wow.dataplane.crypto.SessionPublication;
import wow.dataplane.protocol.WireHeader;
import wow.dataplane.status.CountersFile;

/** Two or three nodes' {@link LinkSessions} wired to each other directly, on a clock stepped by hand. */
class LinkSessionsTest
{
    static final long EP_A = 0x0A00_0001_1B58L;
    static final long EP_B = 0x0A00_0002_1B58L;
    static final long EP_C = 0x0A00_0003_1B58L;
    static final long NOW_S = 1_800_000_000L;

    @TempDir
    Path dir;
    final long[] nanos = {5_000_000_000L};
    CertificateAuthority ca;
    final List<Side> sides = new ArrayList<>();

    /** One node's sessions and what it handed to its data plane. */
    final class Side
    {
        final long endpoint;
        final SessionPublication publication = new SessionPublication();
        final CountersFile countersFile = CountersFile.inMemory(64);
        final LinkSessions sessions;
        final Revocations revocations;
        final List<RevocationList> stored = new ArrayList<>();
        final List<long[]> handshakesSent = new ArrayList<>();
        final List<byte[]> handshakeBytes = new ArrayList<>();
        int handshakesTotal;
        final List<byte[]> sealedSent = new ArrayList<>();
        final List<Long> sealedTo = new ArrayList<>();
        /** Sealed datagrams already "received": as the data plane, the first on a keypair confirms it. */
        int sealedDelivered;

        Side(final long endpoint, final Bundle bundle)
        {
            this.endpoint = endpoint;
            revocations = new Revocations(bundle.trusted(), stored::add);
            sessions = new LinkSessions(bundle, publication, (to, buffer, offset, length) ->
            {
                final byte[] bytes = new byte[length];
                buffer.getBytes(offset, bytes);
                if (length > 1 && bytes[1] == WireHeader.TYPE_HANDSHAKE)
                {
                    handshakesSent.add(new long[] {to});
                    handshakesTotal++;
                    handshakeBytes.add(bytes);
                }
                else
                {
                    sealedSent.add(bytes);
                    sealedTo.add(to);
                }
                return true;
            }, () -> nanos[0], () -> NOW_S + nanos[0] / 1_000_000_000L, EventLog.NONE,
                new SessionCounters(countersFile.manager()), revocations);
            sides.add(this);
        }

        Keypair sealingTo(final long peer)
        {
            return publication.current().forEndpoint(peer);
        }

        long counter(final String name)
        {
            final long[] value = {-1};
            countersFile.manager().forEach((id, label) ->
            {
                if (label.equals(name))
                {
                    value[0] = countersFile.manager().getCounterValue(id);
                }
            });
            return value[0];
        }
    }

    @BeforeEach
    void ca()
    {
        ca = CertificateAuthority.init(dir.resolve("ca"), "lab", 0x0A800000, 16, 3650, NOW_S - 100);
    }

    Bundle bundle(final String name, final int days)
    {
        return ca.sign(name, Certificate.ADDRESS_IP, 0x0A800000 + name.hashCode() % 200 + 2, 16, List.of(), false, days, null,
            NOW_S - 100);
    }

    Side side(final String name, final long endpoint)
    {
        return new Side(endpoint, bundle(name, 30));
    }

    /**
     * Delivers every handshake datagram sent so far to its addressee, and reports each sealed one to
     * its addressee as its data plane would (the first on a keypair confirms it), until none is left.
     */
    void deliverHandshakes()
    {
        deliver(true);
    }

    /** @param reportSealed false to hold sealed datagrams back (a peer that has not used new keys yet). */
    void deliver(final boolean reportSealed)
    {
        boolean any = true;
        while (any)
        {
            any = false;
            for (final Side from : sides)
            {
                while (reportSealed && from.sealedDelivered < from.sealedSent.size())
                {
                    final long to = from.sealedTo.get(from.sealedDelivered++);
                    final Keypair sealer = from.sealingTo(to);
                    any = true;
                    final byte[] sealed = from.sealedSent.get(from.sealedDelivered - 1);
                    for (final Side s : sides)
                    {
                        if (s.endpoint == to && sealer != null)
                        {
                            s.sessions.onConfirmed(sealer.remoteIndex());
                            if (sealed.length > 1 && sealed[1] == WireHeader.TYPE_SESSION)
                            {
                                // as the data plane hands it up once the session opened it
                                final UnsafeBuffer up = new UnsafeBuffer(new byte[ControlMessages.UP_DATAGRAM_OFFSET + sealed.length]);
                                up.putLong(ControlMessages.ENDPOINT_OFFSET, from.endpoint);
                                up.putInt(ControlMessages.SESSION_OFFSET, sealer.remoteIndex());
                                up.putBytes(ControlMessages.UP_DATAGRAM_OFFSET, sealed);
                                s.sessions.onUp(ControlMessages.UP_SESSION_MESSAGE, up, 0, up.capacity());
                            }
                        }
                    }
                }
                while (!from.handshakeBytes.isEmpty())
                {
                    final long to = from.handshakesSent.remove(0)[0];
                    final byte[] bytes = from.handshakeBytes.remove(0);
                    any = true;
                    for (final Side s : sides)
                    {
                        if (s.endpoint == to)
                        {
                            s.sessions.onHandshake(from.endpoint, new UnsafeBuffer(bytes), 0, bytes.length);
                        }
                    }
                }
            }
        }
    }

    static void assertSealsForEachOther(final Keypair a, final Keypair b)
    {
        assertEquals(a.remoteIndex(), b.localIndex());
        assertEquals(b.remoteIndex(), a.localIndex());
        final UnsafeBuffer buffer = new UnsafeBuffer(BufferUtil.allocateDirectAligned(256, 64));
        WireHeader.writeSealed(buffer, 0, a.remoteIndex(), 5);
        buffer.putStringWithoutLengthAscii(16, "sealed by a, opened by b");
        final AeadBatch seal = AeadBatch.create(true, 1);
        seal.add(a, buffer.addressOffset(), 24);
        seal.run();
        final AeadBatch open = AeadBatch.create(false, 1);
        open.add(b, buffer.addressOffset(), 24);
        open.run();
        assertTrue(open.authentic(0));
        assertEquals("sealed by a, opened by b", buffer.getStringWithoutLengthAscii(16, 24));
    }

    @Test
    void aQueuedDatagramGoesSealedOnceTheHandshakeCompletes()
    {
        final Side a = side("a", EP_A);
        final Side b = side("b", EP_B);
        assertTrue(a.sessions.send(EP_B, new UnsafeBuffer("hello".getBytes()), 0, 5));
        assertEquals(0, a.sealedSent.size());
        assertEquals(1, a.handshakesSent.size());
        assertEquals(HandshakeMessage.INITIATION_LENGTH, a.handshakeBytes.get(0).length);
        deliverHandshakes();
        assertEquals(List.of("hello"), a.sealedSent.stream().map(String::new).toList());
        assertEquals(List.of(0), b.sealedSent.stream().map(x -> x.length).toList()); // the responder's confirmation
        assertSealsForEachOther(a.sealingTo(EP_B), b.sealingTo(EP_A));
        assertSealsForEachOther(b.sealingTo(EP_A), a.sealingTo(EP_B));
        assertEquals("b", a.sessions.certificate(EP_B).name());
        assertEquals("a", b.sessions.certificate(EP_A).name());
        assertEquals(1, a.counter("handshake_completed"));
        assertEquals(1, b.counter("sessions"));
        // later datagrams go straight down
        a.sessions.send(EP_B, new UnsafeBuffer("again".getBytes()), 0, 5);
        assertEquals("again", new String(a.sealedSent.get(1)));
    }

    @Test
    void aNodeOfAnotherNetworkGetsNoAnswerAtAll()
    {
        final Side b = side("b", EP_B);
        final CertificateAuthority other = CertificateAuthority.init(dir.resolve("other"), "other", 0x0A800000, 16, 10,
            NOW_S - 100);
        final Side stranger = new Side(EP_C, other.sign("evil", Certificate.ADDRESS_IP, 0x0A800009, 16, List.of(), true, 30,
            null, NOW_S - 100));
        stranger.sessions.send(EP_B, new UnsafeBuffer(new byte[8]), 0, 8);
        final List<Long> sentByB = new ArrayList<>();
        deliverHandshakes();
        b.handshakesSent.forEach(x -> sentByB.add(x[0]));
        assertEquals(List.of(), sentByB);
        assertEquals(0, b.sealedSent.size());
        assertEquals(1, b.counter("handshake_dropped"));
        assertNull(b.sealingTo(EP_C));
    }

    @Test
    void expiredAndRevokedMembersGetNoSession()
    {
        final Side b = side("b", EP_B);
        final Side expired = new Side(EP_C, bundle("old", 1));
        nanos[0] += 2L * 86_400 * 1_000_000_000L; // two days later its certificate has expired
        expired.sessions.send(EP_B, new UnsafeBuffer(new byte[8]), 0, 8);
        deliverHandshakes();
        assertNull(b.sealingTo(EP_C));
        assertEquals(1, b.counter("handshake_refused"));

        final Side a = side("a", EP_A);
        final RevocationList list = ca.revoke("a", -1, NOW_S);
        b.revocations.take(list, false);
        a.sessions.send(EP_B, new UnsafeBuffer(new byte[8]), 0, 8);
        deliverHandshakes();
        assertNull(b.sealingTo(EP_A));
        assertEquals(2, b.counter("handshake_refused"));
        // and the revoked node refuses nothing, but b never seals a byte to it
        assertTrue(b.sealedSent.isEmpty());
    }

    @Test
    void theInitiatorRekeysWithIkAndTheResponderSwitchesOnlyOnceTheNewKeysWereUsed()
    {
        final Side a = side("a", EP_A);
        final Side b = side("b", EP_B);
        a.sessions.send(EP_B, new UnsafeBuffer(new byte[8]), 0, 8);
        deliverHandshakes();
        final Keypair first = a.sealingTo(EP_B);
        final Keypair bFirst = b.sealingTo(EP_A);
        final int aSent = a.handshakesTotal;
        final int bSent = b.handshakesTotal;
        nanos[0] += LinkSessions.REKEY_AFTER_NS + 1;
        a.sessions.tick();
        b.sessions.tick();
        deliver(false);
        // one round trip (IK: a knows b's key from the first session)
        assertEquals(aSent + 1, a.handshakesTotal);
        assertEquals(bSent + 1, b.handshakesTotal);
        // a seals with the new keypair at once; b, which answered, still with the old one, but opens the new
        final Keypair aNew = a.sealingTo(EP_B);
        assertNotSame(first, aNew);
        assertSame(bFirst, b.sealingTo(EP_A));
        assertNotNull(b.publication.current().byIndex(aNew.remoteIndex()));
        assertNotNull(a.publication.current().byIndex(first.localIndex()), "what is in flight on the old one still opens");
        nanos[0] += LinkSessions.CONFIRM_TIMEOUT_NS + 1_000_000_000L; // a quiet initiator: b keeps the new keys waiting
        b.sessions.tick();
        assertNotNull(b.publication.current().byIndex(aNew.remoteIndex()));
        a.sessions.send(EP_B, new UnsafeBuffer(new byte[8]), 0, 8);
        deliverHandshakes(); // b's data plane sees a's first datagram on the new keypair
        assertSealsForEachOther(aNew, b.sealingTo(EP_A));
        assertEquals(1, b.counter("session_rekeyed"));
        // the old keypair is dropped when it is too old
        nanos[0] += LinkSessions.REJECT_AFTER_NS - LinkSessions.REKEY_AFTER_NS;
        a.sessions.tick();
        assertNull(a.publication.current().byIndex(first.localIndex()));
        assertNotNull(a.sealingTo(EP_B));
    }

    static int handshakeNumber(final byte[] datagram)
    {
        return datagram[WireHeader.FLAGS_OFFSET] & 0xFF;
    }

    @Test
    void aKeyAMemberNamedMakesTheFirstHandshakeIkOneRoundTrip()
    {
        final Side a = side("a", EP_A);
        final Bundle bb = bundle("b", 30);
        final Side b = new Side(EP_B, bb);
        a.sessions.hint(EP_B, bb.certificate().ringAddress(), bb.certificate().publicKey());
        assertTrue(a.sessions.send(EP_B, new UnsafeBuffer("hello".getBytes()), 0, 5));
        assertEquals(HandshakeMessage.IK_FIRST, handshakeNumber(a.handshakeBytes.get(0)));
        deliverHandshakes();
        assertEquals(1, a.handshakesTotal, "one message each way");
        assertEquals(1, b.handshakesTotal);
        assertEquals(List.of("hello"), a.sealedSent.stream().map(String::new).toList());
        assertSealsForEachOther(a.sealingTo(EP_B), b.sealingTo(EP_A));
        assertEquals("b", a.sessions.certificate(EP_B).name());
        assertEquals(1, a.counter("handshake_initiated_ik"));
    }

    @Test
    void aWrongHintCostsOneUnansweredIkMessageThenXxConnects()
    {
        final Side a = side("a", EP_A);
        final Side b = side("b", EP_B);
        final Bundle c = bundle("c", 30); // a member pointed c's key at b's endpoint
        a.sessions.hint(EP_B, c.certificate().ringAddress(), c.certificate().publicKey());
        a.sessions.send(EP_B, new UnsafeBuffer("hello".getBytes()), 0, 5);
        assertEquals(HandshakeMessage.IK_FIRST, handshakeNumber(a.handshakeBytes.get(0)));
        deliverHandshakes();
        assertEquals(0, b.handshakesTotal, "b cannot read a message to another key and says nothing");
        assertNull(a.sealingTo(EP_B));
        nanos[0] += LinkSessions.FIRST_RETRY_NS;
        a.sessions.tick();
        assertEquals(HandshakeMessage.XX_FIRST, handshakeNumber(a.handshakeBytes.get(0)));
        deliverHandshakes();
        assertSealsForEachOther(a.sealingTo(EP_B), b.sealingTo(EP_A));
        assertEquals(List.of("hello"), a.sealedSent.stream().map(String::new).toList());
        assertEquals(1, a.counter("handshake_initiated_ik"), "only the first attempt");
    }

    @Test
    void aReplayedIkFirstMessageIsNotAnswered()
    {
        final Side a = side("a", EP_A);
        final Side b = side("b", EP_B);
        a.sessions.send(EP_B, new UnsafeBuffer(new byte[8]), 0, 8);
        deliverHandshakes();
        a.sessions.reset(EP_B);
        a.sessions.send(EP_B, new UnsafeBuffer(new byte[8]), 0, 8);
        final byte[] ikFirst = a.handshakeBytes.get(0);
        assertEquals(HandshakeMessage.IK_FIRST, ikFirst[2]);
        deliverHandshakes();
        final Keypair now = b.publication.current().forEndpoint(EP_A);
        final int answered = b.handshakesTotal;
        b.sessions.onHandshake(EP_A, new UnsafeBuffer(ikFirst), 0, ikFirst.length); // an attacker replays it
        assertEquals(answered, b.handshakesTotal);
        assertSame(now, b.publication.current().forEndpoint(EP_A));
    }

    @Test
    void anUnansweredHandshakeIsRetriedWithBackoffAndThenGivenUp()
    {
        final Side a = side("a", EP_A);
        a.sessions.send(EP_B, new UnsafeBuffer(new byte[8]), 0, 8);
        final List<Long> sentAt = new ArrayList<>();
        for (int s = 0; s < 40; s++)
        {
            final int before = a.handshakesSent.size();
            a.sessions.tick();
            if (a.handshakesSent.size() > before)
            {
                sentAt.add((long)s);
            }
            nanos[0] += 1_000_000_000L;
        }
        assertEquals(List.of(1L, 3L, 7L, 15L, 23L), sentAt);
        assertEquals(1, a.counter("handshake_timeout"));
        assertEquals(1, a.counter("session_queue_dropped"));
    }

    @Test
    void aSessionFollowsItsPeerToANewEndpoint()
    {
        final Side a = side("a", EP_A);
        final Side b = side("b", EP_B);
        a.sessions.send(EP_B, new UnsafeBuffer(new byte[8]), 0, 8);
        deliverHandshakes();
        final Keypair k = a.sealingTo(EP_B);
        final long moved = 0x0B00_0002_2000L;
        assertEquals(EP_B, a.sessions.onMoved(k.localIndex(), moved));
        assertSame(k, a.sealingTo(moved));
        assertNull(a.sealingTo(EP_B));
        assertEquals(moved, k.endpoint());
        assertEquals(0, a.sessions.onMoved(k.localIndex(), moved));
    }

    @Test
    void forgedSecondAndThirdMessagesChangeNothing()
    {
        final Side a = side("a", EP_A);
        final Side b = side("b", EP_B);
        a.sessions.send(EP_B, new UnsafeBuffer(new byte[8]), 0, 8);
        final byte[] first = a.handshakeBytes.get(0);
        // an attacker answers a's first message before b can, with garbage in the right shape
        final UnsafeBuffer forged = new UnsafeBuffer(new byte[300]);
        WireHeader.writeCommon(forged, 0, WireHeader.TYPE_HANDSHAKE, 2);
        forged.putInt(4, 0x77, java.nio.ByteOrder.BIG_ENDIAN);
        forged.putBytes(8, first, 4, 4);
        a.sessions.onHandshake(EP_B, forged, 0, 300);
        assertNull(a.sealingTo(EP_B));
        deliverHandshakes(); // the real exchange still completes
        assertNotNull(a.sealingTo(EP_B));
        assertNotNull(b.sealingTo(EP_A));
        final Keypair before = b.sealingTo(EP_A);
        final UnsafeBuffer third = new UnsafeBuffer(new byte[120]);
        WireHeader.writeCommon(third, 0, WireHeader.TYPE_HANDSHAKE, 3);
        third.putInt(4, 0x55, java.nio.ByteOrder.BIG_ENDIAN);
        third.putInt(8, before.localIndex(), java.nio.ByteOrder.BIG_ENDIAN);
        b.sessions.onHandshake(EP_C, third, 0, 120);
        assertSame(before, b.sealingTo(EP_A));
        assertArrayEquals(new byte[0], b.sealedSent.get(0));
    }

    @Test
    void aRevocationListSpreadsCutsTheRevokedOffAndReachesLaterMembers()
    {
        final Side a = side("a", EP_A);
        final Side b = side("b", EP_B);
        final Side c = side("c", EP_C);
        a.sessions.send(EP_B, new UnsafeBuffer(new byte[8]), 0, 8);
        b.sessions.send(EP_C, new UnsafeBuffer(new byte[8]), 0, 8);
        a.sessions.send(EP_C, new UnsafeBuffer(new byte[8]), 0, 8);
        deliverHandshakes();
        assertNotNull(b.sealingTo(EP_C));
        final RevocationList list = ca.revoke("c", -1, NOW_S);
        a.revocations.offer(list); // what wow revoke hands a running node
        a.sessions.tick();
        deliverHandshakes();
        assertNull(a.sealingTo(EP_C), "a cut c off");
        assertNull(b.sealingTo(EP_C), "b learnt the list from a and cut c off");
        assertNotNull(a.sealingTo(EP_B));
        assertEquals(List.of(list.version()), b.stored.stream().map(RevocationList::version).toList());
        // c tries again (IK: it knows b's key): refused without a word back
        final int answered = b.handshakesTotal;
        c.sessions.reset(EP_B);
        c.sessions.send(EP_B, new UnsafeBuffer(new byte[8]), 0, 8);
        deliverHandshakes();
        assertNull(b.sealingTo(EP_C));
        assertEquals(1, b.counter("handshake_refused"));
        assertEquals(answered, b.handshakesTotal);
        // a member that joins later learns the list in its first handshake
        final long epD = 0x0A00_0004_1B58L;
        final Side d = side("d", epD);
        d.sessions.send(EP_A, new UnsafeBuffer(new byte[8]), 0, 8);
        deliverHandshakes();
        assertEquals(list.version(), d.revocations.version());
        // an older or foreign list changes nothing
        assertTrue(!b.revocations.take(list, false));
    }
}

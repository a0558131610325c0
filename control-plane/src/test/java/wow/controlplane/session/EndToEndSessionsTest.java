package wow.controlplane.session;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import wow.controlplane.EventLog;
import wow.controlplane.security.Bundle;
import wow.controlplane.security.Certificate;
import wow.controlplane.security.CertificateAuthority;
import wow.dataplane.crypto.Keypair;
import wow.dataplane.crypto.SessionPublication;
import wow.dataplane.crypto.SessionTable;
import wow.dataplane.status.CountersFile;

/**
 * Nodes' {@link EndToEndSessions} exchanging their handshakes through a queue (as routed over the
 * overlay: never inside the call that sent them), on a clock stepped by hand.
 */
class EndToEndSessionsTest
{
    static final long NOW_S = 1_800_000_000L;
    static final int IP_A = 0x0A800011;
    static final int IP_B = 0x0A800012;

    @TempDir
    Path dir;
    final long[] nanos = {5_000_000_000L};
    final Deque<Object[]> wire = new ArrayDeque<>();
    final List<Side> sides = new ArrayList<>();
    CertificateAuthority ca;

    /** One node: its sessions, the keys it wanted looked up. */
    final class Side
    {
        final Bundle bundle;
        final byte[] address;
        final SessionPublication publication = new SessionPublication();
        final CountersFile counters = CountersFile.inMemory(64);
        final EndToEndSessions sessions;
        final List<byte[]> keysWanted = new ArrayList<>();
        final List<Object[]> leasesShown = new ArrayList<>();
        byte[] lease = new byte[0];

        Side(final Bundle bundle)
        {
            this.bundle = bundle;
            this.address = bundle.certificate().ringAddress();
            final Revocations revocations = new Revocations(bundle.trusted(), list -> { });
            final LinkSessions links = new LinkSessions(bundle, publication, (to, b, o, l) -> true, () -> nanos[0],
                () -> NOW_S + nanos[0] / 1_000_000_000L, EventLog.NONE, new SessionCounters(counters.manager()), revocations);
            sessions = new EndToEndSessions(links, new EndToEndSessions.Host()
            {
                @Override
                public void send(final byte[] to, final byte[] handshake)
                {
                    wire.add(new Object[] {address, to, handshake});
                }

                @Override
                public void keyWanted(final byte[] peer)
                {
                    keysWanted.add(peer);
                }

                @Override
                public byte[] ownLease()
                {
                    return lease;
                }

                @Override
                public void peerLease(final byte[] peer, final Certificate certificate, final byte[] proof)
                {
                    leasesShown.add(new Object[] {peer, certificate, proof});
                }
            }, counters.manager());
            sides.add(this);
        }

        /** @return the keypair this node seals with toward {@code peer}, as the data plane finds it. */
        Keypair sealingTo(final Side peer)
        {
            final Keypair k = publication.endToEnd().forEndpoint(SessionTable.addressKey(new UnsafeBuffer(peer.address), 0));
            return k != null && k.peerIs(new UnsafeBuffer(peer.address), 0) ? k : null;
        }

        Keypair opening(final int index)
        {
            return publication.endToEnd().byIndex(index);
        }

        void knows(final Side peer)
        {
            sessions.learnKey(peer.address, peer.bundle.certificate().publicKey());
        }

        long counter(final String name)
        {
            final long[] value = {-1};
            counters.manager().forEach((id, label) ->
            {
                if (label.equals(name))
                {
                    value[0] = counters.manager().getCounterValue(id);
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

    Side side(final String name, final int ip)
    {
        return new Side(ca.sign(name, Certificate.ADDRESS_IP, ip, 16, List.of(), false, 30, null, NOW_S - 100));
    }

    /** Delivers every queued handshake message to the node it was sent to (as from the node that sent it). */
    int deliver()
    {
        int n = 0;
        while (!wire.isEmpty())
        {
            final Object[] m = wire.poll();
            for (final Side s : sides)
            {
                if (java.util.Arrays.equals(s.address, (byte[])m[1]))
                {
                    s.sessions.onHandshake((byte[])m[0], (byte[])m[2]);
                    n++;
                }
            }
        }
        return n;
    }

    @Test
    void oneRoundTripGivesBothEndsMatchingKeysAndTheResponderSealsOnceUsed()
    {
        final Side a = side("a", IP_A);
        final Side b = side("b", IP_B);
        a.knows(b);
        a.sessions.want(b.address);
        assertEquals(2, deliver()); // IK: the first message and its answer
        final Keypair ka = a.sealingTo(b);
        assertNotNull(ka);
        assertEquals(IP_B, ka.peerIp());
        assertNull(b.sealingTo(a)); // not before the initiator used it (a replayed first message moves nothing)
        final Keypair kb = b.opening(ka.remoteIndex());
        assertNotNull(kb);
        assertEquals(IP_A, kb.peerIp());
        assertEquals(ka.localIndex(), kb.remoteIndex());
        b.sessions.onConfirmed(kb.localIndex()); // the data plane opened A's first packet
        assertSame(kb, b.sealingTo(a));
        assertEquals(1, a.counter("end_to_end_sessions"));
        assertEquals(1, b.counter("end_to_end_sessions"));
    }

    @Test
    void withoutAKeyTheKeyIsLookedUpAndAKeyForAnotherAddressIsNotTaken()
    {
        final Side a = side("a", IP_A);
        final Side b = side("b", IP_B);
        final Side c = side("c", 0x0A800013);
        a.sessions.learnKey(b.address, c.bundle.certificate().publicKey()); // a member naming the wrong key
        a.sessions.want(b.address);
        assertEquals(0, deliver());
        assertEquals(1, a.keysWanted.size());
        assertArrayEquals(b.address, a.keysWanted.get(0));
        assertEquals(1, a.counter("end_to_end_no_key"));
        a.knows(b);
        a.sessions.want(b.address);
        assertEquals(2, deliver());
        assertNotNull(a.sealingTo(b));
    }

    @Test
    void aHandshakeSpeakingForAnotherAddressIsRefused()
    {
        final Side a = side("a", IP_A);
        final Side b = side("b", IP_B);
        final Side c = side("c", 0x0A800013);
        a.knows(b);
        a.sessions.want(b.address);
        final Object[] first = wire.poll();
        // a transit node rewrites the routed source to C's address: B must not bind A's keys to C
        b.sessions.onHandshake(c.address, (byte[])first[2]);
        assertEquals(0, wire.size());
        assertEquals(1, b.counter("end_to_end_refused"));
        assertEquals(0, b.publication.endToEnd().keypairs());
        assertEquals(0, b.counter("end_to_end_sessions"));
    }

    @Test
    void bothEndsShowTheLeaseTheyHoldOnAPoolAddressAndOnlyThoseCertifiedForAPoolAreHeard()
    {
        final Side a = new Side(ca.sign("a", Certificate.ADDRESS_POOL, 0x0A800100, 24, List.of(), false, 30, null, NOW_S - 100));
        final Side b = side("b", IP_B);
        a.lease = new byte[] {1, 2, 3};
        b.lease = new byte[] {4, 5, 6}; // certified for one address: its lease proves nothing more
        a.knows(b);
        a.sessions.want(b.address);
        assertEquals(2, deliver());
        assertEquals(1, b.leasesShown.size());
        assertArrayEquals(a.address, (byte[])b.leasesShown.get(0)[0]);
        assertArrayEquals(a.bundle.certificate().encoded(), ((Certificate)b.leasesShown.get(0)[1]).encoded());
        assertArrayEquals(new byte[] {1, 2, 3}, (byte[])b.leasesShown.get(0)[2]);
        assertEquals(0, a.leasesShown.size());
    }

    @Test
    void theResponderReachesTheInitiatorLaterWithTheKeyItsCertificateProved()
    {
        final Side a = side("a", IP_A);
        final Side b = side("b", IP_B);
        a.knows(b); // b was never told a's key: it learns it from a's handshake
        a.sessions.want(b.address);
        assertEquals(2, deliver());
        nanos[0] += LinkSessions.REJECT_AFTER_NS + 1;
        a.sessions.tick();
        b.sessions.tick();
        assertNull(b.sealingTo(a));
        b.sessions.want(a.address);
        assertEquals(2, deliver());
        assertNotNull(b.sealingTo(a));
        assertEquals(0, b.keysWanted.size());
    }

    @Test
    void aReplayedFirstMessageIsNotAnswered()
    {
        final Side a = side("a", IP_A);
        final Side b = side("b", IP_B);
        a.knows(b);
        a.sessions.want(b.address);
        final Object[] first = wire.peek();
        assertEquals(2, deliver());
        nanos[0] += EndToEndSessions.FIRST_PER_SOURCE_NS; // not the rate limit: the timestamp stops it
        b.sessions.onHandshake((byte[])first[0], (byte[])first[2]);
        assertEquals(0, wire.size());
        assertEquals(1, b.counter("end_to_end_dropped"));
    }

    @Test
    void firstMessagesAreAnsweredAtABoundedRatePerSource() throws InterruptedException
    {
        final Side b = side("b", IP_B);
        final Bundle a = side("a", IP_A).bundle;
        final List<Object[]> firsts = new ArrayList<>();
        for (int i = 0; i < 3; i++)
        {
            final Side again = new Side(a); // the same member, each time with a newer first message
            again.knows(b);
            again.sessions.want(b.address);
            firsts.add(wire.poll());
            Thread.sleep(2);
        }
        b.sessions.onHandshake((byte[])firsts.get(0)[0], (byte[])firsts.get(0)[2]);
        nanos[0] += EndToEndSessions.FIRST_PER_SOURCE_NS / 2;
        b.sessions.onHandshake((byte[])firsts.get(1)[0], (byte[])firsts.get(1)[2]); // too soon: no handshake work
        nanos[0] += EndToEndSessions.FIRST_PER_SOURCE_NS;
        b.sessions.onHandshake((byte[])firsts.get(2)[0], (byte[])firsts.get(2)[2]);
        assertEquals(2, b.counter("end_to_end_completed"));
        assertEquals(1, b.counter("end_to_end_dropped"));
        assertEquals(2, wire.size());
    }

    @Test
    void aLostAnswerIsRetriedWithANewFirstMessageAndAnUnansweredOneGivesUp()
    {
        final Side a = side("a", IP_A);
        final Side b = side("b", IP_B);
        a.knows(b);
        a.sessions.want(b.address);
        wire.clear(); // lost
        nanos[0] += EndToEndSessions.RETRY_NS;
        a.sessions.tick();
        assertEquals(2, deliver());
        assertNotNull(a.sealingTo(b));
        final Side c = side("c", 0x0A800013);
        a.knows(c);
        sides.remove(c); // gone: nothing answers
        a.sessions.want(c.address);
        for (int i = 0; i < 12; i++)
        {
            nanos[0] += EndToEndSessions.RETRY_NS;
            a.sessions.tick();
        }
        final int sent = wire.size();
        assertTrue(sent >= 3 && sent <= 5, "first messages sent: " + sent);
        wire.clear();
        nanos[0] += 10 * EndToEndSessions.RETRY_NS;
        a.sessions.tick();
        assertEquals(0, wire.size());
    }

    @Test
    void sessionsRekeyWhileUsedAndExpireAfterThreeMinutes()
    {
        final Side a = side("a", IP_A);
        final Side b = side("b", IP_B);
        a.knows(b);
        a.sessions.want(b.address);
        deliver();
        final Keypair first = a.sealingTo(b);
        for (long t = 0; t < LinkSessions.REKEY_AFTER_NS + 2_000_000_000L; t += 1_000_000_000L)
        {
            nanos[0] += 1_000_000_000L;
            first.nextCounter(); // a packet a second
            a.sessions.tick();
            b.sessions.tick();
            deliver();
        }
        final Keypair second = a.sealingTo(b);
        assertNotNull(second);
        assertNotSame(first, second);
        assertNotNull(a.opening(first.localIndex())); // the old one still opens what is on the way
        nanos[0] += LinkSessions.REJECT_AFTER_NS;
        a.sessions.tick();
        assertNull(a.sealingTo(b));
        assertNull(a.opening(first.localIndex()));
    }
}

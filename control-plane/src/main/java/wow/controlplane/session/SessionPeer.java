package wow.controlplane.session;

import java.util.ArrayDeque;
import wow.controlplane.security.Certificate;
import wow.dataplane.crypto.Keypair;

/**
 * What {@link LinkSessions} knows of one underlay endpoint: up to three keypairs (the previous one,
 * kept to open what is still in flight; the current one, sealed with; the next one, which this
 * node made by rekeying and seals with once the peer used it), the handshake it runs toward it,
 * the datagrams waiting for a session, the peer's certificate, and when traffic last moved. Owned
 * by the conductor thread.
 */
final class SessionPeer
{
    long endpoint;
    Keypair previous;
    Keypair current;
    Keypair next;
    /** True if this node initiated the current keypair's handshake (the initiator rekeys). */
    boolean currentInitiated;
    /** The same of the next keypair. */
    boolean nextInitiated;
    Initiation initiation;
    Certificate certificate;
    final ArrayDeque<byte[]> queue = new ArrayDeque<>();
    long sentSeen;
    long receivedSeen = -1;
    long lastSentNs;
    long lastReceivedNs;
    long lastInitiatedNs;
    /** No handshake toward a peer that was refused is started before this time. */
    long refusedUntilNs;

    SessionPeer(final long endpoint, final long nowNs)
    {
        this.endpoint = endpoint;
        this.lastReceivedNs = nowNs;
        this.lastSentNs = nowNs;
    }

    boolean idle()
    {
        return previous == null && current == null && next == null && initiation == null && queue.isEmpty();
    }

    /** Frees its keypairs. @return true if it had any. */
    boolean dropKeypairs(final KeypairRegistry registry)
    {
        final boolean had = previous != null || current != null || next != null;
        registry.free(previous);
        registry.free(current);
        registry.free(next);
        previous = current = next = null;
        return had;
    }

    /**
     * Notes whether traffic moved since the last look (the send counters and replay windows of its
     * keypairs), and drops keypairs older than {@code rejectAfterNs}.
     *
     * @return true if a keypair was dropped.
     */
    boolean expire(final long now, final long rejectAfterNs, final KeypairRegistry registry)
    {
        long sent = 0;
        long received = 0;
        boolean changed = false;
        for (final Keypair k : new Keypair[] {previous, current, next})
        {
            if (k != null)
            {
                sent += k.sent();
                received += k.window().highest() + 1; // each only grows: a change in the sum is traffic
            }
        }
        if (sent != sentSeen)
        {
            sentSeen = sent;
            lastSentNs = now;
        }
        if (received != receivedSeen)
        {
            receivedSeen = received;
            lastReceivedNs = now;
        }
        if (previous != null && now - previous.createdNs() > rejectAfterNs)
        {
            registry.free(previous);
            previous = null;
            changed = true;
        }
        if (current != null && now - current.createdNs() > rejectAfterNs)
        {
            registry.free(current);
            current = null;
            changed = true;
        }
        if (next != null && now - next.createdNs() > rejectAfterNs)
        {
            registry.free(next);
            next = null;
            changed = true;
        }
        return changed;
    }

    /** One handshake this node started: Noise state, its index, the first message and its retries. */
    static final class Initiation
    {
        final NoiseHandshake noise;
        /** An IK handshake (the peer's key was known), else XX. */
        final boolean ik;
        final int localIndex;
        final byte[] first;
        final long startedNs;
        long nextSendNs;
        long backoffNs;

        Initiation(final NoiseHandshake noise, final boolean ik, final int localIndex, final byte[] first,
            final long startedNs, final long backoffNs)
        {
            this.noise = noise;
            this.ik = ik;
            this.localIndex = localIndex;
            this.first = first;
            this.startedNs = startedNs;
            this.backoffNs = backoffNs;
            this.nextSendNs = startedNs + backoffNs;
        }
    }

    /** One handshake a peer started, answered, waiting for its third message. */
    record Response(long endpoint, NoiseHandshake noise, int localIndex, int remoteIndex, long createdNs)
    {
    }
}

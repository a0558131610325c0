package wow.controlplane.session;

import wow.controlplane.LruMap;
import java.security.GeneralSecurityException;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import wow.controlplane.EventLog;
import wow.dataplane.crypto.Keypair;
import wow.dataplane.transport.Endpoints;

/**
 * The responder's side of the handshakes peers start: answers a first message (whose network MAC
 * its caller checked) with the second, remembers the answer for {@link #RESPONSE_TIMEOUT_NS} (at
 * most {@link #MAX_RESPONSES}, the oldest forgotten first), and turns a matching, authentic third
 * message from a member in good standing into a keypair it hands to {@link LinkSessions}. Owned
 * by the conductor thread.
 */
final class Responder
{
    static final long RESPONSE_TIMEOUT_NS = 10_000_000_000L;
    static final int MAX_RESPONSES = 1024;
    static final int MAX_TIMESTAMPS = 4096;

    /** What the responder needs from its sessions. */
    interface Host
    {
        /** A handshake a peer started completed: its keypair and payload; {@code ik} if it was an IK one. */
        void completed(long endpoint, Keypair keypair, Payload payload, boolean ik);

        /** Sends a handshake datagram as it is. */
        void send(long endpoint, byte[] datagram);
    }

    private final Membership membership;
    private final KeypairRegistry registry;
    private final SessionCounters counters;
    private final EventLog log;
    private final Host host;
    private final Map<Integer, SessionPeer.Response> responses = new LinkedHashMap<>();
    /** The newest IK timestamp taken from each initiator's key, the least recently used forgotten first. */
    private final Map<String, Long> timestamps = new LruMap<>(MAX_TIMESTAMPS);

    Responder(final Membership membership, final KeypairRegistry registry, final SessionCounters counters, final EventLog log,
        final Host host)
    {
        this.membership = membership;
        this.registry = registry;
        this.counters = counters;
        this.log = log;
        this.host = host;
    }

    /** Answers a first message, unless the answer would be larger than it (no amplification). */
    void first(final long endpoint, final HandshakeMessage m, final int receivedLength, final long now)
    {
        if (responses.size() >= MAX_RESPONSES)
        {
            final Iterator<SessionPeer.Response> oldest = responses.values().iterator();
            oldest.next();
            oldest.remove();
        }
        final NoiseHandshake noise = new NoiseHandshake(false, membership.privateKey(), LinkSessions.PROLOGUE);
        final byte[] second;
        int index = registry.newIndex();
        while (responses.containsKey(index))
        {
            index = registry.newIndex();
        }
        try
        {
            noise.read(m.noise());
            second = new HandshakeMessage(HandshakeMessage.XX_SECOND, index, m.senderIndex(), noise.write(membership.payload()))
                .encode();
        }
        catch (final GeneralSecurityException ex)
        {
            counters.dropped.increment();
            return;
        }
        if (second.length > receivedLength)
        {
            counters.dropped.increment(); // never answer an unauthenticated address with more than it sent
            return;
        }
        responses.put(index, new SessionPeer.Response(endpoint, noise, index, m.senderIndex(), now));
        host.send(endpoint, second);
    }

    /** Completes a handshake with its third message, if it matches an answer and its sender is a member. */
    void third(final long endpoint, final HandshakeMessage m, final long now)
    {
        final SessionPeer.Response r = responses.remove(m.receiverIndex());
        if (r == null || r.endpoint() != endpoint || r.remoteIndex() != m.senderIndex())
        {
            counters.dropped.increment();
            return;
        }
        final Payload payload;
        try
        {
            payload = Payload.decode(r.noise().read(m.noise()));
        }
        catch (final GeneralSecurityException ex)
        {
            counters.dropped.increment();
            return;
        }
        final String problem = membership.problem(payload, r.noise().remoteStatic());
        if (problem != null)
        {
            counters.refused.increment();
            log.event("handshake_refused", "endpoint=" + Endpoints.toString(endpoint) + " reason=\"" + problem + "\"");
            return;
        }
        final Keypair keypair = registry.keypair(r.localIndex(), r.remoteIndex(), r.noise().split(), now);
        if (keypair == null)
        {
            counters.refused.increment();
            return;
        }
        host.completed(endpoint, keypair, payload, false);
    }

    /**
     * Answers an IK first message — only if its sender is a member in good standing and the
     * message is newer than any this node took from that key (not a replay) — and completes the
     * handshake at once: the keypair is installed before the answer leaves.
     */
    void firstIk(final long endpoint, final HandshakeMessage m, final int receivedLength, final long now)
    {
        final NoiseHandshake noise = NoiseHandshake.ik(false, membership.privateKey(), LinkSessions.PROLOGUE, null);
        final Payload payload;
        try
        {
            payload = Payload.decode(noise.read(m.noise()));
        }
        catch (final GeneralSecurityException ex)
        {
            counters.dropped.increment(); // not for this node's key (it has a new one: the initiator falls back to XX)
            return;
        }
        final String problem = membership.problem(payload, noise.remoteStatic());
        if (problem != null)
        {
            counters.refused.increment(); // and not a word back
            log.event("handshake_refused", "endpoint=" + Endpoints.toString(endpoint) + " reason=\"" + problem + "\"");
            return;
        }
        final String initiator = HexFormat.of().formatHex(noise.remoteStatic());
        final Long last = timestamps.get(initiator);
        if (last != null && payload.timestamp() <= last)
        {
            counters.dropped.increment(); // a replayed first message
            return;
        }
        int index = registry.newIndex();
        while (responses.containsKey(index))
        {
            index = registry.newIndex();
        }
        final byte[] second;
        try
        {
            second = new HandshakeMessage(HandshakeMessage.IK_SECOND, index, m.senderIndex(), noise.write(membership.payload()))
                .encode();
        }
        catch (final GeneralSecurityException ex)
        {
            counters.dropped.increment();
            return;
        }
        if (second.length > receivedLength)
        {
            counters.dropped.increment();
            return;
        }
        final Keypair keypair = registry.keypair(index, m.senderIndex(), noise.split(), now);
        if (keypair == null)
        {
            counters.refused.increment();
            return;
        }
        timestamps.put(initiator, payload.timestamp());
        host.completed(endpoint, keypair, payload, true);
        host.send(endpoint, second);
    }

    /** Forgets answers whose third message did not come in time. */
    void expire(final long now)
    {
        responses.values().removeIf(r -> now - r.createdNs() > RESPONSE_TIMEOUT_NS);
    }
}

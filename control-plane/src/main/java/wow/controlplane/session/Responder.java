package wow.controlplane.session;

import java.security.GeneralSecurityException;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import wow.controlplane.EventLog;
import wow.controlplane.security.Bundle;
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

    /** What the responder needs from its sessions. */
    interface Host
    {
        /** @return this node's encrypted handshake payload. */
        byte[] payload();

        /** @return why a peer's payload and proven key are refused, or null. */
        String problem(Payload payload, byte[] remoteStatic);

        /** A handshake a peer started completed: its keypair and payload. */
        void completed(long endpoint, Keypair keypair, Payload payload);

        /** Sends a handshake datagram as it is. */
        void send(long endpoint, byte[] datagram);
    }

    private final Bundle bundle;
    private final KeypairRegistry registry;
    private final SessionCounters counters;
    private final EventLog log;
    private final Host host;
    private final Map<Integer, SessionPeer.Response> responses = new LinkedHashMap<>();

    Responder(final Bundle bundle, final KeypairRegistry registry, final SessionCounters counters, final EventLog log,
        final Host host)
    {
        this.bundle = bundle;
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
        final NoiseHandshake noise = new NoiseHandshake(false, bundle.privateKey(), LinkSessions.PROLOGUE);
        final byte[] second;
        int index = registry.newIndex();
        while (responses.containsKey(index))
        {
            index = registry.newIndex();
        }
        try
        {
            noise.read(m.noise());
            second = new HandshakeMessage(2, index, m.senderIndex(), noise.write(host.payload())).encode();
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
        final String problem = host.problem(payload, r.noise().remoteStatic());
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
        host.completed(endpoint, keypair, payload);
    }

    /** Forgets answers whose third message did not come in time. */
    void expire(final long now)
    {
        responses.values().removeIf(r -> now - r.createdNs() > RESPONSE_TIMEOUT_NS);
    }
}

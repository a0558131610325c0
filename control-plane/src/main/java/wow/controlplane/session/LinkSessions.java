package wow.controlplane.session;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;
import org.agrona.DirectBuffer;
import org.agrona.collections.Int2ObjectHashMap;
import org.agrona.collections.Long2ObjectHashMap;
import org.agrona.concurrent.NanoClock;
import org.agrona.concurrent.UnsafeBuffer;
import wow.controlplane.EventLog;
import wow.controlplane.security.Bundle;
import wow.controlplane.security.Certificate;
import wow.controlplane.security.RevocationList;
import wow.dataplane.ControlMessages;
import wow.dataplane.crypto.Keypair;
import wow.dataplane.crypto.SessionPublication;
import wow.dataplane.transport.Endpoints;

/**
 * The sessions of a secure node, one per underlay endpoint it talks to: every datagram the
 * conductor sends goes through {@link #send}, which hands it to the data plane (to be sealed)
 * when the endpoint has a session, else queues it (bounded) and starts a Noise XX handshake;
 * handshakes are answered, checked (the peer's certificate must come from a trusted CA, be valid,
 * unrevoked, and certify the static key the handshake proved) and turned into {@link Keypair}s
 * published to the queues. WireGuard's timers: the initiator rekeys after
 * {@link #REKEY_AFTER_NS}, keypairs are dropped after {@link #REJECT_AFTER_NS}, a rekeyed keypair
 * is sealed with once the peer used it (no loss at the switch), a session that sends but hears
 * nothing for {@link #STALE_NS} handshakes again. Nothing is ever sent to a peer that failed to
 * authenticate. Owned by the conductor thread.
 */
public final class LinkSessions
{
    public static final long REKEY_AFTER_NS = 120_000_000_000L;
    public static final long REJECT_AFTER_NS = 180_000_000_000L;
    public static final long STALE_NS = 15_000_000_000L;
    static final long FIRST_RETRY_NS = 1_000_000_000L;
    static final long MAX_RETRY_NS = 8_000_000_000L;
    static final long GIVE_UP_NS = 30_000_000_000L;
    static final long CONFIRM_TIMEOUT_NS = 5_000_000_000L;
    static final long REFUSED_BACKOFF_NS = 30_000_000_000L;
    static final int MAX_QUEUED = 64;
    static final int MAX_PEERS = 4096;
    static final byte[] PROLOGUE = "WOW link v1".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] EMPTY = new byte[0];

    /** Hands a datagram to the data plane (handshakes pass as they are; the rest is sealed there). */
    @FunctionalInterface
    public interface Wire
    {
        /** @return false if it could not be queued (the caller's timers retry). */
        boolean send(long endpoint, DirectBuffer datagram, int offset, int length);
    }

    private final Bundle bundle;
    final SessionPublication publication;
    private final Wire wire;
    final NanoClock clock;
    private final LongSupplier epochSeconds;
    final EventLog log;
    private final SessionCounters counters;
    private final Long2ObjectHashMap<SessionPeer> peers = new Long2ObjectHashMap<>();
    private final Int2ObjectHashMap<SessionPeer.Initiation> initiations = new Int2ObjectHashMap<>();
    private final Responder responder;
    private final KeypairRegistry registry = new KeypairRegistry();
    final Membership membership;
    private final UnsafeBuffer out = new UnsafeBuffer(EMPTY);
    private final Revocations revocations;
    private final CertificateWatch expiry;
    private final KeyHints hints = new KeyHints();

    /** @param revocations the lists peers are checked against, which this node takes and passes on. */
    public LinkSessions(final Bundle bundle, final SessionPublication publication, final Wire wire, final NanoClock clock,
        final LongSupplier epochSeconds, final EventLog log, final SessionCounters counters, final Revocations revocations)
    {
        this.revocations = revocations;
        this.expiry = new CertificateWatch(bundle.certificate(), epochSeconds, counters, log);
        this.bundle = bundle;
        this.publication = publication;
        this.wire = wire;
        this.clock = clock;
        this.epochSeconds = epochSeconds;
        this.log = log;
        this.counters = counters;
        this.membership = new Membership(bundle, revocations, epochSeconds);
        this.responder = new Responder(membership, registry, counters, log, new Responder.Host()
        {
            @Override
            public void completed(final long endpoint, final Keypair keypair, final Payload payload, final boolean ik)
            {
                LinkSessions.this.completed(endpoint, keypair, payload, ik);
            }

            @Override
            public void send(final long endpoint, final byte[] datagram)
            {
                sendRaw(endpoint, datagram);
            }
        });
    }

    /**
     * Sends a datagram to an endpoint over its session, or queues it and sets a session up.
     *
     * @return false if it was dropped (queue full, too many peers) and counted.
     */
    public boolean send(final long endpoint, final DirectBuffer datagram, final int offset, final int length)
    {
        final long now = clock.nanoTime();
        SessionPeer peer = peers.get(endpoint);
        if (peer != null && peer.current != null)
        {
            return wire.send(endpoint, datagram, offset, length);
        }
        if (peer == null)
        {
            if (peers.size() >= MAX_PEERS)
            {
                counters.queueDropped.increment();
                return false;
            }
            peer = new SessionPeer(endpoint, now);
            peers.put(endpoint, peer);
        }
        if (peer.queue.size() >= MAX_QUEUED)
        {
            counters.queueDropped.increment();
            return false;
        }
        final byte[] copy = new byte[length];
        datagram.getBytes(offset, copy);
        peer.queue.add(copy);
        if (peer.initiation == null && now - peer.refusedUntilNs >= 0)
        {
            initiate(peer, now, true, now);
        }
        return true;
    }

    /**
     * Handles what the data plane hands up about sessions: handshakes, a keypair's first datagram, a
     * session's peer at a new endpoint.
     *
     * @return false if the frame is of another type (the caller handles it).
     */
    public boolean onUp(final int type, final DirectBuffer buffer, final int index, final int length)
    {
        final long endpoint = buffer.getLong(index + ControlMessages.ENDPOINT_OFFSET);
        final int session = buffer.getInt(index + ControlMessages.SESSION_OFFSET);
        switch (type)
        {
            case ControlMessages.UP_HANDSHAKE -> onHandshake(endpoint, buffer, index + ControlMessages.UP_DATAGRAM_OFFSET,
                length - ControlMessages.UP_DATAGRAM_OFFSET);
            case ControlMessages.UP_SESSION_CONFIRMED -> onConfirmed(session);
            case ControlMessages.UP_SESSION_MOVED -> onMoved(session, endpoint);
            case ControlMessages.UP_SESSION_MESSAGE ->
                onSessionMessage(endpoint, buffer, index + ControlMessages.UP_DATAGRAM_OFFSET,
                    length - ControlMessages.UP_DATAGRAM_OFFSET);
            default ->
            {
                return false;
            }
        }
        return true;
    }

    /** Handles a handshake datagram the data plane handed up. */
    public void onHandshake(final long endpoint, final DirectBuffer buffer, final int offset, final int length)
    {
        final HandshakeMessage m = HandshakeMessage.decode(buffer, offset, length);
        if (m == null)
        {
            counters.dropped.increment();
            return;
        }
        final long now = clock.nanoTime();
        if (m.first())
        {
            if (!membership.macValid(m, buffer, offset))
            {
                counters.dropped.increment(); // a stranger, or another network: not a word back
            }
            else if (m.number() == HandshakeMessage.IK_FIRST)
            {
                responder.firstIk(endpoint, m, length, now);
            }
            else
            {
                responder.first(endpoint, m, length, now);
            }
            return;
        }
        if (m.number() == HandshakeMessage.XX_THIRD)
        {
            responder.third(endpoint, m, now);
        }
        else
        {
            onSecond(endpoint, m, now);
        }
    }

    /** The data plane saw the first datagram of one of this node's keypairs: the peer has it. */
    public void onConfirmed(final int localIndex)
    {
        final SessionPeer peer = registry.peer(localIndex);
        if (peer != null && peer.next != null && peer.next.localIndex() == localIndex)
        {
            if (peer.current != null)
            {
                counters.rekeyed.increment();
            }
            registry.free(peer.previous);
            peer.previous = peer.current;
            peer.current = peer.next;
            peer.next = null;
            peer.currentInitiated = peer.nextInitiated;
            publish();
            flush(peer);
        }
    }

    /**
     * An authenticated datagram of a session came from a new endpoint: the peer moved (roaming, NAT
     * rebinding), and its session follows.
     *
     * @return the endpoint it moved from, or 0 if nothing changed.
     */
    public long onMoved(final int localIndex, final long endpoint)
    {
        final SessionPeer peer = registry.peer(localIndex);
        if (peer == null || peer.endpoint == endpoint)
        {
            return 0;
        }
        final long from = peer.endpoint;
        final SessionPeer stale = peers.remove(endpoint);
        if (stale != null)
        {
            forget(stale);
        }
        peers.remove(from);
        peer.endpoint = endpoint;
        peers.put(endpoint, peer);
        publish();
        log.event("session_moved", "from=" + Endpoints.toString(from) + " to=" + Endpoints.toString(endpoint));
        return from;
    }

    /** Forgets an endpoint's keypairs (its link timed out: the peer may have restarted); the next send handshakes. */
    public void reset(final long endpoint)
    {
        final SessionPeer peer = peers.get(endpoint);
        if (peer != null && peer.dropKeypairs(registry))
        {
            publish();
        }
    }

    /** Runs the timers: handshake retries, rekeys, expiry, stale sessions. */
    public void tick()
    {
        final long now = clock.nanoTime();
        boolean changed = false;
        responder.expire(now);
        for (RevocationList offered = revocations.pollOffered(); offered != null; offered = revocations.pollOffered())
        {
            adopt(offered, 0);
        }
        expiry.tick(now);
        final List<SessionPeer> all = new ArrayList<>(peers.values());
        for (final SessionPeer peer : all)
        {
            changed |= peer.expire(now, REJECT_AFTER_NS, registry);
            final SessionPeer.Initiation init = peer.initiation;
            if (init != null)
            {
                if (now - init.startedNs > GIVE_UP_NS)
                {
                    abandon(peer, "timeout");
                }
                else if (now - init.nextSendNs >= 0 && init.ik)
                {
                    // no answer to IK: the peer may have a new key now (or the hint was wrong); XX learns it
                    hints.forget(peer.endpoint);
                    dropInitiation(peer);
                    initiate(peer, now, false, init.startedNs);
                }
                else if (now - init.nextSendNs >= 0)
                {
                    init.backoffNs = Math.min(MAX_RETRY_NS, init.backoffNs * 2);
                    init.nextSendNs = now + init.backoffNs;
                    sendRaw(peer.endpoint, init.first);
                }
            }
            else if (peer.next != null && peer.nextInitiated && now - peer.next.createdNs() > CONFIRM_TIMEOUT_NS)
            {
                // an XX responder confirms at once: the third message or its answer was lost, start again
                // (an IK responder's next keypair waits for the initiator's traffic, which seals with it already)
                registry.free(peer.next);
                peer.next = null;
                changed = true;
                initiate(peer, now, true, now);
            }
            else if (peer.current != null && now - peer.refusedUntilNs >= 0)
            {
                final long age = now - peer.current.createdNs();
                final boolean stale = now - peer.lastSentNs < 2_000_000_000L && now - peer.lastReceivedNs > STALE_NS &&
                    now - peer.lastInitiatedNs > STALE_NS;
                if ((peer.currentInitiated && age > REKEY_AFTER_NS) || age > REKEY_AFTER_NS + 30_000_000_000L || stale)
                {
                    initiate(peer, now, true, now);
                }
            }
            if (peer.idle())
            {
                peers.remove(peer.endpoint);
            }
        }
        if (changed)
        {
            publish();
        }
    }

    /**
     * Starts a handshake: IK when the peer's key is known from an earlier session or a member named
     * it (one round trip, and a responder that refuses us says nothing), XX otherwise.
     */
    private void initiate(final SessionPeer peer, final long now, final boolean allowIk, final long startedNs)
    {
        final int index = registry.newIndex();
        final byte[] known = peer.certificate != null ? peer.certificate.publicKey() : hints.get(peer.endpoint);
        final boolean ik = allowIk && known != null;
        final NoiseHandshake noise = ik ? NoiseHandshake.ik(true, membership.privateKey(), PROLOGUE, known) :
            new NoiseHandshake(true, membership.privateKey(), PROLOGUE);
        final byte[] first;
        try
        {
            first = new HandshakeMessage(ik ? HandshakeMessage.IK_FIRST : HandshakeMessage.XX_FIRST, index, 0,
                noise.write(ik ? membership.payload() : EMPTY)).encode(membership.ownMacKey());
        }
        catch (final GeneralSecurityException ex)
        {
            throw new IllegalStateException("cannot start a handshake", ex); // a certified key is never a low-order point
        }
        final SessionPeer.Initiation init = new SessionPeer.Initiation(noise, ik, index, first, startedNs, FIRST_RETRY_NS);
        init.nextSendNs = now + FIRST_RETRY_NS;
        peer.initiation = init;
        peer.lastInitiatedNs = now;
        initiations.put(index, init);
        registry.bind(index, peer);
        counters.initiated(ik);
        sendRaw(peer.endpoint, first);
    }

    private void onSecond(final long endpoint, final HandshakeMessage m, final long now)
    {
        final SessionPeer.Initiation init = initiations.get(m.receiverIndex());
        final SessionPeer peer = init == null ? null : registry.peer(init.localIndex);
        if (peer == null || peer.endpoint != endpoint || init.ik != (m.number() == HandshakeMessage.IK_SECOND))
        {
            counters.dropped.increment();
            return;
        }
        final Payload payload;
        final byte[] third;
        try
        {
            payload = Payload.decode(init.noise.read(m.noise()));
            final String problem = membership.problem(payload, init.noise.remoteStatic());
            if (problem != null)
            {
                refuse(peer, problem, now);
                return;
            }
            third = init.ik ? null : new HandshakeMessage(HandshakeMessage.XX_THIRD, init.localIndex, m.senderIndex(),
                init.noise.write(membership.payload())).encode();
        }
        catch (final GeneralSecurityException ex)
        {
            // not from the peer we wrote to (or damaged): this handshake's state is spent, start again
            counters.dropped.increment();
            dropInitiation(peer);
            initiate(peer, now, false, now);
            return;
        }
        final Keypair keypair = registry.keypair(init.localIndex, m.senderIndex(), init.noise.split(), now);
        dropInitiation(peer);
        if (keypair == null)
        {
            abandon(peer, "too many sessions");
            return;
        }
        if (third != null)
        {
            sendRaw(endpoint, third);
        }
        // XX: sealed with once the peer used it (before it read the third message it could open
        // nothing); IK: the responder installed it before it answered
        install(peer, keypair, true, third != null, payload);
    }

    /**
     * A handshake a peer started completed. XX: the keypair is sealed with at once and confirmed
     * with an empty datagram; IK: only once the initiator used it (a replayed first message must
     * not move this node to keys nobody holds).
     */
    private void completed(final long endpoint, final Keypair keypair, final Payload payload, final boolean ik)
    {
        SessionPeer peer = peers.get(endpoint);
        if (peer == null)
        {
            peer = new SessionPeer(endpoint, clock.nanoTime());
            peers.put(endpoint, peer);
        }
        install(peer, keypair, false, ik, payload);
        if (!ik)
        {
            wire.send(endpoint, out, 0, 0); // an empty sealed datagram: the initiator may seal with it now
        }
    }

    /** @param untilUsed seal with the keypair only once a datagram of the peer's confirmed it. */
    private void install(final SessionPeer peer, final Keypair keypair, final boolean initiated, final boolean untilUsed,
        final Payload payload)
    {
        keypair.endpoint(peer.endpoint);
        keypair.inheritControlBudget(peer.current); // a handshake does not refill the peer's control budget
        peer.certificate = payload.certificate();
        registry.bind(keypair.localIndex(), peer);
        if (untilUsed)
        {
            registry.free(peer.next);
            peer.next = keypair;
            peer.nextInitiated = initiated;
        }
        else
        {
            registry.free(peer.previous);
            peer.previous = peer.current;
            peer.current = keypair;
            peer.currentInitiated = initiated;
        }
        counters.completed.increment();
        publish();
        flush(peer);
        if (payload.revocationVersion() < revocations.version())
        {
            revocations.all().forEach(list -> sendList(peer.endpoint, list)); // a member that missed a list learns it now
        }
    }

    /** A revocation list from a member (the only SESSION message there is). */
    private void onSessionMessage(final long endpoint, final DirectBuffer buffer, final int offset, final int length)
    {
        final RevocationList list = Revocations.parse(buffer, offset, length);
        if (list == null)
        {
            counters.dropped.increment();
            return;
        }
        adopt(list, endpoint);
    }

    /**
     * Takes a newer list a trusted CA signed (from a member, or the operator: {@code from} 0), cuts
     * off every peer it revokes at once, and passes it on to every other peer with a session.
     */
    private void adopt(final RevocationList list, final long from)
    {
        if (!revocations.take(list, true))
        {
            return;
        }
        log.event("revocation_list", "version=" + list.version() + " serials=" + list.serials().length + " from=" +
            (from == 0 ? "operator" : Endpoints.toString(from)));
        if (list.revokes(bundle.certificate()))
        {
            log.event("certificate_revoked", "name=" + bundle.certificate().name() + " warning=\"members refuse this node\"");
        }
        final long now = clock.nanoTime();
        for (final SessionPeer peer : new ArrayList<>(peers.values()))
        {
            if (peer.certificate != null && list.revokes(peer.certificate))
            {
                log.event("session_revoked", "endpoint=" + Endpoints.toString(peer.endpoint) + " name=" +
                    peer.certificate.name());
                forget(peer);
                peer.certificate = null;
                peer.queue.clear();
                peer.refusedUntilNs = now + REFUSED_BACKOFF_NS;
            }
            else if (peer.current != null && peer.endpoint != from)
            {
                sendList(peer.endpoint, list);
            }
        }
        publish();
    }

    private void sendList(final long endpoint, final RevocationList list)
    {
        final UnsafeBuffer datagram = new UnsafeBuffer(Revocations.datagram(list));
        send(endpoint, datagram, 0, datagram.capacity());
    }

    /** Sends what waited for the session, once it has a keypair to seal with. */
    private void flush(final SessionPeer peer)
    {
        if (peer.current != null)
        {
            while (!peer.queue.isEmpty())
            {
                final byte[] queued = peer.queue.poll();
                out.wrap(queued);
                wire.send(peer.endpoint, out, 0, queued.length);
            }
            out.wrap(EMPTY);
        }
    }

    private void refuse(final SessionPeer peer, final String problem, final long now)
    {
        counters.refused.increment();
        log.event("handshake_refused", "endpoint=" + Endpoints.toString(peer.endpoint) + " reason=\"" + problem + "\"");
        peer.refusedUntilNs = now + REFUSED_BACKOFF_NS;
        dropInitiation(peer);
        counters.queueDropped.getAndAdd(peer.queue.size());
        peer.queue.clear();
    }

    private void abandon(final SessionPeer peer, final String why)
    {
        counters.timeouts.increment();
        log.event("handshake_failed", "endpoint=" + Endpoints.toString(peer.endpoint) + " reason=" + why);
        dropInitiation(peer);
        counters.queueDropped.getAndAdd(peer.queue.size());
        peer.queue.clear();
    }

    private void dropInitiation(final SessionPeer peer)
    {
        if (peer.initiation != null)
        {
            initiations.remove(peer.initiation.localIndex);
            registry.unbind(peer.initiation.localIndex);
            peer.initiation.noise.destroy();
            peer.initiation = null;
        }
    }

    private void forget(final SessionPeer peer)
    {
        dropInitiation(peer);
        peer.dropKeypairs(registry);
    }

    private void sendRaw(final long endpoint, final byte[] datagram)
    {
        out.wrap(datagram);
        wire.send(endpoint, out, 0, datagram.length);
        out.wrap(EMPTY);
    }

    private void publish()
    {
        counters.sessions.setOrdered(registry.publish(peers.values(), publication));
    }

    /** A member named the key of the node at {@code address} for an endpoint: first handshakes there are IK. */
    public void hint(final long endpoint, final byte[] address, final byte[] key)
    {
        hints.offer(endpoint, address, key);
    }

    /** @return this node's own certificate. */
    public Certificate ownCertificate()
    {
        return bundle.certificate();
    }

    /** @return the certificate of the peer a session index of this node's belongs to, or null. */
    public Certificate certificateOf(final int localIndex)
    {
        final SessionPeer peer = registry.peer(localIndex);
        return peer == null ? null : peer.certificate;
    }

    /** @return the certificate of the peer at this endpoint, or null if none authenticated there. */
    public Certificate certificate(final long endpoint)
    {
        final SessionPeer peer = peers.get(endpoint);
        return peer == null || peer.current == null ? null : peer.certificate;
    }
}

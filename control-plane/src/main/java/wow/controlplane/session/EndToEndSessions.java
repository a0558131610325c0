package wow.controlplane.session;

import wow.controlplane.LruMap;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import org.agrona.collections.Int2ObjectHashMap;
import org.agrona.collections.Long2ObjectHashMap;
import org.agrona.concurrent.NanoClock;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersManager;
import wow.controlplane.EventLog;
import wow.controlplane.security.Certificate;
import wow.dataplane.crypto.Keypair;
import wow.dataplane.crypto.SessionPublication;
import wow.dataplane.crypto.SessionTable;
import wow.dataplane.status.CounterTypes;

/**
 * The end-to-end sessions of a secure node: one per node it routes IPv4 packets to (or from) over
 * other nodes, so that transit nodes and relays carry what they cannot read or alter. A session
 * is a Noise IK handshake routed over the overlay ({@code Noise_IK_25519_AESGCM_SHA256}, its own
 * prologue), toward the static key the peer's ring address is bound to (learnt from its lease's
 * certificate or a member's neighbour list, and taken only if the address is that key's); the
 * payloads carry both certificates, checked as a link handshake's are, and the responder's must be
 * the certificate of the address the packets go to, the initiator's that of the address the
 * handshake came from. The keypairs are published to the queues by the peer's ring address; the
 * responder seals with its keypair once the initiator used it (a replayed first message moves
 * nothing). WireGuard's timers as {@link LinkSessions}: rekey after two minutes of use, keypairs
 * gone after three. The data plane asks for a session when it has a packet to route and none; a
 * peer without a known key gets its key looked up ({@link Host#keyWanted}). Owned by the conductor
 * thread.
 */
public final class EndToEndSessions
{
    static final byte[] PROLOGUE = "WOW end-to-end v1".getBytes(StandardCharsets.US_ASCII);
    static final long RETRY_NS = 1_000_000_000L;
    static final long GIVE_UP_NS = 8_000_000_000L;
    static final long CONFIRM_TIMEOUT_NS = 5_000_000_000L;
    static final long RECHECK_NS = 10_000_000_000L;
    static final int MAX_PEERS = 2048;
    static final int MAX_KEYS = 8192;
    /** First messages answered per source, at most one per this interval; and in all, per second. */
    static final long FIRST_PER_SOURCE_NS = 100_000_000L;
    static final int FIRSTS_PER_SECOND = 200;
    private static final int KEY_LENGTH = 32;

    /** What the sessions need from the node. */
    public interface Host
    {
        /** Routes a handshake message to the node with this ring address. */
        void send(byte[] address, byte[] handshake);

        /** No key is known for the node at this address: look it up (its lease carries its certificate). */
        void keyWanted(byte[] address);

        /** @return this node's lease on a pool address, signed, without its certificate; empty if none. */
        byte[] ownLease();

        /**
         * The peer at {@code address}, certified by {@code certificate} for a pool, says it holds this
         * lease (its signed operation without the certificate): look the address up before its packets come.
         */
        void peerLease(byte[] address, Certificate certificate, byte[] lease);
    }

    private final Membership membership;
    private final SessionPublication publication;
    private final Host host;
    private final NanoClock clock;
    private final EventLog log;
    private final Map<String, EndToEndPeer> peers = new HashMap<>();
    private final Int2ObjectHashMap<EndToEndPeer> byIndex = new Int2ObjectHashMap<>();
    private final BitSet slots = new BitSet(SessionTable.MAX_KEYPAIRS);
    private final Map<String, byte[]> keys = lru(MAX_KEYS);
    private final Map<String, Long> timestamps = lru(MAX_KEYS);
    private final Map<String, Long> lastFirst = lru(MAX_KEYS);
    private long firstsSecondNs;
    private int firstsThisSecond;
    private final AtomicCounter initiated;
    private final AtomicCounter completed;
    private final AtomicCounter refused;
    private final AtomicCounter dropped;
    private final AtomicCounter noKey;
    private final AtomicCounter established;
    private long lastRecheckNs;

    /** @param links the node's link sessions, whose certificate, trust, revocations, clock and publication these share. */
    public EndToEndSessions(final LinkSessions links, final Host host, final CountersManager counters)
    {
        this.membership = links.membership;
        this.publication = links.publication;
        this.host = host;
        this.clock = links.clock;
        this.log = links.log;
        this.initiated = counter(counters, "end_to_end_initiated");
        this.completed = counter(counters, "end_to_end_completed");
        this.refused = counter(counters, "end_to_end_refused");
        this.dropped = counter(counters, "end_to_end_dropped");
        this.noKey = counter(counters, "end_to_end_no_key");
        this.established = counters.newCounter("end_to_end_sessions", CounterTypes.GAUGE, key -> key.putInt(0, -1));
    }

    /**
     * Learns the static key of the node at a ring address, if that address is the key's (anyone may
     * name a key: a wrong one is refused here, not trusted).
     */
    public void learnKey(final byte[] address, final byte[] key)
    {
        if (key != null && key.length == KEY_LENGTH && address.length == Keypair.ADDRESS_LENGTH &&
            MessageDigest.isEqual(Certificate.ringAddressOf(key), address))
        {
            keys.put(HexFormat.of().formatHex(address), key.clone());
        }
    }

    /** The data plane has packets for the node at {@code address} and no session with it: set one up. */
    public void want(final byte[] address)
    {
        if (address.length != Keypair.ADDRESS_LENGTH)
        {
            return;
        }
        final long now = clock.nanoTime();
        final EndToEndPeer peer = peer(address, now);
        if (peer == null)
        {
            return;
        }
        peer.lastWantedNs = now;
        final boolean awaitingConfirmation = peer.next != null && now - peer.next.createdNs() < CONFIRM_TIMEOUT_NS;
        if (peer.current == null && peer.noise == null && !awaitingConfirmation)
        {
            initiate(peer, now);
        }
    }

    /** A handshake message routed from the node at {@code source}. */
    public void onHandshake(final byte[] source, final byte[] bytes)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(bytes);
        final HandshakeMessage m = source.length == Keypair.ADDRESS_LENGTH ?
            HandshakeMessage.decode(buffer, 0, bytes.length) : null;
        if (m == null)
        {
            dropped.increment();
        }
        else if (m.number() == HandshakeMessage.IK_FIRST && membership.macValid(m, buffer, 0) && admitFirst(source))
        {
            respond(source, m);
        }
        else if (m.number() == HandshakeMessage.IK_SECOND)
        {
            onSecond(source, m);
        }
        else
        {
            dropped.increment();
        }
    }

    /** The data plane opened the first packet sealed with one of this node's keypairs: the initiator has it. */
    public void onConfirmed(final int localIndex)
    {
        final EndToEndPeer peer = byIndex.get(localIndex);
        if (peer != null && peer.next != null && peer.next.localIndex() == localIndex)
        {
            free(peer.previous);
            peer.previous = peer.current;
            peer.current = peer.next;
            peer.currentInitiated = false;
            peer.next = null;
            publish();
        }
    }

    private void initiate(final EndToEndPeer peer, final long now)
    {
        final byte[] key = keys.get(peer.id); // named for the address, or proved by its certificate in a session
        if (key == null)
        {
            noKey.increment();
            host.keyWanted(peer.address);
            return;
        }
        final int index = newIndex();
        final NoiseHandshake noise = NoiseHandshake.ik(true, membership.privateKey(), PROLOGUE, key);
        final byte[] first;
        try
        {
            first = new HandshakeMessage(HandshakeMessage.IK_FIRST, index, 0, noise.write(membership.payload(host.ownLease())))
                .encode(membership.ownMacKey());
        }
        catch (final GeneralSecurityException ex)
        {
            throw new IllegalStateException("cannot start an end-to-end handshake", ex); // a bound key is never low-order
        }
        peer.noise = noise;
        peer.initiationIndex = index;
        peer.startedNs = now;
        peer.backoffNs = RETRY_NS;
        peer.nextSendNs = now + RETRY_NS;
        byIndex.put(index, peer);
        initiated.increment();
        host.send(peer.address, first);
    }

    /**
     * @return true if a first message from this source may cost a handshake now: one per
     *         {@link #FIRST_PER_SOURCE_NS} per source, {@link #FIRSTS_PER_SECOND} in all (a member
     *         flooding handshakes costs bounded work and slows no one else's).
     */
    private boolean admitFirst(final byte[] source)
    {
        final long now = clock.nanoTime();
        if (now - firstsSecondNs >= 1_000_000_000L)
        {
            firstsSecondNs = now;
            firstsThisSecond = 0;
        }
        final String id = HexFormat.of().formatHex(source);
        final Long last = lastFirst.get(id);
        if (firstsThisSecond >= FIRSTS_PER_SECOND || (last != null && now - last < FIRST_PER_SOURCE_NS))
        {
            return false;
        }
        firstsThisSecond++;
        lastFirst.put(id, now);
        return true;
    }

    /** The responder's side: answers a member's first message and keeps the keypair until the initiator uses it. */
    private void respond(final byte[] source, final HandshakeMessage m)
    {
        final NoiseHandshake noise = NoiseHandshake.ik(false, membership.privateKey(), PROLOGUE, null);
        final Payload payload;
        try
        {
            payload = Payload.decode(noise.read(m.noise()));
        }
        catch (final GeneralSecurityException ex)
        {
            dropped.increment(); // not for this node's key
            return;
        }
        final String problem = problem(payload, noise.remoteStatic(), source);
        final long now = clock.nanoTime();
        final EndToEndPeer peer = problem == null ? peer(source, now) : null;
        if (peer == null)
        {
            refuse(source, problem == null ? "too many end-to-end peers" : problem);
            return;
        }
        final String initiator = HexFormat.of().formatHex(noise.remoteStatic());
        final Long last = timestamps.get(initiator);
        if (last != null && payload.timestamp() <= last)
        {
            dropped.increment(); // a replayed first message
            return;
        }
        final int index = newIndex();
        final byte[] second;
        try
        {
            second = new HandshakeMessage(HandshakeMessage.IK_SECOND, index, m.senderIndex(),
                noise.write(membership.payload(host.ownLease()))).encode();
        }
        catch (final GeneralSecurityException ex)
        {
            dropped.increment();
            return;
        }
        final Keypair keypair = keypair(index, m.senderIndex(), noise.split(), now, payload.certificate(), source);
        if (keypair == null)
        {
            refuse(source, "too many end-to-end sessions");
            return;
        }
        timestamps.put(initiator, payload.timestamp());
        leaseOf(source, payload); // before the initiator's packets come: they may be from that address
        free(peer.next);
        peer.next = keypair;
        peer.certificate = payload.certificate();
        keys.put(peer.id, payload.certificate().publicKey()); // proved: this node may start the next session itself
        byIndex.put(index, peer);
        completed.increment();
        publish(); // opens the initiator's packets from now on
        host.send(source, second);
    }

    private void onSecond(final byte[] source, final HandshakeMessage m)
    {
        final EndToEndPeer peer = byIndex.get(m.receiverIndex());
        if (peer == null || peer.noise == null || peer.initiationIndex != m.receiverIndex() ||
            !MessageDigest.isEqual(peer.address, source))
        {
            dropped.increment();
            return;
        }
        final long now = clock.nanoTime();
        final Payload payload;
        try
        {
            payload = Payload.decode(peer.noise.read(m.noise()));
        }
        catch (final GeneralSecurityException ex)
        {
            dropped.increment();
            dropInitiation(peer);
            return;
        }
        final String problem = problem(payload, peer.noise.remoteStatic(), peer.address);
        if (problem != null)
        {
            dropInitiation(peer);
            refuse(source, problem);
            return;
        }
        final Keypair keypair = keypair(peer.initiationIndex, m.senderIndex(), peer.noise.split(), now,
            payload.certificate(), peer.address);
        final int index = peer.initiationIndex;
        dropInitiation(peer);
        if (keypair == null)
        {
            refuse(source, "too many end-to-end sessions");
            return;
        }
        byIndex.put(index, peer);
        leaseOf(peer.address, payload);
        free(peer.previous);
        peer.previous = peer.current;
        peer.current = keypair; // the responder installed it before it answered: seal at once
        peer.currentInitiated = true;
        peer.certificate = payload.certificate();
        completed.increment();
        publish();
    }

    /** @return why a peer's handshake is refused: its certificate, the key it proved, or an address not its own. */
    private String problem(final Payload payload, final byte[] remoteStatic, final byte[] address)
    {
        final String problem = membership.problem(payload, remoteStatic);
        if (problem != null)
        {
            return problem;
        }
        return MessageDigest.isEqual(payload.certificate().ringAddress(), address) ? null :
            "certificate " + payload.certificate().name() + " is not for the ring address it speaks for";
    }

    /** Hands on the lease a peer certified for a pool says it holds, so that its address is looked up early. */
    private void leaseOf(final byte[] address, final Payload payload)
    {
        if (payload.lease().length > 0 && payload.certificate().addressKind() == Certificate.ADDRESS_POOL)
        {
            host.peerLease(address, payload.certificate(), payload.lease());
        }
    }

    private void refuse(final byte[] address, final String why)
    {
        refused.increment();
        log.event("end_to_end_refused", "address=" + HexFormat.of().formatHex(address, 0, 4) + " reason=\"" + why + "\"");
    }

    /** Once a second: handshake retries, rekeys, expiry, certificates checked again, idle peers forgotten. */
    public void tick()
    {
        final long now = clock.nanoTime();
        final boolean recheck = now - lastRecheckNs > RECHECK_NS;
        if (recheck)
        {
            lastRecheckNs = now;
        }
        boolean changed = false;
        for (final EndToEndPeer peer : new ArrayList<>(peers.values()))
        {
            if (peer.current != null && peer.current.sent() != peer.lastSent)
            {
                peer.lastSent = peer.current.sent();
                peer.lastUsedNs = now;
            }
            changed |= expire(peer, now);
            if (recheck && peer.certificate != null &&
                membership.problem(new Payload(peer.certificate, 0, 0), peer.certificate.publicKey()) != null)
            {
                refuse(peer.address, "certificate no longer valid");
                forget(peer);
                changed = true;
                continue;
            }
            if (peer.noise != null)
            {
                if (now - peer.startedNs > GIVE_UP_NS)
                {
                    dropped.increment();
                    dropInitiation(peer);
                }
                else if (now - peer.nextSendNs >= 0)
                {
                    // a new first message (the responder refuses a replayed one): new ephemeral, new timestamp
                    final long started = peer.startedNs;
                    final long backoff = peer.backoffNs * 2;
                    dropInitiation(peer);
                    initiate(peer, now);
                    peer.startedNs = started;
                    peer.backoffNs = backoff;
                    peer.nextSendNs = now + backoff;
                }
            }
            else if (peer.current != null && now - peer.lastUsedNs < 2_000_000_000L)
            {
                final long age = now - peer.current.createdNs();
                if ((peer.currentInitiated && age > LinkSessions.REKEY_AFTER_NS) ||
                    age > LinkSessions.REKEY_AFTER_NS + 30_000_000_000L)
                {
                    initiate(peer, now);
                }
            }
            if (peer.noise == null && peer.current == null && peer.next == null && peer.previous == null &&
                now - peer.lastWantedNs > LinkSessions.REJECT_AFTER_NS)
            {
                peers.remove(peer.id);
            }
        }
        if (changed)
        {
            publish();
        }
    }

    /** Drops keypairs older than {@link LinkSessions#REJECT_AFTER_NS}. @return true if any went. */
    private boolean expire(final EndToEndPeer peer, final long now)
    {
        boolean changed = false;
        if (peer.previous != null && now - peer.previous.createdNs() > LinkSessions.REJECT_AFTER_NS)
        {
            free(peer.previous);
            peer.previous = null;
            changed = true;
        }
        if (peer.current != null && now - peer.current.createdNs() > LinkSessions.REJECT_AFTER_NS)
        {
            free(peer.current);
            peer.current = null;
            changed = true;
        }
        if (peer.next != null && now - peer.next.createdNs() > LinkSessions.REJECT_AFTER_NS)
        {
            free(peer.next);
            peer.next = null;
            changed = true;
        }
        return changed;
    }

    /** @return the node's peer, made if there is room, or null. */
    private EndToEndPeer peer(final byte[] address, final long now)
    {
        final String id = HexFormat.of().formatHex(address);
        EndToEndPeer peer = peers.get(id);
        if (peer == null && peers.size() < MAX_PEERS)
        {
            peer = new EndToEndPeer(address, now);
            peers.put(id, peer);
        }
        return peer;
    }

    private Keypair keypair(final int localIndex, final int remoteIndex, final byte[][] split, final long now,
        final Certificate certificate, final byte[] address)
    {
        final int slot = slots.nextClearBit(0);
        if (slot >= SessionTable.MAX_KEYPAIRS)
        {
            return null;
        }
        slots.set(slot);
        final int ip = certificate.addressKind() == Certificate.ADDRESS_IP ? certificate.address() : 0;
        return new Keypair(localIndex, remoteIndex, slot, split[0], split[1], now, address, ip);
    }

    private void free(final Keypair keypair)
    {
        if (keypair != null)
        {
            slots.clear(keypair.slot());
            byIndex.remove(keypair.localIndex());
        }
    }

    private void forget(final EndToEndPeer peer)
    {
        dropInitiation(peer);
        free(peer.previous);
        free(peer.current);
        free(peer.next);
        peer.previous = null;
        peer.current = null;
        peer.next = null;
    }

    private void dropInitiation(final EndToEndPeer peer)
    {
        if (peer.noise != null)
        {
            byIndex.remove(peer.initiationIndex);
            peer.noise.destroy();
            peer.noise = null;
        }
    }

    private int newIndex()
    {
        while (true)
        {
            final int index = wow.controlplane.security.Keys.randomInt();
            if (index != 0 && !byIndex.containsKey(index))
            {
                return index;
            }
        }
    }

    /** Publishes every keypair for opening, and each peer's current one for sealing. */
    private void publish()
    {
        final Int2ObjectHashMap<Keypair> opening = new Int2ObjectHashMap<>();
        final Long2ObjectHashMap<Keypair> sealing = new Long2ObjectHashMap<>();
        for (final EndToEndPeer peer : peers.values())
        {
            for (final Keypair k : new Keypair[] {peer.previous, peer.current, peer.next})
            {
                if (k != null)
                {
                    opening.put(k.localIndex(), k);
                }
            }
            if (peer.current != null)
            {
                sealing.put(SessionTable.addressKey(new UnsafeBuffer(peer.address), 0), peer.current);
            }
        }
        publication.publishEndToEnd(new SessionTable(opening, sealing));
        established.setOrdered(sealing.size());
    }

    /** @return how many peers have a session to seal with now. */
    public int sessions()
    {
        return (int)established.get();
    }

    private static AtomicCounter counter(final CountersManager manager, final String name)
    {
        return manager.newCounter(name, CounterTypes.TRAFFIC, key -> key.putInt(0, -1));
    }

    private static <V> Map<String, V> lru(final int max)
    {
        return new LruMap<>(max);
    }
}

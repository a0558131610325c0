package wow.controlplane.overlay.wire;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * Codec of the overlay protocol messages (network byte order), carried after a CONTROL header
 * (sent to a link peer) or a ROUTED header (routed over the ring). Every message starts with
 * {@code [type u8][connection types u8][flags u8][reserved u8]}. Decoding checks every length and
 * returns null for anything malformed; it never throws. Used by the conductor thread.
 *
 * <pre>
 * LINK_REQUEST / LINK_REPLY: link id i32 | virtual ip i32 | address 20 | observed endpoint i64 | endpoints
 * PING / PONG:               address 20 | observed endpoint i64
 * CLOSE:                     address 20
 * CTM_REQUEST (routed):      token i32 | peer (requester) [| via 20: the node to return the reply through]
 * CTM_REPLY:                 token i32 | peer (responder) | count u8 | peer...  (its neighbours near the requester)
 * NEIGHBOURS:                count u8 | peer...
 * PROBE / PROBE_REPLY (routed exact): token i32 | address 20 (the prober)
 * DHT_GET (routed closest):  token i32 | key 20 | requester 20
 * DHT_REPLY (routed exact):  token i32 | key 20 | found u8 | ttl s i32 | value length u16 | value (a lease's
 *                            holder answers with the owner's signed LEASE, role 1)
 * FORWARD (routed exact):    to 20 | length u16 | message  (the node handed it sends it to its link "to")
 * PUNCH (routed exact):      token i32 | peer (who links to the receiver now: link back at once)
 * RELAY_REQUEST:             0 i32 | peer (the target the sender asks to be relayed to)
 * RELAY_GRANT / RELAY_OPEN:  relay's link id i32 | peer (the other end of the relayed pair)
 * RELAY_DENY / RELAY_END:    address 20 (the other end)
 * UNREACHABLE (routed exact): address 20 (a destination a data packet from the receiver could not reach)
 * LEASE (a request routed closest; else over a link): op u8 | role u8 | token i32 | key 20 | ttl s i32 | serial i64 |
 *                            value 20 (the owner's ring address) | ip i32 (the virtual IP leased; key = SHA-1 of
 *                            "lease:" and it) | public key length u8 | public key (the owner's Ed25519 record key) |
 *                            signature length u8 | signature | remaining s i32 (what is left of the lease: a
 *                            replica's copy expires with it) | certificate length u16 | the owner's certificate
 *                            (none on an insecure network) (the owner's signature of {@link LeaseOp#signed})
 *                            role: 0 a request to the primary, 1 a copy for a replica (answered with LEASE_HELD
 *                            when the token is not 0), 2 a primary's query of a replica (answered with LEASE_HELD)
 * LEASE_REPLY (routed exact): token i32 | key 20 | result u8 | the lease's value 20 (its owner's, if taken) |
 *                            length u16 | the owner's signed LEASE (role 1) that holds the key, if taken; else nothing
 * LEASE_HELD (over a link):  token i32 | key 20 | length u16 | the LEASE (role 1) a replica holds for the key, or nothing
 * END_TO_END (routed exact): a handshake message of an end-to-end session (wow.controlplane.session), to the end
 * peer:                      address 20 | virtual ip i32 | endpoints | key length u8 | key (0 or 32 bytes: the
 *                            node's certified X25519 key, so the first handshake toward it can be IK)
 * endpoints:                 count u8 | endpoint i64...   (at most 8)
 * </pre>
 */
public final class Messages
{
    public static final int LINK_REQUEST = 2;
    public static final int LINK_REPLY = 3;
    public static final int PING = 4;
    public static final int PONG = 5;
    public static final int CLOSE = 6;
    public static final int CTM_REQUEST = 7;
    public static final int CTM_REPLY = 8;
    public static final int NEIGHBOURS = 9;
    public static final int PROBE = 10;
    public static final int PROBE_REPLY = 11;
    /** 12 was DHT_PUT: unsigned records are gone, virtual IPs resolve through their signed leases. */
    public static final int DHT_GET = 13;
    public static final int DHT_REPLY = 14;
    public static final int FORWARD = 15;
    public static final int PUNCH = 16;
    public static final int RELAY_REQUEST = 17;
    public static final int RELAY_GRANT = 18;
    public static final int RELAY_OPEN = 19;
    public static final int RELAY_DENY = 20;
    public static final int RELAY_END = 21;
    public static final int UNREACHABLE = 22;
    public static final int LEASE = 23;
    public static final int LEASE_REPLY = 24;
    public static final int LEASE_HELD = 25;
    public static final int END_TO_END = 26;

    /** Roles of a LEASE message. */
    public static final int LEASE_REQUEST = 0;
    public static final int LEASE_COPY = 1;
    public static final int LEASE_QUERY = 2;

    /** Lease operations. */
    public static final int LEASE_CLAIM = 1;
    public static final int LEASE_RENEW = 2;
    public static final int LEASE_RELEASE = 3;
    /** Lease results. */
    public static final int LEASE_GRANTED = 0;
    public static final int LEASE_TAKEN = 1;
    public static final int LEASE_REFUSED = 2;
    private static final byte[] LEASE_DOMAIN = "wow-lease-v2".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    /** Longest certificate a lease carries (so that a lease fits a DHT answer and a relayed FORWARD). */
    public static final int MAX_LEASE_CERTIFICATE = wow.controlplane.security.Certificate.MAX_NODE_LENGTH;

    /**
     * One lease operation on a virtual IP, signed by the lease's owner with its record key.
     *
     * @param value       the owner's ring address (where its answers go; a resolved IP's route).
     * @param certificate the owner's certificate, binding the record key, the ring address and the
     *                    IPs it may lease (empty on an insecure network).
     */
    public record LeaseOp(int op, int role, int token, byte[] key, int ttlSeconds, long serial, byte[] value, int ip,
        byte[] publicKey, byte[] certificate, byte[] signature, int remainingSeconds) implements OverlayMessage
    {
        @Override
        public int type()
        {
            return LEASE;
        }

        /** @return the same operation in another role with another token and what is left of the lease. */
        public LeaseOp as(final int newRole, final int newToken, final int remaining)
        {
            return new LeaseOp(op, newRole, newToken, key, ttlSeconds, serial, value, ip, publicKey, certificate, signature,
                remaining);
        }

        /** @return the same signed operation carrying another certificate (none: as a handshake shows it). */
        public LeaseOp withCertificate(final byte[] newCertificate)
        {
            return new LeaseOp(op, role, token, key, ttlSeconds, serial, value, ip, publicKey, newCertificate, signature,
                remainingSeconds);
        }

        /** @return the bytes its owner signs: everything but the role, token, what is left and the certificate. */
        public byte[] signed()
        {
            return leaseSigned(op, key, ttlSeconds, serial, value, ip);
        }
    }

    /** A replica's answer to its primary: the lease it holds for a key (null: none), under the primary's token. */
    public record LeaseHeld(int token, byte[] key, LeaseOp held) implements OverlayMessage
    {
        @Override
        public int type()
        {
            return LEASE_HELD;
        }
    }

    /** @return the bytes an owner signs for a lease operation (see {@link LeaseOp#signed}). */
    public static byte[] leaseSigned(final int op, final byte[] key, final int ttlSeconds, final long serial, final byte[] value,
        final int ip)
    {
        return done(ByteBuffer.allocate(LEASE_DOMAIN.length + 1 + 20 + 4 + 8 + 20 + 4).put(LEASE_DOMAIN).put((byte)op).put(key)
            .putInt(ttlSeconds).putLong(serial).put(value).putInt(ip));
    }

    public static byte[] lease(final LeaseOp l)
    {
        final int length = 4 + 2 + 4 + 20 + 4 + 8 + 20 + 4 + 1 + l.publicKey().length + 1 + l.signature().length + 4 + 2 +
            l.certificate().length;
        final ByteBuffer b = header(length, LEASE, 0)
            .put((byte)l.op()).put((byte)l.role()).putInt(l.token()).put(l.key()).putInt(l.ttlSeconds())
            .putLong(l.serial()).put(l.value()).putInt(l.ip()).put((byte)l.publicKey().length).put(l.publicKey())
            .put((byte)l.signature().length).put(l.signature()).putInt(l.remainingSeconds())
            .putShort((short)l.certificate().length).put(l.certificate());
        return done(b);
    }

    public static byte[] leaseReply(final int token, final byte[] key, final int result, final byte[] value)
    {
        return leaseReply(token, key, result, value, null);
    }

    /** @param held the owner's signed operation that holds the key (a "taken" answer's proof), or null. */
    public static byte[] leaseReply(final int token, final byte[] key, final int result, final byte[] value, final LeaseOp held)
    {
        final byte[] proof = held == null ? new byte[0] : lease(held);
        return done(header(4 + 4 + 20 + 1 + 20 + 2 + proof.length, LEASE_REPLY, 0).putInt(token).put(key).put((byte)result)
            .put(value).putShort((short)proof.length).put(proof));
    }

    public static byte[] leaseHeld(final int token, final byte[] key, final LeaseOp held)
    {
        final byte[] inner = held == null ? new byte[0] : lease(held);
        return done(header(4 + 4 + 20 + 2 + inner.length, LEASE_HELD, 0).putInt(token).put(key).putShort((short)inner.length)
            .put(inner));
    }

    /** @return the answer in a LEASE_HELD message, or null if it is malformed (also a held lease of another key). */
    public static LeaseHeld decodeLeaseHeld(final byte[] bytes, final int offset, final int length)
    {
        if (type(bytes, offset, length) != LEASE_HELD || length < 4 + 4 + 20 + 2)
        {
            return null;
        }
        final ByteBuffer b = ByteBuffer.wrap(bytes, offset + 4, length - 4).slice();
        final int token = b.getInt();
        final byte[] key = bytes20(b);
        final int n = b.getShort() & 0xFFFF;
        if (n != b.remaining())
        {
            return null;
        }
        if (n == 0)
        {
            return new LeaseHeld(token, key, null);
        }
        final LeaseOp held = decodeLease(bytes, offset + length - n, n);
        return held == null || held.role() != LEASE_COPY || !java.util.Arrays.equals(held.key(), key) ? null :
            new LeaseHeld(token, key, held);
    }

    /** @return the lease operation in a LEASE message, or null if it is malformed. */
    public static LeaseOp decodeLease(final byte[] bytes, final int offset, final int length)
    {
        if (type(bytes, offset, length) != LEASE)
        {
            return null;
        }
        try
        {
            final ByteBuffer b = ByteBuffer.wrap(bytes, offset + 4, length - 4).slice();
            final int op = b.get() & 0xFF;
            final int role = b.get() & 0xFF;
            final int token = b.getInt();
            final byte[] key = bytes20(b);
            final int ttl = b.getInt();
            final long serial = b.getLong();
            final byte[] value = bytes20(b);
            final int ip = b.getInt();
            final byte[] publicKey = new byte[b.get() & 0xFF];
            b.get(publicKey);
            final byte[] signature = new byte[b.get() & 0xFF];
            b.get(signature);
            final int remaining = b.getInt();
            final byte[] certificate = new byte[b.getShort() & 0xFFFF];
            b.get(certificate);
            if (op < LEASE_CLAIM || op > LEASE_RELEASE || role > LEASE_QUERY || ttl <= 0 || publicKey.length == 0 ||
                signature.length == 0 || remaining <= 0 || remaining > ttl || certificate.length > MAX_LEASE_CERTIFICATE ||
                b.hasRemaining())
            {
                return null;
            }
            return new LeaseOp(op, role, token, key, ttl, serial, value, ip, publicKey, certificate, signature, remaining);
        }
        catch (final BufferUnderflowException ex)
        {
            return null;
        }
    }

    /** Longest message a FORWARD carries. */
    public static final int MAX_FORWARDED = 1400;

    public static final int MAX_ENDPOINTS = 8;
    public static final int MAX_PEERS = 16;
    /** Longest DHT answer: a lease with its owner's certificate. */
    public static final int MAX_VALUE = 1_200;

    private Messages()
    {
    }

    /** Length of a node's static public key in a {@link Peer}. */
    public static final int KEY_LENGTH = 32;
    /** The key of a peer whose key the sender does not know (or an insecure node). */
    public static final byte[] NO_KEY = new byte[0];

    /**
     * A node as messages describe it.
     *
     * @param key its static public key ({@link #KEY_LENGTH} bytes), or {@link #NO_KEY}.
     */
    public record Peer(byte[] address, int virtualIp, long[] endpoints, byte[] key)
    {
        /** A peer whose key the sender does not name. */
        public Peer(final byte[] address, final int virtualIp, final long[] endpoints)
        {
            this(address, virtualIp, endpoints, NO_KEY);
        }

        /** @return true if the sender named the peer's key. */
        public boolean hasKey()
        {
            return key.length == KEY_LENGTH;
        }
    }

    /** @return the message type of an encoded message, or 0 if it is too short. */
    public static int type(final byte[] bytes, final int offset, final int length)
    {
        return length < 4 ? 0 : bytes[offset] & 0xFF;
    }

    private static ByteBuffer header(final int capacity, final int type, final int connectionTypes)
    {
        return ByteBuffer.allocate(capacity).put((byte)type).put((byte)connectionTypes).put((byte)0).put((byte)0);
    }

    private static byte[] done(final ByteBuffer b)
    {
        final byte[] out = new byte[b.position()];
        b.flip().get(out);
        return out;
    }

    public static byte[] link(
        final int type, final int connectionTypes, final int linkId, final int virtualIp, final byte[] address,
        final long observed, final long[] endpoints)
    {
        final ByteBuffer b = header(4 + 4 + 4 + 20 + 8 + 1 + 8 * MAX_ENDPOINTS, type, connectionTypes);
        b.putInt(linkId).putInt(virtualIp).put(address).putLong(observed);
        PeerCodec.putEndpoints(b, endpoints);
        return done(b);
    }

    /** @param connectionTypes what the sender uses the link for, so the peer keeps it while needed. */
    public static byte[] ping(final int type, final int connectionTypes, final byte[] address, final long observed)
    {
        return done(header(4 + 20 + 8, type, connectionTypes).put(address).putLong(observed));
    }

    public static byte[] close(final byte[] address)
    {
        return done(header(4 + 20, CLOSE, 0).put(address));
    }

    public static byte[] ctmRequest(final int connectionTypes, final int token, final Peer requester)
    {
        return ctmRequest(connectionTypes, token, requester, null);
    }

    /** @param via the node the reply may be returned through (the requester's only link), or null. */
    public static byte[] ctmRequest(final int connectionTypes, final int token, final Peer requester, final byte[] via)
    {
        final ByteBuffer b = header(4 + 4 + PeerCodec.peerSize(requester) + 20, CTM_REQUEST, connectionTypes).putInt(token);
        PeerCodec.putPeer(b, requester);
        if (via != null)
        {
            b.put(via);
        }
        return done(b);
    }

    public static byte[] forward(final byte[] to, final byte[] message)
    {
        return done(header(4 + 20 + 2 + message.length, FORWARD, 0).put(to).putShort((short)message.length).put(message));
    }

    /** END_TO_END: a handshake message for the node at the other end of an end-to-end session. */
    public static byte[] endToEnd(final byte[] handshake)
    {
        return done(header(4 + handshake.length, END_TO_END, 0).put(handshake));
    }

    /** PUNCH (routed) or a RELAY_REQUEST/GRANT/OPEN (direct) naming a peer. */
    public static byte[] aboutPeer(final int type, final int connectionTypes, final int token, final Peer peer)
    {
        final ByteBuffer b = header(4 + 4 + PeerCodec.peerSize(peer), type, connectionTypes).putInt(token);
        PeerCodec.putPeer(b, peer);
        return done(b);
    }

    /** RELAY_DENY or RELAY_END naming the other end of a pair. */
    public static byte[] relayEnd(final int type, final byte[] other)
    {
        return done(header(4 + 20, type, 0).put(other));
    }

    public static byte[] ctmReply(final int connectionTypes, final int token, final Peer responder, final List<Peer> near)
    {
        int size = 4 + 4 + PeerCodec.peerSize(responder) + 1;
        final int n = Math.min(near.size(), MAX_PEERS);
        for (int i = 0; i < n; i++)
        {
            size += PeerCodec.peerSize(near.get(i));
        }
        final ByteBuffer b = header(size, CTM_REPLY, connectionTypes).putInt(token);
        PeerCodec.putPeer(b, responder);
        b.put((byte)n);
        for (int i = 0; i < n; i++)
        {
            PeerCodec.putPeer(b, near.get(i));
        }
        return done(b);
    }

    public static byte[] neighbours(final List<Peer> near)
    {
        final int n = Math.min(near.size(), MAX_PEERS);
        int size = 4 + 1;
        for (int i = 0; i < n; i++)
        {
            size += PeerCodec.peerSize(near.get(i));
        }
        final ByteBuffer b = header(size, NEIGHBOURS, 0).put((byte)n);
        for (int i = 0; i < n; i++)
        {
            PeerCodec.putPeer(b, near.get(i));
        }
        return done(b);
    }

    public static byte[] probe(final int type, final int token, final byte[] prober)
    {
        return done(header(4 + 4 + 20, type, 0).putInt(token).put(prober));
    }

    public static byte[] dhtGet(final int token, final byte[] key, final byte[] requester)
    {
        return done(header(4 + 4 + 20 + 20, DHT_GET, 0).putInt(token).put(key).put(requester));
    }

    public static byte[] dhtReply(final int token, final byte[] key, final boolean found, final int ttlSeconds,
        final byte[] value)
    {
        final byte[] v = value == null ? new byte[0] : value;
        return done(header(4 + 4 + 20 + 1 + 4 + 2 + v.length, DHT_REPLY, 0).putInt(token).put(key).put((byte)(found ? 1 : 0))
            .putInt(ttlSeconds).putShort((short)v.length).put(v));
    }

    /** @return the decoded message, or null if it is malformed or of an unknown type. */
    public static OverlayMessage decode(final byte[] bytes, final int offset, final int length)
    {
        if (length < 4 || offset < 0 || offset + length > bytes.length)
        {
            return null;
        }
        final ByteBuffer b = ByteBuffer.wrap(bytes, offset, length).slice();
        final int type = b.get() & 0xFF;
        final int connectionTypes = b.get() & 0xFF;
        b.get();
        b.get();
        try
        {
            return decode(type, connectionTypes, b, bytes, offset, length);
        }
        catch (final BufferUnderflowException ex)
        {
            return null;
        }
    }

    private static OverlayMessage decode(final int type, final int connectionTypes, final ByteBuffer b, final byte[] bytes,
        final int offset, final int length)
    {
        switch (type)
        {
            case LINK_REQUEST, LINK_REPLY ->
            {
                final int linkId = b.getInt();
                final int vip = b.getInt();
                final byte[] address = bytes20(b);
                final long observed = b.getLong();
                final long[] eps = PeerCodec.endpoints(b);
                return eps == null ? null : new OverlayMessage.LinkHandshake(type, connectionTypes, linkId, vip, address,
                    observed, eps);
            }
            case PING, PONG ->
            {
                final byte[] address = bytes20(b);
                return new OverlayMessage.Ping(type, connectionTypes, address, b.getLong());
            }
            case LEASE ->
            {
                return decodeLease(bytes, offset, length);
            }
            case LEASE_HELD ->
            {
                return decodeLeaseHeld(bytes, offset, length);
            }
            case LEASE_REPLY ->
            {
                final int token = b.getInt();
                final byte[] key = bytes20(b);
                final int result = b.get() & 0xFF;
                final byte[] holder = bytes20(b);
                final int n = b.getShort() & 0xFFFF;
                if (result > LEASE_REFUSED || n != b.remaining())
                {
                    return null;
                }
                final LeaseOp held = n == 0 ? null : decodeLease(bytes, offset + length - n, n);
                return n > 0 && held == null ? null : new OverlayMessage.LeaseReply(token, key, result, holder, held);
            }
            case CLOSE ->
            {
                return new OverlayMessage.Close(bytes20(b));
            }
            case RELAY_DENY, RELAY_END ->
            {
                return new OverlayMessage.PairEnd(type, bytes20(b));
            }
            case UNREACHABLE ->
            {
                return new OverlayMessage.Unreachable(bytes20(b));
            }
            case CTM_REQUEST ->
            {
                final int token = b.getInt();
                final Peer peer = PeerCodec.peer(b);
                final byte[] via = b.remaining() >= 20 ? bytes20(b) : null;
                return peer == null ? null : new OverlayMessage.CtmRequest(connectionTypes, token, peer, via);
            }
            case PUNCH, RELAY_REQUEST, RELAY_GRANT, RELAY_OPEN ->
            {
                final int token = b.getInt();
                final Peer peer = PeerCodec.peer(b);
                return peer == null ? null : new OverlayMessage.AboutPeer(type, connectionTypes, token, peer);
            }
            case END_TO_END ->
            {
                if (b.remaining() > MAX_FORWARDED)
                {
                    return null;
                }
                final byte[] handshake = new byte[b.remaining()];
                b.get(handshake);
                return new OverlayMessage.EndToEnd(handshake);
            }
            case FORWARD ->
            {
                final byte[] to = bytes20(b);
                final int n = b.getShort() & 0xFFFF;
                if (n > MAX_FORWARDED || n < 4)
                {
                    return null;
                }
                final byte[] inner = new byte[n];
                b.get(inner);
                return new OverlayMessage.Forward(to, inner);
            }
            case CTM_REPLY ->
            {
                final int token = b.getInt();
                final Peer peer = PeerCodec.peer(b);
                final List<Peer> peers = PeerCodec.peers(b);
                return peer == null || peers == null ? null : new OverlayMessage.CtmReply(connectionTypes, token, peer, peers);
            }
            case NEIGHBOURS ->
            {
                final List<Peer> peers = PeerCodec.peers(b);
                return peers == null ? null : new OverlayMessage.Neighbours(peers);
            }
            case PROBE, PROBE_REPLY ->
            {
                final int token = b.getInt();
                return new OverlayMessage.Probe(type, token, bytes20(b));
            }
            case DHT_GET ->
            {
                final int token = b.getInt();
                final byte[] key = bytes20(b);
                return new OverlayMessage.DhtGet(token, key, bytes20(b));
            }
            case DHT_REPLY ->
            {
                final int token = b.getInt();
                final byte[] key = bytes20(b);
                final boolean found = b.get() != 0;
                final int ttl = b.getInt();
                final byte[] value = value(b);
                return value == null ? null : new OverlayMessage.DhtReply(token, key, found, ttl, value);
            }
            default ->
            {
                return null;
            }
        }
    }

    static byte[] bytes20(final ByteBuffer b)
    {
        final byte[] a = new byte[20];
        b.get(a);
        return a;
    }

    private static byte[] value(final ByteBuffer b)
    {
        final int n = b.getShort() & 0xFFFF;
        if (n > MAX_VALUE)
        {
            return null;
        }
        final byte[] v = new byte[n];
        b.get(v);
        return v;
    }
}

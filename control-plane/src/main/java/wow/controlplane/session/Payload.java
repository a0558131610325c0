package wow.controlplane.session;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import wow.controlplane.security.Certificate;

/**
 * What a side puts in its encrypted handshake payload: its certificate, the newest version of
 * its network's revocation list it holds (so the other side knows to ask for a newer one), a
 * timestamp that grows with every handshake it starts (an IK responder refuses a first message
 * no newer than the last it took from that key: a replayed one), and in an end-to-end handshake
 * the lease it holds on a pool address (its signed operation without the certificate, which is
 * here already; none otherwise). Immutable; any thread.
 */
record Payload(Certificate certificate, long revocationVersion, long timestamp, byte[] lease)
{
    static final byte[] NO_LEASE = new byte[0];
    /** The longest lease a payload carries. */
    static final int MAX_LEASE = 512;

    Payload(final Certificate certificate, final long revocationVersion, final long timestamp)
    {
        this(certificate, revocationVersion, timestamp, NO_LEASE);
    }

    byte[] encode()
    {
        final byte[] cert = certificate.encoded();
        final ByteBuffer b = ByteBuffer.allocate(2 + cert.length + 16 + (lease.length == 0 ? 0 : 2 + lease.length))
            .putShort((short)cert.length).put(cert).putLong(revocationVersion).putLong(timestamp);
        if (lease.length > 0)
        {
            b.putShort((short)lease.length).put(lease);
        }
        return b.array();
    }

    /** @return the payload, or null if it is malformed. */
    static Payload decode(final byte[] bytes)
    {
        try
        {
            final ByteBuffer in = ByteBuffer.wrap(bytes);
            final int length = in.getShort() & 0xFFFF;
            if (length > Certificate.MAX_LENGTH || bytes.length < 2 + length + 16)
            {
                return null;
            }
            final byte[] cert = new byte[length];
            in.get(cert);
            final Certificate certificate = Certificate.decode(cert);
            final long version = in.getLong();
            final long timestamp = in.getLong();
            if (!in.hasRemaining())
            {
                return new Payload(certificate, version, timestamp);
            }
            final byte[] lease = new byte[in.getShort() & 0xFFFF];
            if (lease.length == 0 || lease.length > MAX_LEASE || lease.length != in.remaining())
            {
                return null;
            }
            in.get(lease);
            return new Payload(certificate, version, timestamp, lease);
        }
        catch (final BufferUnderflowException | IllegalArgumentException ex)
        {
            return null;
        }
    }
}

package wow.controlplane.session;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import wow.controlplane.security.Certificate;

/**
 * What a side puts in its encrypted handshake payload: its certificate, the newest version of
 * its network's revocation list it holds (so the other side knows to ask for a newer one), and a
 * timestamp that grows with every handshake it starts (an IK responder refuses a first message
 * no newer than the last it took from that key: a replayed one). Immutable; any thread.
 */
record Payload(Certificate certificate, long revocationVersion, long timestamp)
{
    byte[] encode()
    {
        final byte[] cert = certificate.encoded();
        return ByteBuffer.allocate(2 + cert.length + 16).putShort((short)cert.length).put(cert).putLong(revocationVersion)
            .putLong(timestamp).array();
    }

    /** @return the payload, or null if it is malformed. */
    static Payload decode(final byte[] bytes)
    {
        try
        {
            final ByteBuffer in = ByteBuffer.wrap(bytes);
            final int length = in.getShort() & 0xFFFF;
            if (length > Certificate.MAX_LENGTH || bytes.length != 2 + length + 16)
            {
                return null;
            }
            final byte[] cert = new byte[length];
            in.get(cert);
            return new Payload(Certificate.decode(cert), in.getLong(), in.getLong());
        }
        catch (final BufferUnderflowException | IllegalArgumentException ex)
        {
            return null;
        }
    }
}

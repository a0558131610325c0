package wow.controlplane.session;

import java.nio.ByteOrder;
import java.util.Arrays;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import wow.controlplane.security.Keys;
import wow.dataplane.protocol.WireHeader;

/**
 * The HANDSHAKE datagram: the wire header's common part with the message number in the flags
 * byte ({@link #XX_FIRST} to {@link #XX_THIRD} of an XX handshake, {@link #IK_FIRST} and
 * {@link #IK_SECOND} of an IK one) and the sender's session index in the session field, the
 * receiver's index (0 in a first message), then the Noise message — in an IK first message behind
 * its 2-byte length. A first message then carries a 16-byte MAC of what precedes it, keyed by the
 * network's CA key (as WireGuard's mac1 is by the responder's key): a node answers only first
 * messages whose MAC one of its trusted CAs verifies, so a stranger scanning for nodes, or a node
 * of another network, gets no answer and costs no Diffie-Hellman. A first message is padded to
 * {@link #INITIATION_LENGTH} so that no answer to it is larger than it (no amplification).
 * Immutable; any thread.
 */
record HandshakeMessage(int number, int senderIndex, int receiverIndex, byte[] noise)
{
    static final int XX_FIRST = 1;
    static final int XX_SECOND = 2;
    static final int XX_THIRD = 3;
    static final int IK_FIRST = 4;
    static final int IK_SECOND = 5;
    static final int MAC_LENGTH = 16;
    static final int RECEIVER_OFFSET = 8;
    static final int HEADER_LENGTH = 12;
    /** Bytes of a first message, padding included: at least what any second message takes. */
    static final int INITIATION_LENGTH = 1200;
    /** The longest handshake datagram accepted. */
    static final int MAX_LENGTH = 2048;

    boolean first()
    {
        return number == XX_FIRST || number == IK_FIRST;
    }

    /** @return the datagram; a first message with its MAC keyed by {@code macKey}. */
    byte[] encode(final byte[] macKey)
    {
        final int noiseAt = number == IK_FIRST ? HEADER_LENGTH + 2 : HEADER_LENGTH;
        final int covered = noiseAt + noise.length;
        final int length = first() ? Math.max(INITIATION_LENGTH, covered + MAC_LENGTH) : covered;
        final UnsafeBuffer out = new UnsafeBuffer(new byte[length]);
        WireHeader.writeCommon(out, 0, WireHeader.TYPE_HANDSHAKE, number);
        out.putInt(WireHeader.SESSION_OFFSET, senderIndex, ByteOrder.BIG_ENDIAN);
        out.putInt(RECEIVER_OFFSET, receiverIndex, ByteOrder.BIG_ENDIAN);
        if (number == IK_FIRST)
        {
            out.putShort(HEADER_LENGTH, (short)noise.length, ByteOrder.BIG_ENDIAN);
        }
        out.putBytes(noiseAt, noise);
        if (first())
        {
            out.putBytes(covered, mac(macKey, out.byteArray(), covered));
        }
        return out.byteArray();
    }

    /** @return the datagram of a message that is not a first one. */
    byte[] encode()
    {
        return encode(null);
    }

    /** @return the MAC key of a network: SHA-256 of a label and its CA's public key. */
    static byte[] macKey(final byte[] caPublicKey)
    {
        final byte[] label = "WOW mac1".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        final byte[] input = Arrays.copyOf(label, label.length + caPublicKey.length);
        System.arraycopy(caPublicKey, 0, input, label.length, caPublicKey.length);
        return Keys.sha256(input);
    }

    /** @return true if a first message's MAC verifies with the key (constant time). */
    boolean macValid(final byte[] macKey, final DirectBuffer buffer, final int offset)
    {
        final int covered = (number == IK_FIRST ? HEADER_LENGTH + 2 : HEADER_LENGTH) + noise.length;
        final byte[] bytes = new byte[covered + MAC_LENGTH];
        buffer.getBytes(offset, bytes);
        return Keys.constantTimeEquals(mac(macKey, bytes, covered), Arrays.copyOfRange(bytes, covered, covered + MAC_LENGTH));
    }

    private static byte[] mac(final byte[] key, final byte[] bytes, final int length)
    {
        try
        {
            final javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
            mac.init(new javax.crypto.spec.SecretKeySpec(key, "HmacSHA256"));
            mac.update(bytes, 0, length);
            return Arrays.copyOf(mac.doFinal(), MAC_LENGTH);
        }
        catch (final java.security.GeneralSecurityException ex)
        {
            throw new IllegalStateException("no HmacSHA256 in this JDK", ex);
        }
    }

    /**
     * @return the message, or null if the datagram is not a well-formed handshake message. The
     *         padding of a first message is dropped.
     */
    static HandshakeMessage decode(final DirectBuffer buffer, final int offset, final int length)
    {
        if (length < HEADER_LENGTH + NoiseHandshake.KEY || length > MAX_LENGTH ||
            (buffer.getByte(offset + WireHeader.VERSION_OFFSET) & 0xFF) != WireHeader.VERSION ||
            (buffer.getByte(offset + WireHeader.TYPE_OFFSET) & 0xFF) != WireHeader.TYPE_HANDSHAKE)
        {
            return null;
        }
        final int number = buffer.getByte(offset + WireHeader.FLAGS_OFFSET) & 0xFF;
        final int sender = buffer.getInt(offset + WireHeader.SESSION_OFFSET, ByteOrder.BIG_ENDIAN);
        final int receiver = buffer.getInt(offset + RECEIVER_OFFSET, ByteOrder.BIG_ENDIAN);
        final boolean first = number == XX_FIRST || number == IK_FIRST;
        if (number < XX_FIRST || number > IK_SECOND || sender == 0 || first != (receiver == 0) ||
            (first && length < INITIATION_LENGTH))
        {
            return null;
        }
        final int noiseAt = number == IK_FIRST ? HEADER_LENGTH + 2 : HEADER_LENGTH;
        final int noiseLength = number == XX_FIRST ? NoiseHandshake.KEY : number == IK_FIRST ?
            buffer.getShort(offset + HEADER_LENGTH, ByteOrder.BIG_ENDIAN) & 0xFFFF : length - HEADER_LENGTH;
        if (noiseAt + noiseLength + (first ? MAC_LENGTH : 0) > length || noiseLength < NoiseHandshake.KEY)
        {
            return null;
        }
        final byte[] noise = new byte[noiseLength];
        buffer.getBytes(offset + noiseAt, noise);
        return new HandshakeMessage(number, sender, receiver, noise);
    }
}

package wow.controlplane.session;

import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;
import org.agrona.DirectBuffer;
import wow.controlplane.security.Bundle;
import wow.controlplane.security.Certificate;
import wow.controlplane.security.Keys;

/**
 * Who this node is in its handshakes and whom it takes: its key and the payload it sends (its
 * certificate, the revocation version it holds, a growing timestamp), the network MAC of its
 * first messages and the ones it accepts (one per trusted CA), and the check of a peer's payload
 * against the trusted CAs, the time, the revocation lists and the key the handshake proved.
 * Owned by the conductor thread.
 */
final class Membership
{
    private final Bundle bundle;
    private final Revocations revocations;
    private final LongSupplier epochSeconds;
    private final byte[] ownMacKey;
    private final List<byte[]> trustedMacKeys = new ArrayList<>();
    /** Grows with every payload: an IK responder takes no first message older than one it took. */
    private long lastTimestamp;

    Membership(final Bundle bundle, final Revocations revocations, final LongSupplier epochSeconds)
    {
        this.bundle = bundle;
        this.revocations = revocations;
        this.epochSeconds = epochSeconds;
        Certificate issuer = null;
        for (final Certificate ca : bundle.trusted())
        {
            trustedMacKeys.add(HandshakeMessage.macKey(ca.publicKey()));
            if (bundle.certificate().signedBy(ca))
            {
                issuer = ca;
            }
        }
        if (issuer == null)
        {
            throw new IllegalArgumentException("the bundle's certificate is not signed by a CA in it");
        }
        this.ownMacKey = HandshakeMessage.macKey(issuer.publicKey());
    }

    /** @return this node's static private key (a copy). */
    byte[] privateKey()
    {
        return bundle.privateKey();
    }

    byte[] ownMacKey()
    {
        return ownMacKey;
    }

    /** @return true if a first message's MAC is one of a network this node trusts. */
    boolean macValid(final HandshakeMessage m, final DirectBuffer buffer, final int offset)
    {
        for (final byte[] key : trustedMacKeys)
        {
            if (m.macValid(key, buffer, offset))
            {
                return true;
            }
        }
        return false;
    }

    /** @return this node's encrypted handshake payload, with a timestamp newer than the last. */
    byte[] payload()
    {
        return payload(Payload.NO_LEASE);
    }

    /** @return the payload with the lease this node holds on a pool address (end-to-end handshakes). */
    byte[] payload(final byte[] lease)
    {
        lastTimestamp = Math.max(lastTimestamp + 1, System.currentTimeMillis() * 1_000_000L);
        return new Payload(bundle.certificate(), revocations.version(), lastTimestamp, lease).encode();
    }

    /** @return why a peer's payload and the key its handshake proved are refused, or null. */
    String problem(final Payload payload, final byte[] remoteStatic)
    {
        if (payload == null)
        {
            return "malformed handshake payload";
        }
        final String problem = payload.certificate().problem(bundle.trusted(), epochSeconds.getAsLong(), revocations.all());
        if (problem != null)
        {
            return "certificate " + payload.certificate().name() + ": " + problem;
        }
        if (!Keys.constantTimeEquals(payload.certificate().publicKey(), remoteStatic))
        {
            return "certificate " + payload.certificate().name() + " is not for the key that answered";
        }
        return null;
    }
}

package wow.controlplane.session;

import java.util.HexFormat;
import wow.controlplane.security.Certificate;
import wow.dataplane.crypto.Keypair;

/**
 * One node at the other end of {@link EndToEndSessions}: its certificate, its keypairs (the
 * previous one, still opening what is on the way; the current one, sealed with; the next one, a
 * responder's until the initiator used it) and the handshake this node has in flight with it.
 * Owned by the conductor thread.
 */
final class EndToEndPeer
{
    final byte[] address;
    final String id;
    Certificate certificate;
    NoiseHandshake noise;
    int initiationIndex;
    long startedNs;
    long nextSendNs;
    long backoffNs;
    Keypair previous;
    Keypair current;
    Keypair next;
    boolean currentInitiated;
    long lastWantedNs;
    long lastSent;
    long lastUsedNs;

    EndToEndPeer(final byte[] address, final long now)
    {
        this.address = address.clone();
        this.id = HexFormat.of().formatHex(address);
        this.lastWantedNs = now;
        this.lastUsedNs = now;
    }
}

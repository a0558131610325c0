package wow.controlplane;

import java.util.Arrays;
import java.util.function.BiConsumer;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.AtomicCounter;
import wow.controlplane.overlay.OverlayNode;
import wow.controlplane.overlay.OverlayTransport;
import wow.controlplane.overlay.wire.Messages;
import wow.controlplane.security.Certificate;
import wow.controlplane.session.LinkSessions;
import wow.dataplane.protocol.WireHeader;

/**
 * Carries the overlay's messages into the data plane: CONTROL datagrams to link peers and ROUTED
 * datagrams whose transit the data planes forward, written into one reused buffer and handed down
 * the conductor's ring. A message too large for a datagram is counted ({@code control_rejected}).
 * On a secure node it also answers the overlay's questions about keys (this node's, a linked
 * peer's that its session proved) and hands keys other members named to the sessions, so that
 * first handshakes can be IK. Conductor thread only.
 */
final class ControlSender implements OverlayTransport
{
    private final LinkSessions.Wire dataPlane;
    private final LinkSessions sessions;
    private final TcpPeers tcp;
    private final Runnable connectionsChanged;
    private final AtomicCounter rejected;
    private final UnsafeBuffer localAddress;
    private final UnsafeBuffer destinationBuffer = new UnsafeBuffer(new byte[WireHeader.ADDRESS_LENGTH]);
    private final UnsafeBuffer out = new UnsafeBuffer(new byte[2048]);
    private BiConsumer<byte[], byte[]> keyListener = (address, key) -> { };

    /**
     * @param dataPlane where datagrams go: the data plane, or a secure node's {@link LinkSessions}.
     * @param sessions  a secure node's sessions (keys named in messages), or null.
     */
    ControlSender(final LinkSessions.Wire dataPlane, final LinkSessions sessions, final TcpPeers tcp,
        final Runnable connectionsChanged, final AtomicCounter rejected, final byte[] localAddress)
    {
        this.dataPlane = dataPlane;
        this.sessions = sessions;
        this.tcp = tcp;
        this.connectionsChanged = connectionsChanged;
        this.rejected = rejected;
        this.localAddress = new UnsafeBuffer(localAddress.clone());
    }

    @Override
    public void sendDirect(final long endpoint, final int remoteLinkId, final byte[] message)
    {
        if (WireHeader.CONTROL_LENGTH + message.length > out.capacity())
        {
            rejected.increment();
            return;
        }
        final long to = tcp.dataEndpoint(endpoint);
        if (to == 0)
        {
            return; // a TCP peer being connected: the overlay retries
        }
        WireHeader.writeLinkHeader(out, 0, WireHeader.TYPE_CONTROL, remoteLinkId);
        out.putBytes(WireHeader.CONTROL_LENGTH, message);
        dataPlane.send(to, out, 0, WireHeader.CONTROL_LENGTH + message.length);
    }

    @Override
    public void sendRouted(final long firstHop, final int relayLinkId, final byte[] destination, final int delivery,
        final boolean excludeSource, final byte[] message)
    {
        final long to = tcp.dataEndpoint(firstHop);
        if (WireHeader.ROUTED_LENGTH + message.length > out.capacity() || to == 0 ||
            destination.length != WireHeader.ADDRESS_LENGTH)
        {
            rejected.increment();
            return;
        }
        destinationBuffer.putBytes(0, destination);
        WireHeader.writeRouted(out, 0, localAddress, destinationBuffer, 0, WireHeader.DEFAULT_TTL,
            delivery == OverlayNode.EXACT ? WireHeader.DELIVERY_EXACT : WireHeader.DELIVERY_CLOSEST, WireHeader.PAYLOAD_CONTROL);
        if (excludeSource)
        {
            WireHeader.addFlag(out, 0, WireHeader.FLAG_EXCLUDE_SOURCE);
        }
        if (relayLinkId != 0)
        {
            WireHeader.markRelayed(out, 0, relayLinkId);
        }
        out.putBytes(WireHeader.ROUTED_LENGTH, message);
        dataPlane.send(to, out, 0, WireHeader.ROUTED_LENGTH + message.length);
    }

    @Override
    public void connectionsChanged()
    {
        connectionsChanged.run();
    }

    @Override
    public byte[] ownKey()
    {
        return sessions == null ? Messages.NO_KEY : sessions.ownCertificate().publicKey();
    }

    @Override
    public byte[] peerKey(final long endpoint, final byte[] address)
    {
        final Certificate c = sessions == null ? null : sessions.certificate(tcp.knownDataEndpoint(endpoint));
        return c != null && Arrays.equals(c.ringAddress(), address) ? c.publicKey() : Messages.NO_KEY;
    }

    /** Also tells {@code listener} every key a member named for a ring address (end-to-end sessions learn them). */
    void keyListener(final BiConsumer<byte[], byte[]> listener)
    {
        this.keyListener = listener;
    }

    @Override
    public void keyHint(final Messages.Peer peer)
    {
        if (sessions != null)
        {
            keyListener.accept(peer.address(), peer.key());
            for (final long endpoint : peer.endpoints())
            {
                sessions.hint(tcp.knownDataEndpoint(endpoint), peer.address(), peer.key());
            }
        }
    }
}

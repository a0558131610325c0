package wow.controlplane;

import java.nio.ByteOrder;
import java.util.Arrays;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.status.AtomicCounter;
import wow.controlplane.overlay.wire.Messages;
import wow.controlplane.overlay.OverlayNode;
import wow.controlplane.session.LinkSessions;
import wow.controlplane.session.MemberClaims;
import wow.dataplane.ControlMessages;
import wow.dataplane.protocol.WireHeader;

/**
 * Decodes what the data plane hands up to the conductor (overlay messages on links and routed
 * ones that end here, resolution requests, end-to-end sessions wanted and confirmed, peers seen
 * at new endpoints, traffic samples for shortcuts, undeliverable packets) and hands each to the
 * part that owns it. Messages the overlay rejects and unknown frames are counted
 * ({@code control_rejected}). Conductor thread only.
 */
final class ControlAdapter implements MessageHandler
{
    /** What a conductor needs to handle the frames the data plane hands up. */
    interface Handlers
    {
        long now();

        /** The data plane has no route for this virtual IP. */
        void onResolve(int virtualIp, long now);

        /** A routed packet of this node's could not reach {@code destination}. */
        void onUnreachable(byte[] destination, long now);

        /** Packets wait for an end-to-end session with the node at this ring address. */
        void onEndToEndWanted(byte[] address);

        /** The first packet sealed with this end-to-end keypair of this node's arrived. */
        void onEndToEndConfirmed(int localIndex);
    }

    private final OverlayNode overlay;
    private final TcpPeers tcp;
    private final byte[] localAddress;
    private final AtomicCounter rejected;
    private final Handlers handlers;
    private final LinkSessions sessions;

    /** @param sessions a secure node's sessions, or null on an insecure node. */
    ControlAdapter(final OverlayNode overlay, final TcpPeers tcp, final byte[] localAddress, final AtomicCounter rejected,
        final Handlers handlers, final LinkSessions sessions)
    {
        this.sessions = sessions;
        this.overlay = overlay;
        this.tcp = tcp;
        this.localAddress = localAddress.clone();
        this.rejected = rejected;
        this.handlers = handlers;
    }

    @Override
    public void onMessage(final int type, final MutableDirectBuffer buffer, final int index, final int length)
    {
        if (sessions != null && sessions.onUp(type, buffer, index, length))
        {
            return;
        }
        final long now = handlers.now();
        final long endpoint = tcp.overlayEndpoint(buffer.getLong(index + ControlMessages.ENDPOINT_OFFSET));
        final int datagram = index + ControlMessages.UP_DATAGRAM_OFFSET;
        final int datagramLength = length - ControlMessages.UP_DATAGRAM_OFFSET;
        final long malformed = overlay.malformed();
        switch (type)
        {
            case ControlMessages.UP_CONTROL ->
            {
                final byte[] message = new byte[datagramLength - WireHeader.CONTROL_LENGTH];
                buffer.getBytes(datagram + WireHeader.CONTROL_LENGTH, message);
                if (sessions != null && !MemberClaims.admits(
                    sessions.certificateOf(buffer.getInt(index + ControlMessages.SESSION_OFFSET)), message))
                {
                    rejected.increment(); // a member claiming a ring address or virtual IP not its own
                    return;
                }
                overlay.onDirect(endpoint, buffer.getInt(datagram + WireHeader.LINK_ID_OFFSET, ByteOrder.BIG_ENDIAN), message,
                    0, message.length, now);
            }
            case ControlMessages.UP_ROUTED ->
            {
                final byte[] message = new byte[datagramLength - WireHeader.ROUTED_LENGTH];
                buffer.getBytes(datagram + WireHeader.ROUTED_LENGTH, message);
                overlay.onRouted(address(buffer, datagram + WireHeader.SOURCE_OFFSET), message, 0, message.length, now);
            }
            case ControlMessages.UP_RESOLVE -> handlers.onResolve(buffer.getInt(datagram), now);
            case ControlMessages.UP_MOVED ->
            {
                if (datagramLength == 4)
                {
                    overlay.peerMoved(buffer.getInt(datagram, ByteOrder.BIG_ENDIAN), endpoint, now);
                }
            }
            case ControlMessages.UP_END_TO_END ->
            {
                if (datagramLength == WireHeader.ADDRESS_LENGTH)
                {
                    handlers.onEndToEndWanted(address(buffer, datagram));
                }
            }
            case ControlMessages.UP_END_TO_END_CONFIRMED ->
                handlers.onEndToEndConfirmed(buffer.getInt(index + ControlMessages.SESSION_OFFSET));
            case ControlMessages.UP_TRAFFIC ->
            {
                if (datagramLength == WireHeader.ADDRESS_LENGTH)
                {
                    overlay.trafficSampled(address(buffer, datagram), now);
                }
            }
            case ControlMessages.UP_UNREACHABLE ->
            {
                // tell the packet's source that its destination is gone, so it looks the address up again
                final byte[] source = address(buffer, datagram + WireHeader.SOURCE_OFFSET);
                final byte[] destination = address(buffer, datagram + WireHeader.DESTINATION_OFFSET);
                if (Arrays.equals(source, localAddress))
                {
                    handlers.onUnreachable(destination, now);
                }
                else
                {
                    overlay.route(source, OverlayNode.EXACT, Messages.relayEnd(Messages.UNREACHABLE, destination));
                }
            }
            default -> rejected.increment();
        }
        final long delta = overlay.malformed() - malformed;
        if (delta > 0)
        {
            rejected.getAndAdd(delta);
        }
    }

    private static byte[] address(final MutableDirectBuffer buffer, final int offset)
    {
        final byte[] address = new byte[WireHeader.ADDRESS_LENGTH];
        buffer.getBytes(offset, address);
        return address;
    }
}

package wow.dataplane;

import org.agrona.concurrent.UnsafeBuffer;
import wow.dataplane.crypto.Keypair;
import wow.dataplane.fib.Fib;
import wow.dataplane.port.FrameBatch;
import wow.dataplane.port.OutList;
import wow.dataplane.port.TapPort;
import wow.dataplane.port.UdpPort;
import wow.dataplane.protocol.Ethernet;
import wow.dataplane.protocol.Ipv4;
import wow.dataplane.protocol.VirtioNetHeader;
import wow.dataplane.protocol.WireHeader;
import wow.dataplane.status.PacketTrace;
import wow.dataplane.status.DropReason;
import wow.dataplane.status.QueueCounters;

/**
 * The ingress path of one queue, UDP to TAP: receive a batch with one recvmmsg; DATA is checked
 * against its link (id, endpoint, the peer's virtual IP as source) and written to the TAP behind a
 * rebuilt Ethernet header; ROUTED is delivered here or handed to the {@link TransitForwarder};
 * CONTROL goes up to the conductor. On a secure node the batch is opened first
 * ({@link LinkOpener}) and only what a session authenticated is read; IPv4 routed to this node
 * must also be sealed end to end ({@link EndToEndOpener}) by the node that sent it, and come from
 * a virtual IP that node holds. TCP segments bound for the TAP are coalesced
 * ({@link Coalescer}) when the TAP takes offloads. Nothing allocates; every discarded datagram
 * is counted. Owned by one queue agent's thread.
 */
final class Ingress
{
    private final TapPort tap;
    private final UdpPort udp;
    private final int vnet;
    private final byte[] tapMac;
    private final QueueCounters counters;
    private final TransitForwarder transit;
    private final ConductorUplink uplink;
    private final BatchSender sender;
    private final LinkTally tally;
    private final LinkOpener opener;
    private final EndToEndOpener endToEnd;
    private final PartialChecksums partial;
    private final FrameBatch udpIn = new FrameBatch(QueueAgent.BATCH, QueueAgent.MAX_FRAME);
    private final OutList tapOut = new OutList(QueueAgent.BATCH);
    private final OutList tapCoalesced = new OutList(QueueAgent.BATCH);
    private final OutList transitOut = new OutList(QueueAgent.BATCH);
    private final Coalescer coalescer;
    /** The session of the datagram being handled (a secure node's), whose control rate it counts against. */
    private Keypair from;
    /** The FIB and the clock of this duty cycle. */
    private Fib fib;
    private long nowNs;
    private boolean answerMayFollow;

    Ingress(final TapPort tap, final UdpPort udp, final int vnet, final byte[] tapMac, final QueueCounters counters,
        final TransitForwarder transit, final ConductorUplink uplink, final BatchSender sender, final LinkTally tally,
        final LinkOpener opener, final EndToEndOpener endToEnd, final PartialChecksums partial)
    {
        this.partial = partial;
        this.coalescer = new Coalescer(QueueAgent.BATCH, tap != null && tap.takesUdpSuperFrames());
        this.opener = opener;
        this.endToEnd = endToEnd;
        this.tap = tap;
        this.udp = udp;
        this.vnet = vnet;
        this.tapMac = tapMac.clone();
        this.counters = counters;
        this.transit = transit;
        this.uplink = uplink;
        this.sender = sender;
        this.tally = tally;
    }

    /** Starts a duty cycle: the FIB it applies and the time it reads. */
    void begin(final Fib current, final long now)
    {
        this.fib = current;
        this.nowNs = now;
    }

    /**
     * @return true if the last {@link #poll} wrote the TAP a packet its kernel may answer within the
     *         write ({@link Ipv4#kernelMayAnswer}), so that the TAP is worth reading before poll.
     */
    boolean answerMayFollow()
    {
        return answerMayFollow;
    }

    /** Receives and handles one batch of datagrams. @return datagrams received. */
    int poll()
    {
        answerMayFollow = false;
        final int n = udp.receive(udpIn);
        if (n == 0)
        {
            return 0;
        }
        if (PacketTrace.ON)
        {
            PacketTrace.event(PacketTrace.UDP_READ, n);
        }
        counters.udpRxDatagrams.getAndAddRelease(n);
        final long kernelDrops = udp.kernelDrops();
        if (kernelDrops != counters.udpRxKernelDrops.getPlain())
        {
            counters.udpRxKernelDrops.setRelease(kernelDrops);
        }
        final UnsafeBuffer buffer = udpIn.buffer();
        tapOut.reset();
        transitOut.reset();
        if (opener != null)
        {
            opener.open(udpIn, n, nowNs);
            if (PacketTrace.ON)
            {
                PacketTrace.event(PacketTrace.OPENED, n);
            }
            for (int i = 0; i < n; i++)
            {
                onSecureDatagram(buffer, i);
            }
        }
        else
        {
            for (int i = 0; i < n; i++)
            {
                onDatagram(buffer, udpIn.dataOffset(i), udpIn.length(i), udpIn.endpoint(i), 0);
            }
        }
        if (endToEnd != null)
        {
            deliverEndToEnd(buffer);
        }
        if (tapOut.count() > 0)
        {
            if (vnet != 0)
            {
                coalescer.coalesce(tapOut, tapCoalesced);
                sender.writeTap(tapCoalesced);
                counters.tapMergedSegments.setRelease(coalescer.merged());
            }
            else
            {
                sender.writeTap(tapOut);
            }
        }
        if (transitOut.count() > 0)
        {
            transit.endOfBatch(transitOut.count());
            sender.sendAll(transitOut);
        }
        tally.flush(fib, counters);
        uplink.endOfBatch();
        return n;
    }

    /**
     * A datagram on a secure node: what its session authenticated is read inside its seal; a
     * handshake goes up (rate-limited); anything else unsealed is dropped without a word.
     */
    private void onSecureDatagram(final UnsafeBuffer buffer, final int i)
    {
        final int offset = udpIn.dataOffset(i);
        final int length = udpIn.length(i);
        if (opener.dropped(i))
        {
            return;
        }
        final var keypair = opener.keypair(i);
        if (keypair == null)
        {
            if (length < 0)
            {
                counters.drop(DropReason.DATAGRAM_OVERSIZED);
            }
            else if (WireHeader.validType(buffer, offset, length) == WireHeader.TYPE_HANDSHAKE)
            {
                uplink.handshake(buffer, offset, length, udpIn.endpoint(i), nowNs);
            }
            else
            {
                counters.drop(DropReason.UNAUTHENTICATED);
            }
            return;
        }
        final int inner = length - WireHeader.SEALED_OVERHEAD;
        if (inner > 0) // an empty one is a keepalive: authenticated, nothing inside
        {
            from = keypair;
            onDatagram(buffer, offset + WireHeader.SEALED_LENGTH, inner, udpIn.endpoint(i), keypair.localIndex());
            from = null;
        }
    }

    /** @param session the local index of the session that authenticated it, 0 on an insecure node. */
    private void onDatagram(final UnsafeBuffer buffer, final int offset, final int length, final long endpoint,
        final int session)
    {
        if (length < 0)
        {
            counters.drop(DropReason.DATAGRAM_OVERSIZED);
            return;
        }
        switch (WireHeader.validType(buffer, offset, length))
        {
            case WireHeader.TYPE_DATA -> onData(buffer, offset, length, endpoint);
            case WireHeader.TYPE_ROUTED -> onRouted(buffer, offset, length, endpoint, session);
            case WireHeader.TYPE_CONTROL -> up(ControlMessages.UP_CONTROL, buffer, offset, length, endpoint, session);
            case WireHeader.TYPE_SESSION ->
            {
                if (session == 0)
                {
                    counters.drop(DropReason.UNAUTHENTICATED);
                }
                else
                {
                    up(ControlMessages.UP_SESSION_MESSAGE, buffer, offset, length, endpoint, session);
                }
            }
            case WireHeader.TYPE_HANDSHAKE, WireHeader.TYPE_SEALED -> counters.drop(session == 0 ?
                DropReason.UNAUTHENTICATED : DropReason.BAD_HEADER);
            default -> counters.drop(DropReason.BAD_HEADER);
        }
    }

    private void onData(final UnsafeBuffer buffer, final int offset, final int length, final long endpoint)
    {
        final int link = fib.linkByLocalId(WireHeader.linkId(buffer, offset));
        if (link == Fib.NONE)
        {
            counters.drop(DropReason.UNKNOWN_LINK);
            return;
        }
        if (fib.linkEndpoint(link) != endpoint)
        {
            counters.drop(DropReason.ENDPOINT_MISMATCH);
            uplink.moved(buffer, offset, link, endpoint, nowNs);
            return;
        }
        final int expected = fib.linkVirtualIp(link);
        if (expected == 0 && opener != null)
        {
            unprovenSource(buffer, offset + WireHeader.DATA_LENGTH, length - WireHeader.DATA_LENGTH);
            return;
        }
        final int flags = WireHeader.flags(buffer, offset);
        partial.received(link, flags);
        if (deliver(buffer, offset + WireHeader.DATA_LENGTH, length - WireHeader.DATA_LENGTH, expected,
            (flags & WireHeader.FLAG_CHECKSUM_PARTIAL) != 0))
        {
            tally.rx(link, length);
        }
    }

    /**
     * DATA from a link peer with no address this node knows it holds (its certificate fixes none
     * that it declared, and no lease lookup resolved one to it yet): a secure node drops it as
     * spoofed and looks its source up, so that the next packets pass if the peer holds that address.
     */
    private void unprovenSource(final UnsafeBuffer buffer, final int ip, final int available)
    {
        counters.drop(DropReason.SPOOFED_SOURCE);
        if (available >= Ipv4.MIN_HEADER_LENGTH)
        {
            final int source = Ipv4.source(buffer, ip);
            if (fib.inSubnet(source) && fib.route(source) == Fib.NONE)
            {
                uplink.resolve(source, nowNs);
            }
        }
    }

    private void onRouted(final UnsafeBuffer buffer, final int offset, final int length, final long endpoint,
        final int session)
    {
        if (!fib.isLocalAddress(buffer, offset + WireHeader.DESTINATION_OFFSET) &&
            transit.forward(fib, buffer, offset, length, endpoint, transitOut, nowNs) != TransitForwarder.HERE)
        {
            return;
        }
        final int payload = WireHeader.payloadType(buffer, offset);
        if (payload == WireHeader.PAYLOAD_SEALED_IPV4 && endToEnd != null)
        {
            endToEnd.add(buffer, offset, length); // delivered after the batch is opened
        }
        else if (payload == WireHeader.PAYLOAD_IPV4 && opener == null)
        {
            // the sender's hop to the first node is one, each node on the way counted one more
            // (read first: the rebuilt Ethernet header overwrites the end of the routed one)
            final int overlayHops = WireHeader.hops(buffer, offset) + 1;
            if (deliver(buffer, offset + WireHeader.ROUTED_LENGTH, length - WireHeader.ROUTED_LENGTH, 0, false))
            {
                counters.countRoutedDelivered(overlayHops);
            }
        }
        else if (WireHeader.carriesIpv4(buffer, offset))
        {
            // a secure node takes routed IPv4 only sealed by the node that sent it (no transit
            // node may write it); an insecure one cannot open a seal
            counters.drop(opener != null ? DropReason.UNAUTHENTICATED : DropReason.BAD_HEADER);
        }
        else
        {
            up(ControlMessages.UP_ROUTED, buffer, offset, length, endpoint, session);
        }
    }

    /** Hands a control message up, within its session's rate on a secure node ({@link Keypair#admitControl}). */
    private void up(final int type, final UnsafeBuffer buffer, final int offset, final int length, final long endpoint,
        final int session)
    {
        if (from != null && !from.admitControl(nowNs))
        {
            counters.drop(DropReason.CONTROL_RATE);
            return;
        }
        uplink.up(type, buffer, offset, length, endpoint, session);
    }

    /**
     * Opens the batch's end-to-end sealed packets and delivers those from an address their sender
     * holds: the virtual IP its certificate fixes, or one this node resolved to it (a pool address
     * not resolved yet is looked up, and its packet dropped as spoofed until then).
     */
    private void deliverEndToEnd(final UnsafeBuffer buffer)
    {
        final int n = endToEnd.run();
        for (int k = 0; k < n; k++)
        {
            final int ip = endToEnd.packet(k);
            if (ip < 0)
            {
                continue;
            }
            final int length = endToEnd.length(k);
            if (Ipv4.validLength(buffer, ip, length) < 0)
            {
                counters.drop(DropReason.BAD_IPV4);
                continue;
            }
            final Keypair keypair = endToEnd.keypair(k);
            final int source = Ipv4.source(buffer, ip);
            final int route = fib.route(source);
            if ((keypair.peerIp() == 0 || source != keypair.peerIp()) &&
                (route == Fib.NONE || !keypair.peerIs(fib.routeAddresses(), route * WireHeader.ADDRESS_LENGTH)))
            {
                counters.drop(DropReason.SPOOFED_SOURCE);
                if (route == Fib.NONE && fib.inSubnet(source))
                {
                    uplink.resolve(source, nowNs);
                }
                continue;
            }
            if (deliver(buffer, ip, length, source, false))
            {
                counters.countRoutedDelivered(endToEnd.hops(k));
            }
        }
        endToEnd.reset();
    }

    /**
     * Queues an inner IPv4 packet for the TAP behind a rebuilt Ethernet header.
     *
     * @param expectedSource the link peer's virtual IP, or 0 when the packet came routed.
     * @param partialChecksum its TCP or UDP checksum is partial ({@link WireHeader#FLAG_CHECKSUM_PARTIAL}).
     * @return true if it was queued.
     */
    private boolean deliver(final UnsafeBuffer buffer, final int ip, final int available, final int expectedSource,
        final boolean partialChecksum)
    {
        final int length = Ipv4.validLength(buffer, ip, available);
        if (length < 0)
        {
            counters.drop(DropReason.BAD_IPV4);
            return false;
        }
        if (tap == null || Ipv4.destination(buffer, ip) != fib.localIp())
        {
            counters.drop(DropReason.NOT_FOR_US);
            return false;
        }
        if (expectedSource != 0 && Ipv4.source(buffer, ip) != expectedSource)
        {
            counters.drop(DropReason.SPOOFED_SOURCE);
            return false;
        }
        final int frame = ip - Ethernet.HEADER_LENGTH;
        Ethernet.writeIpv4Header(buffer, frame, tapMac);
        if (vnet != 0)
        {
            VirtioNetHeader.writePlain(buffer, frame - vnet);
        }
        if (partialChecksum && !PartialChecksums.deliverPartial(buffer, ip, length, vnet))
        {
            counters.drop(DropReason.BAD_IPV4);
            return false;
        }
        tapOut.add(buffer, frame - vnet, vnet + Ethernet.HEADER_LENGTH + length, 0);
        answerMayFollow = answerMayFollow || Ipv4.kernelMayAnswer(buffer, ip, length); // one is enough
        return true;
    }
}

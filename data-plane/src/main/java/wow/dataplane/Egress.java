package wow.dataplane;

import org.agrona.concurrent.UnsafeBuffer;
import wow.dataplane.crypto.Keypair;
import wow.dataplane.fib.Fib;
import wow.dataplane.port.FrameBatch;
import wow.dataplane.port.OutList;
import wow.dataplane.port.TapPort;
import wow.dataplane.protocol.Checksum;
import wow.dataplane.protocol.Dhcp;
import wow.dataplane.protocol.Ethernet;
import wow.dataplane.protocol.Ipv4;
import wow.dataplane.protocol.VirtioNetHeader;
import wow.dataplane.protocol.WireHeader;
import wow.dataplane.status.PacketTrace;
import wow.dataplane.status.DropReason;
import wow.dataplane.status.QueueCounters;

/**
 * The egress path of one queue, TAP to UDP: read a batch of frames; answer ARP and DHCP
 * ({@link HostResponder}); look up each IPv4 packet's route; write the DATA or ROUTED header in
 * the headroom in front of it and queue the datagram; split TCP and UDP super-frames
 * ({@link Segmenter}) and complete partial checksums first (unless the link's peer takes them partial); hold a few packets whose
 * destination is being resolved ({@link ResolutionHold}); on a secure node, seal what is routed
 * over other nodes end to end ({@link EndToEndSealer}), holding a few packets to a node while its
 * session is set up; send the batch with one sendmmsg.
 * Nothing allocates; every discarded frame is counted. Owned by one queue agent's thread.
 */
final class Egress
{
    private final TapPort tap;
    private final int vnet;
    private final int innerMtu;
    private final QueueCounters counters;
    private final HostResponder host;
    private final Segmenter segmenter;
    private final ResolutionHold hold;
    private final ConductorUplink uplink;
    private final BatchSender sender;
    private final LinkTally tally;
    private final EndToEndSealer endToEnd;
    private final PartialChecksums partial;
    private final FrameBatch tapIn;
    private final OutList udpOut = new OutList(QueueAgent.SEND_BATCH);
    private final OutList replies = new OutList(QueueAgent.BATCH);
    /** The FIB and the clock of this duty cycle. */
    private Fib fib;
    private long nowNs;

    Egress(final TapPort tap, final int vnet, final int innerMtu, final QueueCounters counters, final HostResponder host,
        final Segmenter segmenter, final ResolutionHold hold, final ConductorUplink uplink, final BatchSender sender,
        final LinkTally tally, final EndToEndSealer endToEnd, final PartialChecksums partial)
    {
        this.partial = partial;
        this.endToEnd = endToEnd;
        this.tap = tap;
        this.vnet = vnet;
        this.innerMtu = innerMtu;
        this.counters = counters;
        this.host = host;
        this.segmenter = segmenter;
        this.hold = hold;
        this.uplink = uplink;
        this.sender = sender;
        this.tally = tally;
        // with a virtio-net header the kernel may hand over 64 KiB TCP super-frames (TSO)
        this.tapIn = new FrameBatch(QueueAgent.BATCH, vnet != 0 ? QueueAgent.MAX_SUPER_FRAME : QueueAgent.MAX_FRAME);
    }

    /** Starts a duty cycle: the FIB it applies and the time it reads. */
    void begin(final Fib current, final long now)
    {
        this.fib = current;
        this.nowNs = now;
        if (endToEnd != null)
        {
            endToEnd.begin();
        }
    }

    /** Reads, answers, encapsulates and sends one batch from the TAP. @return frames read. */
    int poll()
    {
        final int n = tap.read(tapIn);
        final long readErrors = tap.readErrors();
        if (readErrors != counters.tapReadErrors.getPlain())
        {
            counters.tapReadErrors.setRelease(readErrors);
        }
        if (n == 0)
        {
            return 0;
        }
        if (PacketTrace.ON)
        {
            PacketTrace.event(PacketTrace.TAP_READ, n);
        }
        counters.tapRxFrames.getAndAddRelease(n);
        final UnsafeBuffer buffer = tapIn.buffer();
        udpOut.reset();
        replies.reset();
        for (int i = 0; i < n; i++)
        {
            onFrame(buffer, tapIn.dataOffset(i), tapIn.length(i));
        }
        if (replies.count() > 0)
        {
            sender.writeTap(replies);
            host.endOfBatch();
        }
        sendQueued();
        uplink.endOfBatch();
        return n;
    }

    private void onFrame(final UnsafeBuffer buffer, final int frame, final int length)
    {
        if (length < Ethernet.HEADER_LENGTH)
        {
            counters.drop(DropReason.TAP_TRUNCATED);
            return;
        }
        int partialHeader = -1;
        if (vnet != 0 && !VirtioNetHeader.isPlain(buffer, frame - vnet))
        {
            final int header = frame - vnet;
            final int gso = VirtioNetHeader.gsoType(buffer, header);
            if (gso == VirtioNetHeader.GSO_TCPV4 || gso == VirtioNetHeader.GSO_UDP_L4)
            {
                onSuperFrame(buffer, frame, length, gso, VirtioNetHeader.gsoSize(buffer, header));
                return;
            }
            if (gso != VirtioNetHeader.GSO_NONE)
            {
                counters.drop(DropReason.TAP_OFFLOAD_UNEXPECTED);
                return;
            }
            partialHeader = header;
        }
        final int ethertype = Ethernet.ethertype(buffer, frame);
        if (ethertype == Ethernet.ETHERTYPE_IPV4)
        {
            onIpv4(buffer, frame + Ethernet.HEADER_LENGTH, length - Ethernet.HEADER_LENGTH, partialHeader);
        }
        else if (ethertype == Ethernet.ETHERTYPE_ARP)
        {
            host.onArp(fib, buffer, frame, length, replies);
        }
        else
        {
            counters.drop(DropReason.NOT_IPV4);
        }
    }

    /**
     * @param partialHeader the frame's virtio-net header if its checksum is partial (the kernel left
     *                      it to offload), else -1.
     */
    private void onIpv4(final UnsafeBuffer buffer, final int ip, final int available, final int partialHeader)
    {
        final int length = Ipv4.validLength(buffer, ip, available);
        if (length < 0)
        {
            counters.drop(available < Ipv4.MIN_HEADER_LENGTH ? DropReason.TAP_TRUNCATED : DropReason.BAD_IPV4);
            return;
        }
        if (length > innerMtu)
        {
            counters.drop(DropReason.OVERSIZED);
            return;
        }
        // a partial checksum goes out partial to a peer that takes it, else it is completed here
        // first (before a DHCP answer or a hold that would keep the packet for later)
        final int destination = Ipv4.destination(buffer, ip);
        final int route = fib.route(destination);
        final boolean leavePartial = partialHeader >= 0 && leavesPartial(buffer, ip, length, partialHeader, route);
        if (partialHeader >= 0 && !leavePartial)
        {
            if (!checksumFits(buffer, ip - Ethernet.HEADER_LENGTH, length + Ethernet.HEADER_LENGTH, partialHeader))
            {
                counters.drop(DropReason.TAP_OFFLOAD_UNEXPECTED);
                return;
            }
            completeChecksum(buffer, ip - Ethernet.HEADER_LENGTH, length + Ethernet.HEADER_LENGTH, partialHeader);
        }
        if (Dhcp.isRequest(buffer, ip, length))
        {
            host.onDhcp(fib, buffer, ip - Ethernet.HEADER_LENGTH, length + Ethernet.HEADER_LENGTH, replies);
            return;
        }
        final long next = nextHop(destination, route, buffer, ip, length);
        if (next >= 0)
        {
            encapsulate(buffer, ip, length, (int)(next >>> 32), (int)next, leavePartial);
        }
    }

    /**
     * @return true if this packet, whose checksum the kernel left partial at the place a receiver
     *         expects it, goes straight over a direct link whose peer takes partial checksums.
     */
    private boolean leavesPartial(final UnsafeBuffer buffer, final int ip, final int length, final int vnetHeader,
        final int route)
    {
        final int field = PartialChecksums.fieldOffset(buffer, ip, length);
        final int transport = Ethernet.HEADER_LENGTH + Ipv4.headerLength(buffer, ip);
        if (field < 0 || VirtioNetHeader.checksumStart(buffer, vnetHeader) != transport ||
            VirtioNetHeader.checksumOffset(buffer, vnetHeader) != field)
        {
            return false;
        }
        return route != Fib.NONE && sendsPartial(route, fib.routeNextHop(route));
    }

    /** @return true if a packet on this route and next hop may go out with its checksum partial. */
    boolean sendsPartial(final int route, final int hop)
    {
        return hop != Fib.NONE && fib.routeDirect(route) && fib.linkRemoteId(hop) != 0 && partial.peerTakes(hop);
    }

    /** Splits a TCP (TSO) or UDP (USO) super-frame into complete packets and sends them. */
    private void onSuperFrame(final UnsafeBuffer buffer, final int frame, final int length, final int gsoType, final int size)
    {
        final int headers = segmenter.headers(buffer, frame, length, gsoType, size);
        if (headers < 0)
        {
            counters.drop(DropReason.TAP_OFFLOAD_UNEXPECTED);
            return;
        }
        final int destination = Ipv4.destination(buffer, frame + Ethernet.HEADER_LENGTH);
        final long next = nextHop(destination, fib.route(destination), null, 0, 0);
        if (next >= 0)
        {
            segmenter.split(buffer, frame, length, size, headers, this, (int)(next >>> 32), (int)next);
        }
    }

    /**
     * Finds the next hop for a destination and its FIB route. A packet ({@code buffer} not null) to a subnet
     * address without a route asks for its resolution and may be held meanwhile.
     *
     * @return the route in the high and the next-hop link in the low 32 bits, or -1 after counting the drop.
     */
    private long nextHop(final int destination, final int route, final UnsafeBuffer buffer, final int ip, final int length)
    {
        if ((destination >>> 28) == 0xE || destination == -1 || fib.isSubnetBroadcast(destination))
        {
            counters.drop(DropReason.NOT_UNICAST);
            return -1;
        }
        final int hop = route == Fib.NONE ? Fib.NONE : fib.routeNextHop(route);
        if (hop == Fib.NONE)
        {
            if (route == Fib.NONE && fib.inSubnet(destination))
            {
                uplink.resolve(destination, nowNs);
                if (buffer != null && hold.hold(buffer, ip, length, destination, nowNs))
                {
                    return -1;
                }
            }
            counters.drop(DropReason.NO_ROUTE);
            return -1;
        }
        if (fib.routeDirect(route) && fib.linkRemoteId(hop) == 0)
        {
            counters.drop(DropReason.LINK_NOT_READY);
            return -1;
        }
        if (!sessionReady(route))
        {
            if (buffer == null || !hold.hold(buffer, ip, length, destination, nowNs))
            {
                counters.drop(DropReason.END_TO_END_PENDING);
            }
            return -1;
        }
        return ((long)route << 32) | hop;
    }

    /**
     * @return true if a packet on this route can be sent now: it goes over a direct link, this node
     *         is insecure, or it has an end-to-end session with the route's node (else it asks for one).
     */
    boolean sessionReady(final int route)
    {
        if (endToEnd == null || fib.routeDirect(route) || endToEnd.keypair(fib, route) != null)
        {
            return true;
        }
        uplink.endToEnd(fib.routeAddresses(), route * WireHeader.ADDRESS_LENGTH, nowNs);
        return false;
    }

    /** Writes the DATA or ROUTED header in front of the IPv4 packet (checksums complete) and queues the datagram. */
    void encapsulate(final UnsafeBuffer buffer, final int packet, final int packetLength, final int route, final int hop)
    {
        encapsulate(buffer, packet, packetLength, route, hop, false);
    }

    /**
     * Writes the DATA or ROUTED header in front of the IPv4 packet and queues the datagram.
     *
     * @param partialChecksum the packet's checksum is partial and the route {@link #sendsPartial}.
     */
    void encapsulate(final UnsafeBuffer buffer, final int packet, final int packetLength, final int route, final int hop,
        final boolean partialChecksum)
    {
        int ip = packet;
        int length = packetLength;
        final int header;
        if (fib.routeDirect(route))
        {
            header = ip - WireHeader.DATA_LENGTH;
            WireHeader.writeLinkHeader(buffer, header, WireHeader.TYPE_DATA,
                partial.dataFlags() | (partialChecksum ? WireHeader.FLAG_CHECKSUM_PARTIAL : 0), fib.linkRemoteId(hop));
        }
        else
        {
            if (udpOut.count() == udpOut.capacity())
            {
                flushBatch(); // before the end-to-end seal is queued: the batches go out together
            }
            final int payloadType = endToEnd == null ? WireHeader.PAYLOAD_IPV4 : WireHeader.PAYLOAD_SEALED_IPV4;
            if (endToEnd != null)
            {
                final Keypair keypair = endToEnd.keypair(fib, route);
                if (keypair == null)
                {
                    counters.drop(DropReason.END_TO_END_PENDING);
                    return;
                }
                if (!endToEnd.add(keypair, buffer, ip, length))
                {
                    return;
                }
                length += WireHeader.END_TO_END_OVERHEAD;
                ip -= WireHeader.SEALED_LENGTH;
            }
            header = ip - WireHeader.ROUTED_LENGTH;
            final int address = route * WireHeader.ADDRESS_LENGTH;
            WireHeader.writeRouted(buffer, header, fib.localAddress(), fib.routeAddresses(), address,
                WireHeader.DEFAULT_TTL, WireHeader.DELIVERY_EXACT, payloadType);
            uplink.routed(fib.routeAddresses(), address);
            if (fib.linkRelayed(hop))
            {
                WireHeader.markRelayed(buffer, header, fib.linkRemoteId(hop));
            }
        }
        final int datagram = length + (ip - header);
        if (udpOut.count() == udpOut.capacity())
        {
            flushBatch();
        }
        udpOut.add(buffer, header, datagram, fib.linkEndpoint(hop));
        tally.tx(hop, datagram);
    }

    /** @return true if the offsets of a partial checksum ({@code NEEDS_CSUM}) fit the frame. */
    private static boolean checksumFits(final UnsafeBuffer buffer, final int frame, final int length, final int vnetHeader)
    {
        final int start = VirtioNetHeader.checksumStart(buffer, vnetHeader);
        return start >= Ethernet.HEADER_LENGTH && start + VirtioNetHeader.checksumOffset(buffer, vnetHeader) + 2 <= length;
    }

    /** Completes the checksum the kernel left partial ({@code NEEDS_CSUM}; offsets {@link #checksumFits}), as a NIC would. */
    private static void completeChecksum(final UnsafeBuffer buffer, final int frame, final int length, final int vnetHeader)
    {
        final int start = VirtioNetHeader.checksumStart(buffer, vnetHeader);
        final int field = VirtioNetHeader.checksumOffset(buffer, vnetHeader);
        Checksum.complete(buffer, frame + start, length - start, field);
    }

    /** @return true if the list of datagrams to send is full (the next one flushes it). */
    boolean batchFull()
    {
        return udpOut.count() == udpOut.capacity();
    }

    /** Sends what egress queued so far and frees the segment buffer (a batch can outgrow both). */
    void flushBatch()
    {
        if (endToEnd != null)
        {
            endToEnd.run();
        }
        if (udpOut.count() > 0)
        {
            sender.sendAll(udpOut);
        }
        udpOut.reset();
        segmenter.reset();
    }

    /** Sends what is queued and adds the batch's link counts. */
    void sendQueued()
    {
        flushBatch();
        tally.flush(fib, counters);
    }
}

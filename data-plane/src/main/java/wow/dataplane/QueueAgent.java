package wow.dataplane;

import org.agrona.concurrent.Agent;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;

import java.nio.ByteOrder;
import wow.dataplane.fib.Fib;
import wow.dataplane.fib.FibPublication;
import wow.dataplane.fib.RingDistance;
import wow.dataplane.port.FrameBatch;
import wow.dataplane.port.OutList;
import wow.dataplane.port.TapPort;
import wow.dataplane.port.UdpPort;
import wow.dataplane.protocol.Arp;
import wow.dataplane.protocol.Checksum;
import wow.dataplane.protocol.Dhcp;
import wow.dataplane.protocol.Ethernet;
import wow.dataplane.protocol.Ipv4;
import wow.dataplane.protocol.VirtioNetHeader;
import wow.dataplane.protocol.WireHeader;
import wow.dataplane.status.CounterTypes;
import wow.dataplane.status.DropReason;
import wow.dataplane.status.QueueCounters;

/**
 * Moves the packets of one TAP queue and its UDP socket; every method runs on this agent's
 * thread. One duty cycle:
 * <ol>
 * <li>one volatile read of the current FIB (its version is recorded in a counter);</li>
 * <li>egress: read a batch of frames from the TAP queue; answer ARP in place; look up each IPv4
 *     packet's route; write the DATA or ROUTED header in the headroom in front of it; send the
 *     batch with one sendmmsg;</li>
 * <li>ingress: receive a batch of datagrams with one recvmmsg; DATA is checked against its link
 *     and written to the TAP behind a rebuilt Ethernet header; ROUTED is delivered here or
 *     forwarded greedily to the next hop (transit, in place); CONTROL goes up to the conductor;</li>
 * <li>send what the conductor queued on this queue's down ring.</li>
 * </ol>
 * Nothing here allocates, locks or logs; every discarded packet is counted by reason.
 * Both directions live in one agent so that a flow stays on one core end to end.
 */
public final class QueueAgent implements Agent
{
    /** Frames or datagrams per batch. */
    public static final int BATCH = 64;
    /** Largest frame or datagram a slot takes. */
    public static final int MAX_FRAME = 2048;
    /** Largest TAP frame with TSO: a 64 KiB IPv4 packet and its Ethernet header. */
    public static final int MAX_SUPER_FRAME = 65_536 + 64;
    /** Datagrams per sendmmsg: one TAP batch of super-frames becomes many segments. */
    public static final int SEND_BATCH = 256;
    private static final int TCP_FIN = 0x01;
    private static final int TCP_PSH = 0x08;
    private static final int TCP_CWR = 0x80;
    /** Longest wait for a full socket before the rest of a batch is dropped (back-pressure). */
    private static final int SEND_WAIT_LIMIT_MS = 100;
    private static final int DOWN_MESSAGES_PER_CYCLE = 64;

    private final int queue;
    private final TapPort tap;
    private final UdpPort udp;
    private final FibPublication fibs;
    private final QueueCounters counters;
    private final byte[] tapMac;
    private final int innerMtu;
    private final RingBuffer controlUp;
    private final RingBuffer controlDown;
    private final Runnable conductorWakeup;
    private boolean handedUp;

    private final FrameBatch tapIn;
    private final FrameBatch segments;
    private int segmentsUsed;
    private int route;
    private final FrameBatch udpIn = new FrameBatch(BATCH, MAX_FRAME);
    private final FrameBatch downBatch = new FrameBatch(DOWN_MESSAGES_PER_CYCLE, MAX_FRAME);
    private final OutList udpOut = new OutList(SEND_BATCH);
    private final OutList tapOut = new OutList(BATCH);
    private final OutList tapCoalesced = new OutList(BATCH);
    private final TcpCoalescer coalescer = new TcpCoalescer(BATCH);
    private final int vnet;
    private final OutList downOut = new OutList(DOWN_MESSAGES_PER_CYCLE);
    private final UdpPort.SendResult sendResult = new UdpPort.SendResult();
    private final RingDistance scratch = new RingDistance();
    private final RingDistance best = new RingDistance();
    private long relayTokens = Long.MAX_VALUE / 4; // a full bucket at start (clamped at first use)
    private int relayedInBatch;
    private int routedSinceSample;
    private int dhcpInBatch;
    /** Lease time a DHCP client is given; the node answers renewals for as long as it lives. */
    static final int DHCP_LEASE_SECONDS = 3_600;
    private Fib appliedFib;
    private long egressPausedUntilNs;
    /** How long egress pauses when a route becomes direct: longer than the old path's extra delay. */
    static final long SWITCH_PAUSE_NS = 10_000_000;
    private long relayRefillNs = System.nanoTime();
    private final MessageHandler downHandler = this::onDownMessage;

    private final LinkTally tally = new LinkTally();
    /** Packets held while their destination resolves: a few, for at most a second. */
    private static final int HOLD_SLOTS = 16;
    private static final long HOLD_TIMEOUT_NS = 1_000_000_000L;
    private final FrameBatch held = new FrameBatch(HOLD_SLOTS, MAX_FRAME);
    private final int[] heldDestination = new int[HOLD_SLOTS];
    private final long[] heldSince = new long[HOLD_SLOTS];
    private int heldCount;
    private UnsafeBuffer holdingBuffer;
    private int holdingIp;
    private int holdingLength;
    private static final long RESOLVE_INTERVAL_NS = 1_000_000_000L;
    private final ReportGate resolveGate = new ReportGate(RESOLVE_INTERVAL_NS);
    private final ReportGate unreachableGate = new ReportGate(RESOLVE_INTERVAL_NS);
    private final ReportGate movedGate = new ReportGate(100_000_000L);
    /** The clock read once per batch: what rate limits and gates compare against. */
    private long batchNs = System.nanoTime();
    private final UnsafeBuffer resolveRequest = new UnsafeBuffer(new byte[4]);
    private Fib fib;

    /**
     * @param queue       queue number, for names and counters.
     * @param tap         the TAP queue, or null for a node without a TAP.
     * @param udp         this queue's UDP socket.
     * @param fibs        where the conductor publishes FIB versions.
     * @param counters    this queue's counters.
     * @param tapMac      the kernel side's MAC: destination of frames written to the TAP.
     * @param innerMtu    largest IPv4 packet carried.
     * @param controlUp   ring to the conductor (many writers).
     * @param controlDown ring from the conductor to this queue (one writer).
     * @param conductorWakeup signalled once after a batch that handed something up.
     */
    public QueueAgent(
        final int queue,
        final TapPort tap,
        final UdpPort udp,
        final FibPublication fibs,
        final QueueCounters counters,
        final byte[] tapMac,
        final int innerMtu,
        final RingBuffer controlUp,
        final RingBuffer controlDown,
        final Runnable conductorWakeup)
    {
        this.conductorWakeup = conductorWakeup;
        this.queue = queue;
        this.tap = tap;
        this.udp = udp;
        this.fibs = fibs;
        this.counters = counters;
        this.tapMac = tapMac.clone();
        this.innerMtu = innerMtu;
        this.controlUp = controlUp;
        this.controlDown = controlDown;
        this.vnet = tap == null ? 0 : tap.vnetHeaderLength();
        // with a virtio-net header the kernel may hand over 64 KiB TCP super-frames (TSO)
        this.tapIn = new FrameBatch(BATCH, vnet != 0 ? MAX_SUPER_FRAME : MAX_FRAME);
        this.segments = new FrameBatch(vnet != 0 ? SEND_BATCH : 1, innerMtu);
    }

    @Override
    public String roleName()
    {
        return "wow-queue-" + queue;
    }

    /** @return the fds to poll when idle: the TAP queue's (if any) and the socket's. */
    public int[] pollFds()
    {
        if (tap == null || tap.pollFd() < 0)
        {
            return udp.pollFd() < 0 ? new int[0] : new int[] {udp.pollFd()};
        }
        return udp.pollFd() < 0 ? new int[] {tap.pollFd()} : new int[] {tap.pollFd(), udp.pollFd()};
    }

    @Override
    public int doWork()
    {
        fib = fibs.current();
        int work = 0;
        if (fib != appliedFib)
        {
            if (appliedFib != null && shortened(appliedFib, fib))
            {
                // a destination moved from an overlay route to a direct link (a shortcut): packets
                // sent now would overtake those still on the longer path, and TCP would take the
                // reordering for loss. Stop reading the TAP for one path delay (the kernel queues
                // the frames), so the longer path drains first.
                egressPausedUntilNs = System.nanoTime() + SWITCH_PAUSE_NS;
                counters.pathSwitchPauses.incrementRelease();
            }
            appliedFib = fib;
            counters.fibVersion.setRelease(fib.version());
            tally.ensure(fib.linkCount());
            if (heldCount > 0)
            {
                work += releaseHeld(); // a new FIB may know where held packets go: send them first, in order
            }
        }
        else if (heldCount > 0)
        {
            expireHeld();
        }
        if (tap != null)
        {
            if (egressPausedUntilNs == 0 || System.nanoTime() - egressPausedUntilNs >= 0)
            {
                egressPausedUntilNs = 0;
                work += egress();
            }
            else
            {
                work++; // stay awake until the pause ends
            }
        }
        work += ingress();
        work += drainControlDown();
        return work;
    }

    /** @return true if some destination routed (not direct) in {@code before} is direct in {@code after}. */
    private static boolean shortened(final Fib before, final Fib after)
    {
        for (int r = 0; r < after.routeCount(); r++)
        {
            if (after.routeDirect(r))
            {
                final int old = before.route(after.routeIp(r));
                if (old != Fib.NONE && !before.routeDirect(old) && before.routeNextHop(old) != Fib.NONE)
                {
                    return true;
                }
            }
        }
        return false;
    }

    // ------------------------------------------------------------------ egress: TAP -> UDP

    private int egress()
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
        counters.tapRxFrames.getAndAddRelease(n);
        batchNs = System.nanoTime();
        final UnsafeBuffer buffer = tapIn.buffer();
        udpOut.reset();
        tapOut.reset();
        for (int i = 0; i < n; i++)
        {
            onTapFrame(buffer, tapIn.dataOffset(i), tapIn.length(i));
        }
        if (tapOut.count() > 0)
        {
            writeTap(tapOut);
            counters.arpReplies.getAndAddRelease(tapOut.count() - dhcpInBatch);
            dhcpInBatch = 0;
        }
        flushEgress();
        tally.flush(fib, counters);
        if (handedUp)
        {
            handedUp = false;
            conductorWakeup.run();
        }
        return n;
    }

    private void onTapFrame(final UnsafeBuffer buffer, final int frame, final int length)
    {
        if (length < Ethernet.HEADER_LENGTH)
        {
            counters.drop(DropReason.TAP_TRUNCATED);
            return;
        }
        if (vnet != 0 && !VirtioNetHeader.isPlain(buffer, frame - vnet))
        {
            final int header = frame - vnet;
            final int gso = VirtioNetHeader.gsoType(buffer, header);
            if (gso == VirtioNetHeader.GSO_TCPV4)
            {
                onTapTcpSuperFrame(buffer, frame, length, VirtioNetHeader.gsoSize(buffer, header));
                return;
            }
            if (gso != VirtioNetHeader.GSO_NONE || !completeChecksum(buffer, frame, length, header))
            {
                counters.drop(DropReason.TAP_OFFLOAD_UNEXPECTED);
                return;
            }
        }
        final int ethertype = Ethernet.ethertype(buffer, frame);
        if (ethertype == Ethernet.ETHERTYPE_IPV4)
        {
            onTapIpv4(buffer, frame + Ethernet.HEADER_LENGTH, length - Ethernet.HEADER_LENGTH);
        }
        else if (ethertype == Ethernet.ETHERTYPE_ARP)
        {
            onTapArp(buffer, frame, length);
        }
        else
        {
            counters.drop(DropReason.NOT_IPV4);
        }
    }

    private void onTapArp(final UnsafeBuffer buffer, final int frame, final int length)
    {
        final int arp = frame + Ethernet.HEADER_LENGTH;
        if (length - Ethernet.HEADER_LENGTH < Arp.LENGTH)
        {
            counters.drop(DropReason.TAP_TRUNCATED);
            return;
        }
        final int target = Arp.targetIp(buffer, arp);
        if (!Arp.isRequest(buffer, arp, length - Ethernet.HEADER_LENGTH) || !fib.inSubnet(target) ||
            target == fib.localIp())
        {
            counters.drop(DropReason.ARP_IGNORED);
            return;
        }
        Arp.rewriteAsReply(buffer, frame, Ethernet.VIRTUAL_MAC);
        if (vnet != 0)
        {
            VirtioNetHeader.writePlain(buffer, frame - vnet);
        }
        tapOut.add(buffer, frame - vnet, vnet + Ethernet.HEADER_LENGTH + Arp.LENGTH, 0);
    }

    /** Answers the TAP host's DHCP request in place with this node's leased virtual IP. */
    private void onTapDhcp(final UnsafeBuffer buffer, final int frame, final int length)
    {
        if (!fib.hasLocalIp() || length < Ethernet.HEADER_LENGTH + 20)
        {
            counters.drop(DropReason.DHCP_IGNORED);
            return;
        }
        final int subnet = fib.localIp() & (int)(0xFFFF_FFFFL << (32 - fib.prefix()));
        final int reply = Dhcp.reply(buffer, frame, length, tapMac, fib.localIp(), fib.prefix(), subnet + 1, innerMtu,
            DHCP_LEASE_SECONDS);
        if (reply < 0)
        {
            counters.drop(DropReason.DHCP_IGNORED);
            return;
        }
        if (vnet != 0)
        {
            VirtioNetHeader.writePlain(buffer, frame - vnet);
        }
        tapOut.add(buffer, frame - vnet, vnet + reply, 0);
        counters.dhcpReplies.incrementRelease();
        dhcpInBatch++;
    }

    private void onTapIpv4(final UnsafeBuffer buffer, final int ip, final int available)
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
        if (Dhcp.isRequest(buffer, ip, length))
        {
            onTapDhcp(buffer, ip - Ethernet.HEADER_LENGTH, length + Ethernet.HEADER_LENGTH);
            return;
        }
        holdingBuffer = buffer;
        holdingIp = ip;
        holdingLength = length;
        final int hop = nextHop(Ipv4.destination(buffer, ip));
        holdingBuffer = null;
        if (hop != Fib.NONE)
        {
            encapsulate(buffer, ip, length, hop);
        }
    }

    /**
     * Finds the next hop for a destination, leaving its route in {@link #route}.
     *
     * @return the next-hop link, or {@link Fib#NONE} after counting the drop.
     */
    private int nextHop(final int destination)
    {
        if ((destination >>> 28) == 0xE || destination == -1 || fib.isSubnetBroadcast(destination))
        {
            counters.drop(DropReason.NOT_UNICAST);
            return Fib.NONE;
        }
        route = fib.route(destination);
        final int hop = route == Fib.NONE ? Fib.NONE : fib.routeNextHop(route);
        if (hop == Fib.NONE)
        {
            if (route == Fib.NONE && fib.inSubnet(destination))
            {
                requestResolution(destination);
                if (hold(destination))
                {
                    return Fib.NONE;
                }
            }
            counters.drop(DropReason.NO_ROUTE);
            return Fib.NONE;
        }
        if (fib.routeDirect(route) && fib.linkRemoteId(hop) == 0)
        {
            counters.drop(DropReason.LINK_NOT_READY);
            return Fib.NONE;
        }
        return hop;
    }

    /** Writes the DATA or ROUTED header in front of the IPv4 packet and queues the datagram. */
    private void encapsulate(final UnsafeBuffer buffer, final int ip, final int length, final int hop)
    {
        final int header;
        if (fib.routeDirect(route))
        {
            header = ip - WireHeader.DATA_LENGTH;
            WireHeader.writeLinkHeader(buffer, header, WireHeader.TYPE_DATA, fib.linkRemoteId(hop));
        }
        else
        {
            header = ip - WireHeader.ROUTED_LENGTH;
            WireHeader.writeRouted(buffer, header, fib.localAddress(), fib.routeAddresses(), route * WireHeader.ADDRESS_LENGTH,
                WireHeader.DEFAULT_TTL, WireHeader.DELIVERY_EXACT, WireHeader.PAYLOAD_IPV4);
            if (++routedSinceSample >= ControlMessages.TRAFFIC_SAMPLE)
            {
                // one in 64 routed packets tells the conductor where traffic goes (shortcut policy)
                routedSinceSample = 0;
                up(ControlMessages.UP_TRAFFIC, fib.routeAddresses(), route * WireHeader.ADDRESS_LENGTH, WireHeader.ADDRESS_LENGTH, 0);
            }
            if (fib.linkRelayed(hop))
            {
                WireHeader.markRelayed(buffer, header, fib.linkRemoteId(hop));
            }
        }
        final int datagram = length + (ip - header);
        if (udpOut.count() == udpOut.capacity())
        {
            flushEgress();
        }
        udpOut.add(buffer, header, datagram, fib.linkEndpoint(hop));
        tally.tx(hop, datagram);
    }

    /**
     * Splits a TCP super-frame the kernel handed over (TSO) into segments of {@code mss} bytes,
     * each a complete IPv4/TCP packet with its own checksums, as a NIC would, and sends them.
     */
    private void onTapTcpSuperFrame(final UnsafeBuffer buffer, final int frame, final int length, final int mss)
    {
        final int ip = frame + Ethernet.HEADER_LENGTH;
        final int tcpHeader = length >= Ethernet.HEADER_LENGTH + 40 ? ((buffer.getByte(ip + 32) & 0xF0) >>> 4) * 4 : 0;
        final int headers = 20 + tcpHeader;
        if (Ethernet.ethertype(buffer, frame) != Ethernet.ETHERTYPE_IPV4 || buffer.getByte(ip) != 0x45 ||
            buffer.getByte(ip + 9) != 6 || tcpHeader < 20 || Ethernet.HEADER_LENGTH + headers >= length || mss <= 0 ||
            headers + mss > innerMtu)
        {
            counters.drop(DropReason.TAP_OFFLOAD_UNEXPECTED);
            return;
        }
        final int hop = nextHop(Ipv4.destination(buffer, ip));
        if (hop == Fib.NONE)
        {
            return;
        }
        final int payload = length - Ethernet.HEADER_LENGTH - headers;
        final int id = buffer.getShort(ip + 4, ByteOrder.BIG_ENDIAN) & 0xFFFF;
        final long seq = buffer.getInt(ip + 24, ByteOrder.BIG_ENDIAN) & 0xFFFF_FFFFL;
        final int flags = buffer.getByte(ip + 33) & 0xFF;
        int k = 0;
        for (int off = 0; off < payload; off += mss, k++)
        {
            final int chunk = Math.min(mss, payload - off);
            if (segmentsUsed == segments.slots())
            {
                flushEgress();
            }
            final UnsafeBuffer out = segments.buffer();
            final int seg = segments.dataOffset(segmentsUsed++);
            out.putBytes(seg, buffer, ip, headers);
            out.putBytes(seg + headers, buffer, ip + headers + off, chunk);
            out.putShort(seg + 2, (short)(headers + chunk), ByteOrder.BIG_ENDIAN);
            out.putShort(seg + 4, (short)(id + k), ByteOrder.BIG_ENDIAN);
            Checksum.writeIpv4Header(out, seg);
            out.putInt(seg + 24, (int)(seq + off), ByteOrder.BIG_ENDIAN);
            int segFlags = flags;
            if (off + chunk < payload)
            {
                segFlags &= ~(TCP_FIN | TCP_PSH);
            }
            if (k > 0)
            {
                segFlags &= ~TCP_CWR;
            }
            out.putByte(seg + 33, (byte)segFlags);
            out.putShort(seg + 36, (short)Checksum.fold(Checksum.ipv4PseudoHeader(out, seg, 6, tcpHeader + chunk)),
                ByteOrder.BIG_ENDIAN);
            Checksum.complete(out, seg + 20, tcpHeader + chunk, 16);
            encapsulate(out, seg, headers + chunk, hop);
        }
    }

    /**
     * Completes the checksum the kernel left partial ({@code NEEDS_CSUM}), as a NIC would.
     *
     * @return false if the offsets do not fit the frame.
     */
    private static boolean completeChecksum(final UnsafeBuffer buffer, final int frame, final int length, final int vnetHeader)
    {
        final int start = buffer.getShort(vnetHeader + 6, ByteOrder.LITTLE_ENDIAN) & 0xFFFF;
        final int field = buffer.getShort(vnetHeader + 8, ByteOrder.LITTLE_ENDIAN) & 0xFFFF;
        if (start < Ethernet.HEADER_LENGTH || start + field + 2 > length)
        {
            return false;
        }
        Checksum.complete(buffer, frame + start, length - start, field);
        if (field == 6 && buffer.getShort(frame + start + 6) == 0)
        {
            buffer.putShort(frame + start + 6, (short)0xFFFF); // UDP: a computed 0 is sent as all ones
        }
        return true;
    }

    /** Sends what egress queued so far and frees the segment buffer (a batch can outgrow both). */
    private void flushEgress()
    {
        if (udpOut.count() > 0)
        {
            sendAll(udpOut);
        }
        udpOut.reset();
        segmentsUsed = 0;
    }

    // ------------------------------------------------------------------ ingress: UDP -> TAP

    private int ingress()
    {
        final int n = udp.receive(udpIn);
        if (n == 0)
        {
            return 0;
        }
        counters.udpRxDatagrams.getAndAddRelease(n);
        final long kernelDrops = udp.kernelDrops();
        if (kernelDrops != counters.udpRxKernelDrops.getPlain())
        {
            counters.udpRxKernelDrops.setRelease(kernelDrops);
        }
        batchNs = System.nanoTime();
        final UnsafeBuffer buffer = udpIn.buffer();
        tapOut.reset();
        udpOut.reset();
        for (int i = 0; i < n; i++)
        {
            onDatagram(buffer, udpIn.dataOffset(i), udpIn.length(i), udpIn.endpoint(i));
        }
        if (tapOut.count() > 0)
        {
            if (vnet != 0)
            {
                coalescer.coalesce(tapOut, tapCoalesced);
                writeTap(tapCoalesced);
                counters.tapMergedSegments.setRelease(coalescer.merged());
            }
            else
            {
                writeTap(tapOut);
            }
        }
        if (udpOut.count() > 0)
        {
            counters.transitForwarded.getAndAddRelease(udpOut.count());
            if (relayedInBatch > 0)
            {
                counters.relayForwarded.getAndAddRelease(relayedInBatch);
                relayedInBatch = 0;
            }
            sendAll(udpOut);
        }
        tally.flush(fib, counters);
        if (handedUp)
        {
            handedUp = false;
            conductorWakeup.run();
        }
        return n;
    }

    private void onDatagram(final UnsafeBuffer buffer, final int offset, final int length, final long endpoint)
    {
        if (length < 0)
        {
            counters.drop(DropReason.DATAGRAM_OVERSIZED);
            return;
        }
        switch (WireHeader.validType(buffer, offset, length))
        {
            case WireHeader.TYPE_DATA:
                onData(buffer, offset, length, endpoint);
                break;
            case WireHeader.TYPE_ROUTED:
                onRouted(buffer, offset, length, endpoint);
                break;
            case WireHeader.TYPE_CONTROL:
                up(ControlMessages.UP_CONTROL, buffer, offset, length, endpoint);
                break;
            default:
                counters.drop(DropReason.BAD_HEADER);
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
            moved(buffer, offset, link, endpoint);
            return;
        }
        if (deliver(buffer, offset + WireHeader.DATA_LENGTH, length - WireHeader.DATA_LENGTH, fib.linkVirtualIp(link)))
        {
            tally.rx(link, length);
        }
    }

    private void onRouted(final UnsafeBuffer buffer, final int offset, final int length, final long endpoint)
    {
        final int destination = offset + WireHeader.DESTINATION_OFFSET;
        final int payload = offset + WireHeader.ROUTED_LENGTH;
        final boolean local = fib.isLocalAddress(buffer, destination);
        int hop = Fib.NONE;
        if (!local)
        {
            final int flags = WireHeader.flags(buffer, offset);
            if ((flags & WireHeader.FLAG_RELAY) != 0)
            {
                relay(buffer, offset, length, endpoint);
                return;
            }
            final boolean exclude = (flags & WireHeader.FLAG_EXCLUDE_SOURCE) != 0;
            // the destination's own link first (a relayed or bootstrap link serves its own peer),
            // else greedy over the routable links
            hop = fib.linkByAddress(buffer, destination);
            if (hop == Fib.NONE || (exclude && fib.linkByAddress(buffer, offset + WireHeader.SOURCE_OFFSET) == hop))
            {
                hop = fib.closestLink(buffer, destination, exclude ? buffer : null, offset + WireHeader.SOURCE_OFFSET, scratch,
                    best);
            }
            if (hop == Fib.NONE && WireHeader.delivery(buffer, offset) != WireHeader.DELIVERY_CLOSEST)
            {
                counters.drop(DropReason.NO_NEXT_HOP);
                if (WireHeader.payloadType(buffer, offset) == WireHeader.PAYLOAD_IPV4)
                {
                    unreachable(buffer, offset, endpoint);
                }
                return;
            }
        }
        if (hop == Fib.NONE)
        {
            if (WireHeader.payloadType(buffer, offset) == WireHeader.PAYLOAD_IPV4)
            {
                // the sender's hop to the first node is one, each node on the way counted one more
                // (read first: the rebuilt Ethernet header overwrites the end of the routed one)
                final int overlayHops = WireHeader.hops(buffer, offset) + 1;
                if (deliver(buffer, payload, length - WireHeader.ROUTED_LENGTH, 0))
                {
                    counters.countRoutedDelivered(overlayHops);
                }
            }
            else
            {
                up(ControlMessages.UP_ROUTED, buffer, offset, length, endpoint);
            }
            return;
        }
        if (WireHeader.ttl(buffer, offset) <= 1)
        {
            counters.drop(DropReason.TTL_EXPIRED);
            return;
        }
        WireHeader.countHop(buffer, offset);
        if (fib.linkRelayed(hop))
        {
            WireHeader.markRelayed(buffer, offset, fib.linkRemoteId(hop));
        }
        udpOut.add(buffer, offset, length, fib.linkEndpoint(hop));
        tally.tx(hop, length);
    }

    /**
     * Forwards a relay-flagged packet over the link its header names, only between a link pair this
     * node was granted, within the relay rate limit; anything else is a counted drop. From here on
     * it is an ordinary routed packet.
     */
    private void relay(final UnsafeBuffer buffer, final int offset, final int length, final long endpoint)
    {
        final int in = fib.linkByEndpoint(endpoint);
        final int out = fib.linkByLocalId(WireHeader.relayLink(buffer, offset));
        if (in == Fib.NONE || out == Fib.NONE || fib.linkRelayed(out) || !fib.relayAllowed(in, out))
        {
            counters.drop(DropReason.RELAY_DENIED);
            return;
        }
        if (!relayTokens(length))
        {
            counters.drop(DropReason.RELAY_RATE);
            return;
        }
        if (WireHeader.ttl(buffer, offset) <= 1)
        {
            counters.drop(DropReason.TTL_EXPIRED);
            return;
        }
        WireHeader.countHop(buffer, offset);
        WireHeader.clearRelay(buffer, offset);
        udpOut.add(buffer, offset, length, fib.linkEndpoint(out));
        tally.tx(out, length);
        relayedInBatch++;
    }

    /** Token bucket of the relay rate limit (burst: a tenth of a second's worth). */
    private boolean relayTokens(final int bytes)
    {
        final long rate = fib.relayBytesPerSecond();
        final long burst = Math.max(rate / 10, 65_536);
        final long elapsedNs = Math.min(batchNs - relayRefillNs, 1_000_000_000L);
        relayTokens = Math.min(burst, relayTokens + elapsedNs * (rate / 1000) / 1_000_000L);
        relayRefillNs = batchNs;
        if (relayTokens < bytes)
        {
            return false;
        }
        relayTokens -= bytes;
        return true;
    }

    /**
     * Queues an inner IPv4 packet for the TAP behind a rebuilt Ethernet header.
     *
     * @param expectedSource the link peer's virtual IP, or 0 when the packet came routed.
     * @return true if it was queued.
     */
    private boolean deliver(final UnsafeBuffer buffer, final int ip, final int available, final int expectedSource)
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
        tapOut.add(buffer, frame - vnet, vnet + Ethernet.HEADER_LENGTH + length, 0);
        return true;
    }

    /**
     * Keeps a copy of the packet being forwarded ({@link #holdingBuffer} at {@link #holdingIp}) until
     * its destination resolves, if a slot is free: a bounded few wait, the rest are counted drops.
     *
     * @return true if it was held.
     */
    private boolean hold(final int destination)
    {
        if (heldCount == HOLD_SLOTS || holdingBuffer == null || holdingLength > held.capacity())
        {
            return false;
        }
        final int slot = heldCount++;
        held.buffer().putBytes(held.dataOffset(slot), holdingBuffer, holdingIp, holdingLength);
        held.length(slot, holdingLength);
        heldDestination[slot] = destination;
        heldSince[slot] = System.nanoTime();
        counters.resolutionHeld.incrementRelease();
        return true;
    }

    /** Sends the held packets whose destination the FIB now knows, in order; keeps the others. */
    private int releaseHeld()
    {
        int sent = 0;
        int kept = 0;
        final long now = System.nanoTime();
        for (int i = 0; i < heldCount; i++)
        {
            final int destination = heldDestination[i];
            final int r = fib.route(destination);
            final int hop = r == Fib.NONE ? Fib.NONE : fib.routeNextHop(r);
            if (hop != Fib.NONE && !(fib.routeDirect(r) && fib.linkRemoteId(hop) == 0))
            {
                route = r;
                encapsulate(held.buffer(), held.dataOffset(i), held.length(i), hop);
                sent++;
            }
            else if (now - heldSince[i] > HOLD_TIMEOUT_NS)
            {
                counters.drop(DropReason.NO_ROUTE);
            }
            else
            {
                if (kept != i)
                {
                    held.buffer().putBytes(held.dataOffset(kept), held.buffer(), held.dataOffset(i), held.length(i));
                    held.length(kept, held.length(i));
                    heldDestination[kept] = destination;
                    heldSince[kept] = heldSince[i];
                }
                kept++;
            }
        }
        if (sent > 0)
        {
            flushEgress();
            tally.flush(fib, counters);
        }
        heldCount = kept;
        return sent;
    }

    private void expireHeld()
    {
        if (System.nanoTime() - heldSince[0] > HOLD_TIMEOUT_NS)
        {
            releaseHeld();
        }
    }

    /**
     * Asks the conductor to resolve a virtual IP, at most once a second per address (a small
     * direct-mapped table, so a flood to unknown addresses cannot flood the conductor).
     */
    private void requestResolution(final int destination)
    {
        if (!resolveGate.admit(destination, batchNs))
        {
            return;
        }
        resolveRequest.putInt(0, destination);
        up(ControlMessages.UP_RESOLVE, resolveRequest, 0, 4, 0);
    }

    /**
     * Reports a link's peer sending from a new endpoint (its address or NAT mapping changed), at
     * most every 100 ms per link: the DATA header carried the link's id, which only the two ends know.
     */
    private void moved(final UnsafeBuffer buffer, final int offset, final int link, final long endpoint)
    {
        if (!movedGate.admit(link, batchNs))
        {
            return;
        }
        up(ControlMessages.UP_MOVED, buffer, offset + WireHeader.LINK_ID_OFFSET, 4, endpoint);
    }

    /** Reports an undeliverable routed packet's header to the conductor, at most once a second per destination. */
    private void unreachable(final UnsafeBuffer buffer, final int offset, final long endpoint)
    {
        if (!unreachableGate.admit(buffer.getInt(offset + WireHeader.DESTINATION_OFFSET), batchNs))
        {
            return;
        }
        up(ControlMessages.UP_UNREACHABLE, buffer, offset, WireHeader.ROUTED_LENGTH, endpoint);
    }

    private void up(final int type, final UnsafeBuffer buffer, final int offset, final int length, final long endpoint)
    {
        final int messageLength = ControlMessages.UP_DATAGRAM_OFFSET + length;
        final int index = messageLength > controlUp.maxMsgLength() ? -1 : controlUp.tryClaim(type, messageLength);
        if (index <= 0)
        {
            counters.drop(DropReason.CONTROL_RING_FULL);
            return;
        }
        final var ring = controlUp.buffer();
        ring.putLong(index + ControlMessages.ENDPOINT_OFFSET, endpoint);
        ring.putInt(index + ControlMessages.QUEUE_OFFSET, queue);
        ring.putBytes(index + ControlMessages.UP_DATAGRAM_OFFSET, buffer, offset, length);
        controlUp.commit(index);
        counters.controlUp.incrementRelease();
        handedUp = true;
    }

    // ------------------------------------------------------------------ conductor -> network

    private int drainControlDown()
    {
        downOut.reset();
        final int n = controlDown.read(downHandler, DOWN_MESSAGES_PER_CYCLE);
        if (downOut.count() > 0)
        {
            counters.controlDown.getAndAddRelease(downOut.count());
            sendAll(downOut);
        }
        return n;
    }

    private void onDownMessage(final int type, final org.agrona.MutableDirectBuffer ring, final int index, final int length)
    {
        final int datagram = length - ControlMessages.DOWN_DATAGRAM_OFFSET;
        final int slot = downOut.count();
        if (type != ControlMessages.DOWN_SEND || datagram <= 0 || datagram > downBatch.capacity() ||
            slot >= downBatch.slots())
        {
            counters.drop(DropReason.BAD_HEADER);
            return;
        }
        final int at = downBatch.dataOffset(slot);
        downBatch.buffer().putBytes(at, ring, index + ControlMessages.DOWN_DATAGRAM_OFFSET, datagram);
        downOut.add(downBatch.buffer(), at, datagram, ring.getLong(index + ControlMessages.ENDPOINT_OFFSET));
    }

    // ------------------------------------------------------------------ batch writes

    private void writeTap(final OutList frames)
    {
        final int written = tap.write(frames);
        counters.tapTxFrames.getAndAddRelease(written);
        if (written < frames.count())
        {
            counters.drop(DropReason.TAP_WRITE_FAILED, frames.count() - written);
        }
    }

    /** Sends the whole list, waiting for room while the socket is full, up to a limit (back-pressure). */
    private void sendAll(final OutList list)
    {
        int from = 0;
        int waitedMs = 0;
        int refused = 0;
        while (from < list.count())
        {
            final int done = udp.send(list, from, sendResult);
            refused += sendResult.refused;
            from += done;
            if (from < list.count())
            {
                if (waitedMs >= SEND_WAIT_LIMIT_MS)
                {
                    counters.drop(DropReason.UDP_SEND_BACKPRESSURE, list.count() - from);
                    break;
                }
                udp.awaitWritable(1);
                waitedMs++;
            }
        }
        if (refused > 0)
        {
            counters.drop(DropReason.UDP_SEND_REFUSED, refused);
        }
        counters.udpTxDatagrams.getAndAddRelease(from - refused);
    }

    /**
     * Per-link packet and byte counts of one batch, added to the shared link counters once per
     * batch. Grows only when a FIB with more links arrives.
     */
    private static final class LinkTally
    {
        private long[] values = new long[0];
        private int[] touched = new int[0];
        private int touchedCount;

        void ensure(final int links)
        {
            if (values.length < links * 4)
            {
                values = new long[links * 4];
                touched = new int[links];
                touchedCount = 0;
            }
        }

        void tx(final int link, final int bytes)
        {
            add(link, CounterTypes.LINK_TX_PACKETS, CounterTypes.LINK_TX_BYTES, bytes);
        }

        void rx(final int link, final int bytes)
        {
            add(link, CounterTypes.LINK_RX_PACKETS, CounterTypes.LINK_RX_BYTES, bytes);
        }

        private void add(final int link, final int packets, final int bytesIndex, final int bytes)
        {
            final int base = link * 4;
            if (values[base] == 0 && values[base + 1] == 0 && values[base + 2] == 0 && values[base + 3] == 0)
            {
                touched[touchedCount++] = link;
            }
            values[base + packets]++;
            values[base + bytesIndex] += bytes;
        }

        void flush(final Fib fib, final QueueCounters counters)
        {
            for (int t = 0; t < touchedCount; t++)
            {
                final int link = touched[t];
                final int base = link * 4;
                for (int k = 0; k < 4; k++)
                {
                    final long v = values[base + k];
                    if (v != 0)
                    {
                        final int id = fib.linkCounterId(link, k);
                        if (id >= 0)
                        {
                            counters.addToCounter(id, v);
                        }
                        values[base + k] = 0;
                    }
                }
            }
            touchedCount = 0;
        }
    }
}

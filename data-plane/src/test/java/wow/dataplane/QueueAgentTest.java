package wow.dataplane;

import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import wow.dataplane.fib.Fib;
import wow.dataplane.fib.FibPublication;
import wow.dataplane.port.Frames;
import wow.dataplane.port.MemoryTapPort;
import wow.dataplane.port.MemoryUdpNetwork;
import wow.dataplane.protocol.Ethernet;
import wow.dataplane.protocol.Ipv4;
import wow.dataplane.protocol.WireHeader;
import wow.dataplane.status.CounterTypes;
import wow.dataplane.status.CountersFile;
import wow.dataplane.status.DropReason;
import wow.dataplane.status.QueueCounters;
import wow.shim.UdpSocket;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Steps one {@link QueueAgent}'s duty cycle against in-memory ports ({@link QueueAgentFixture}). */
class QueueAgentTest extends QueueAgentFixture
{
    @Test
    void recordsTheFibVersionItApplied()
    {
        agent.doWork();
        assertEquals(1, counters.fibVersion.get());
        fibs.publish(fib(7, PEER_LINK_ID));
        agent.doWork();
        assertEquals(7, counters.fibVersion.get());
    }

    @Test
    void encapsulatesIpv4ToTheLinkPeerWithItsLinkId()
    {
        final byte[] packet = Frames.ipv4(LOCAL_IP, PEER_IP, 100, 1);
        tap.inject(Frames.ethernet(packet));
        assertTrue(agent.doWork() > 0);

        final List<byte[]> sent = received(peer);
        assertEquals(1, sent.size());
        final UnsafeBuffer d = new UnsafeBuffer(sent.get(0));
        assertEquals(WireHeader.TYPE_DATA, WireHeader.validType(d, 0, d.capacity()));
        assertEquals(PEER_LINK_ID, WireHeader.linkId(d, 0));
        assertArrayEquals(packet, Arrays.copyOfRange(sent.get(0), WireHeader.DATA_LENGTH, sent.get(0).length));
        assertEquals(1, linkCounter(CounterTypes.LINK_TX_PACKETS));
        assertEquals(100 + WireHeader.DATA_LENGTH, linkCounter(CounterTypes.LINK_TX_BYTES));
        assertEquals(1, counters.udpTxDatagrams.get());
    }

    @Test
    void routesToAnAddressWithoutALinkThroughTheClosestLink()
    {
        tap.inject(Frames.ethernet(Frames.ipv4(LOCAL_IP, FAR_IP, 60, 1)));
        agent.doWork();
        final List<byte[]> sent = received(peer);
        assertEquals(1, sent.size());
        final UnsafeBuffer d = new UnsafeBuffer(sent.get(0));
        assertEquals(WireHeader.TYPE_ROUTED, WireHeader.validType(d, 0, d.capacity()));
        assertEquals(WireHeader.DEFAULT_TTL, WireHeader.ttl(d, 0));
        assertEquals(0x30, d.getByte(WireHeader.DESTINATION_OFFSET));
        assertEquals(0x10, d.getByte(WireHeader.SOURCE_OFFSET));
        assertEquals(60 + WireHeader.ROUTED_LENGTH, sent.get(0).length);
    }

    @Test
    void countsWhatItCannotForward()
    {
        fibs.publish(fib(2, 0));
        tap.inject(Frames.ethernet(Frames.ipv4(LOCAL_IP, PEER_IP, 100, 1)));           // link not ready
        tap.inject(Frames.ethernet(Frames.ipv4(LOCAL_IP, Ipv4.parse("10.1.0.77"), 100, 1))); // unresolved: held
        tap.inject(Frames.ethernet(Frames.ipv4(LOCAL_IP, Ipv4.parse("10.9.9.9"), 100, 1)));  // outside the subnet
        tap.inject(Frames.ethernet(Frames.ipv4(LOCAL_IP, Ipv4.parse("10.1.0.255"), 100, 1))); // broadcast
        tap.inject(Frames.ethernet(Frames.ipv4(LOCAL_IP, Ipv4.parse("224.0.0.251"), 100, 1))); // multicast
        tap.inject(Frames.ethernet(new byte[40], 0x86DD));                                  // IPv6
        tap.inject(new byte[10]);                                                          // truncated
        tap.inject(Frames.ethernet(new byte[12]));                                         // short IPv4
        final byte[] badVersion = Frames.ipv4(LOCAL_IP, PEER_IP, 100, 1);
        badVersion[0] = 0x65;
        tap.inject(Frames.ethernet(badVersion));
        final byte[] lying = Frames.ipv4(LOCAL_IP, PEER_IP, 100, 1);
        lying[3] = (byte)200;                                                              // total length > frame
        tap.inject(Frames.ethernet(lying));
        tap.inject(Frames.ethernet(Frames.ipv4(LOCAL_IP, PEER_IP, 1500, 1)));              // above inner MTU
        agent.doWork();

        assertEquals(1, counters.drops(DropReason.LINK_NOT_READY));
        assertEquals(1, counters.drops(DropReason.NO_ROUTE));
        assertEquals(1, counters.resolutionHeld.get());
        assertEquals(2, counters.drops(DropReason.NOT_UNICAST));
        assertEquals(1, counters.drops(DropReason.NOT_IPV4));
        assertEquals(2, counters.drops(DropReason.TAP_TRUNCATED));
        assertEquals(2, counters.drops(DropReason.BAD_IPV4));
        assertEquals(1, counters.drops(DropReason.OVERSIZED));
        assertEquals(0, received(peer).size());
        assertEquals(11, counters.tapRxFrames.get());
    }

    @Test
    void holdsAFewPacketsForAnUnresolvedAddressAndSendsThemInOrderOnceItResolves()
    {
        final int unknown = Ipv4.parse("10.1.0.77");
        for (int i = 0; i < 20; i++)
        {
            tap.inject(Frames.ethernet(Frames.ipv4(LOCAL_IP, unknown, 60 + i, i)));
        }
        agent.doWork();
        assertEquals(16, counters.resolutionHeld.get(), "a bounded few wait");
        assertEquals(4, counters.drops(DropReason.NO_ROUTE), "the rest are counted drops");
        final int[] resolutions = new int[1];
        up.read((type, buffer, index, length) ->
        {
            if (type == ControlMessages.UP_RESOLVE)
            {
                resolutions[0]++;
                assertEquals(unknown, buffer.getInt(index + ControlMessages.UP_DATAGRAM_OFFSET));
            }
        });
        assertEquals(1, resolutions[0], "asked once, not once per packet");
        assertEquals(0, received(peer).size());

        // the conductor resolved it: 10.1.0.77 lives at the peer's ring address... routed via the peer
        fibs.publish(new Fib.Builder(LOCAL_IP, 24, LOCAL_ADDR)
            .link(PEER_ADDR, PEER_IP, PEER_EP, LOCAL_LINK_ID, PEER_LINK_ID, linkCounters)
            .route(PEER_IP, PEER_ADDR)
            .route(unknown, address(0x21))
            .build(2));
        agent.doWork();
        final List<byte[]> sent = received(peer);
        assertEquals(16, sent.size());
        for (int i = 0; i < 16; i++)
        {
            assertEquals(WireHeader.ROUTED_LENGTH + 60 + i, sent.get(i).length, "in order");
        }
    }

    @Test
    void answersArpForOtherSubnetAddressesOnly()
    {
        tap.inject(Frames.arpRequest(LOCAL_IP, PEER_IP));
        tap.inject(Frames.arpRequest(LOCAL_IP, Ipv4.parse("10.1.0.200")));
        tap.inject(Frames.arpRequest(LOCAL_IP, LOCAL_IP));
        tap.inject(Frames.arpRequest(LOCAL_IP, Ipv4.parse("10.9.0.1")));
        agent.doWork();

        final List<byte[]> replies = tap.drainWritten();
        assertEquals(2, replies.size());
        final ByteBuffer r = ByteBuffer.wrap(replies.get(0));
        assertEquals(42, replies.get(0).length);
        assertArrayEquals(Frames.HOST_MAC, Arrays.copyOfRange(replies.get(0), 0, 6));
        assertArrayEquals(Ethernet.VIRTUAL_MAC, Arrays.copyOfRange(replies.get(0), 6, 12));
        assertEquals(Ethernet.ETHERTYPE_ARP, r.getShort(12) & 0xFFFF);
        assertEquals(2, r.getShort(14 + 6));
        assertArrayEquals(Ethernet.VIRTUAL_MAC, Arrays.copyOfRange(replies.get(0), 22, 28));
        assertEquals(PEER_IP, r.getInt(28));
        assertArrayEquals(Frames.HOST_MAC, Arrays.copyOfRange(replies.get(0), 32, 38));
        assertEquals(LOCAL_IP, r.getInt(38));
        assertEquals(Ipv4.parse("10.1.0.200"), ByteBuffer.wrap(replies.get(1)).getInt(28));
        assertEquals(2, counters.drops(DropReason.ARP_IGNORED));
        assertEquals(2, counters.arpReplies.get());
    }

    @Test
    void deliversDataToTheTapBehindAnEthernetHeader()
    {
        final byte[] packet = Frames.ipv4(PEER_IP, LOCAL_IP, 200, 5);
        udp.inject(PEER_EP, data(LOCAL_LINK_ID, packet));
        agent.doWork();
        final List<byte[]> frames = tap.drainWritten();
        assertEquals(1, frames.size());
        assertArrayEquals(TAP_MAC, Arrays.copyOfRange(frames.get(0), 0, 6));
        assertArrayEquals(Ethernet.VIRTUAL_MAC, Arrays.copyOfRange(frames.get(0), 6, 12));
        assertArrayEquals(packet, Arrays.copyOfRange(frames.get(0), 14, frames.get(0).length));
        assertEquals(1, linkCounter(CounterTypes.LINK_RX_PACKETS));
        assertEquals(1, counters.tapTxFrames.get());
    }

    @Test
    void dropsDataThatDoesNotBelong()
    {
        udp.inject(PEER_EP, data(0x99, Frames.ipv4(PEER_IP, LOCAL_IP, 100, 1)));        // unknown link
        udp.inject(LOCAL_EP, data(LOCAL_LINK_ID, Frames.ipv4(PEER_IP, LOCAL_IP, 100, 1))); // wrong endpoint
        udp.inject(PEER_EP, data(LOCAL_LINK_ID, Frames.ipv4(PEER_IP, FAR_IP, 100, 1)));   // not for us
        udp.inject(PEER_EP, data(LOCAL_LINK_ID, Frames.ipv4(FAR_IP, LOCAL_IP, 100, 1)));  // spoofed source
        udp.inject(PEER_EP, data(LOCAL_LINK_ID, new byte[10]));                            // bad inner
        udp.inject(PEER_EP, new byte[5]);                                                  // short header
        udp.inject(PEER_EP, new byte[3000]);                                               // oversized
        agent.doWork();
        assertEquals(0, tap.drainWritten().size());
        assertEquals(1, counters.drops(DropReason.UNKNOWN_LINK));
        assertEquals(1, counters.drops(DropReason.ENDPOINT_MISMATCH));
        assertEquals(1, counters.drops(DropReason.NOT_FOR_US));
        assertEquals(1, counters.drops(DropReason.SPOOFED_SOURCE));
        assertEquals(1, counters.drops(DropReason.BAD_IPV4));
        assertEquals(1, counters.drops(DropReason.BAD_HEADER));
        assertEquals(1, counters.drops(DropReason.DATAGRAM_OVERSIZED));
        // the wrong-endpoint DATA named the link's id: the conductor hears that the peer may have moved
        final long[] movedFrom = new long[1];
        final int[] movedLink = new int[1];
        assertEquals(1, up.read((type, buffer, index, length) ->
        {
            assertEquals(ControlMessages.UP_MOVED, type);
            movedFrom[0] = buffer.getLong(index + ControlMessages.ENDPOINT_OFFSET);
            movedLink[0] = buffer.getInt(index + ControlMessages.UP_DATAGRAM_OFFSET, java.nio.ByteOrder.BIG_ENDIAN);
        }));
        assertEquals(LOCAL_EP, movedFrom[0]);
        assertEquals(LOCAL_LINK_ID, movedLink[0]);
        udp.inject(LOCAL_EP, data(LOCAL_LINK_ID, Frames.ipv4(PEER_IP, LOCAL_IP, 100, 2)));
        agent.doWork();
        assertEquals(0, up.read((type, buffer, index, length) -> { }), "reported at most every 100 ms per link");
    }

    static byte[] routed(final byte[] destination, final int ttl, final int delivery, final int payloadType, final byte[] payload)
    {
        final UnsafeBuffer b = new UnsafeBuffer(new byte[WireHeader.ROUTED_LENGTH + payload.length]);
        WireHeader.writeRouted(b, 0, new UnsafeBuffer(address(0x77)), new UnsafeBuffer(destination), 0, ttl, delivery,
            payloadType);
        b.putBytes(WireHeader.ROUTED_LENGTH, payload);
        return b.byteArray();
    }

    @Test
    void forwardsRoutedPacketsInTransitAndCountsTheHop()
    {
        final byte[] packet = Frames.ipv4(FAR_IP, PEER_IP, 80, 1);
        final byte[] towardPeer = address(0x21);
        udp.inject(Ipv4.parse("192.0.2.9") << 16 | 7000, routed(towardPeer, 5, WireHeader.DELIVERY_EXACT, 1, packet));
        agent.doWork();
        final List<byte[]> sent = received(peer);
        assertEquals(1, sent.size());
        final UnsafeBuffer d = new UnsafeBuffer(sent.get(0));
        assertEquals(4, WireHeader.ttl(d, 0));
        assertEquals(1, WireHeader.hops(d, 0));
        assertEquals(1, counters.transitForwarded.get());
    }

    static final byte[] THIRD_ADDR = address(0x40);
    static final int THIRD_IP = Ipv4.parse("10.1.0.4");
    static final long THIRD_EP = UdpSocket.endpoint(Ipv4.parse("192.0.2.4"), 7000);
    static final int THIRD_LINK_ID = 0x33;

    /** This node relays between PEER and THIRD when granted; FAR is reached relayed via PEER (its link id there 0x55). */
    Fib relayFib(final long version, final boolean granted, final long relayBytesPerSecond)
    {
        final int[] thirdCounters = new int[4];
        final int[] farCounters = new int[4];
        for (int i = 0; i < 4; i++)
        {
            thirdCounters[i] = countersFile.manager().allocate("third " + i, CounterTypes.LINK);
            farCounters[i] = countersFile.manager().allocate("far " + i, CounterTypes.LINK);
        }
        final Fib.Builder b = new Fib.Builder(LOCAL_IP, 24, LOCAL_ADDR)
            .link(PEER_ADDR, PEER_IP, PEER_EP, LOCAL_LINK_ID, PEER_LINK_ID, linkCounters)
            .link(THIRD_ADDR, THIRD_IP, THIRD_EP, THIRD_LINK_ID, 0x44, thirdCounters)
            .relayedLink(FAR_ADDR, FAR_IP, PEER_ADDR, 0x66, 0x55, farCounters, true)
            .route(PEER_IP, PEER_ADDR)
            .route(THIRD_IP, THIRD_ADDR)
            .route(FAR_IP, FAR_ADDR)
            .relayLimit(relayBytesPerSecond);
        if (granted)
        {
            b.relayGrant(PEER_ADDR, THIRD_ADDR);
        }
        return b.build(version);
    }

    @Test
    void sendsToARelayedPeerThroughItsRelayNamingTheRelaysLink()
    {
        fibs.publish(relayFib(2, false, 1_000_000));
        tap.inject(Frames.ethernet(Frames.ipv4(LOCAL_IP, FAR_IP, 60, 1)));
        agent.doWork();
        final List<byte[]> sent = received(peer);
        assertEquals(1, sent.size(), "to the relay's endpoint");
        final UnsafeBuffer d = new UnsafeBuffer(sent.get(0));
        assertEquals(WireHeader.TYPE_ROUTED, WireHeader.validType(d, 0, d.capacity()));
        assertEquals(WireHeader.FLAG_RELAY, WireHeader.flags(d, 0) & WireHeader.FLAG_RELAY);
        assertEquals(0x55, WireHeader.relayLink(d, 0));
        assertEquals(0x30, d.getByte(WireHeader.DESTINATION_OFFSET));
    }

    /** A DHCP request frame as a host's client sends it: broadcast, UDP 68 -> 67, BOOTP with options. */
    static byte[] dhcpRequest(final byte[] mac, final int type, final int requested)
    {
        final ByteBuffer b = ByteBuffer.allocate(14 + 20 + 8 + 240 + 3 + 6 + 1);
        b.put(new byte[] {-1, -1, -1, -1, -1, -1}).put(mac).putShort((short)0x0800);
        final int bootpLength = 240 + 3 + (requested != 0 ? 6 : 0) + 1;
        b.put((byte)0x45).put((byte)0).putShort((short)(28 + bootpLength)).putInt(0).put((byte)64).put((byte)17).putShort((short)0)
            .putInt(0).putInt(-1);
        b.putShort((short)68).putShort((short)67).putShort((short)(8 + bootpLength)).putShort((short)0);
        final int bootp = b.position();
        b.put((byte)1).put((byte)1).put((byte)6).put((byte)0).putInt(0x12345678);
        b.position(bootp + 28);
        b.put(mac);
        b.position(bootp + 236);
        b.putInt(0x63825363).put((byte)53).put((byte)1).put((byte)type);
        if (requested != 0)
        {
            b.put((byte)50).put((byte)4).putInt(requested);
        }
        b.put((byte)255);
        final byte[] frame = Arrays.copyOf(b.array(), b.position());
        new UnsafeBuffer(frame); // the IPv4 header checksum is not checked on the TAP side
        return frame;
    }

    /** @return the value of a DHCP option in a reply frame, or null. */
    static byte[] dhcpOption(final byte[] reply, final int code)
    {
        int at = 14 + 28 + 240;
        while (at < reply.length && (reply[at] & 0xFF) != 255)
        {
            final int len = reply[at + 1] & 0xFF;
            if ((reply[at] & 0xFF) == code)
            {
                return Arrays.copyOfRange(reply, at + 2, at + 2 + len);
            }
            at += 2 + len;
        }
        return null;
    }

    @Test
    void answersTheTapHostsDhcpWithItsLeaseAndIgnoresOthers()
    {
        tap.inject(dhcpRequest(TAP_MAC, 1, 0));
        agent.doWork();
        final List<byte[]> written = tap.drainWritten();
        assertEquals(1, written.size());
        final byte[] offer = written.get(0);
        final ByteBuffer r = ByteBuffer.wrap(offer);
        assertEquals(68, r.getShort(14 + 22) & 0xFFFF, "to the client port");
        assertEquals(0x12345678, r.getInt(14 + 28 + 4), "the transaction id");
        assertEquals(LOCAL_IP, r.getInt(14 + 28 + 16), "yiaddr: the node's virtual IP");
        assertArrayEquals(new byte[] {2}, dhcpOption(offer, 53), "an OFFER");
        assertArrayEquals(new byte[] {-1, -1, -1, 0}, dhcpOption(offer, 1), "the subnet mask");
        assertEquals(1420, ByteBuffer.wrap(dhcpOption(offer, 26)).getShort(), "the MTU");
        assertArrayEquals(new byte[] {24, 10, 1, 0, 0, 0, 0, 0}, dhcpOption(offer, 121), "a route to the virtual subnet, on link");
        assertNull(dhcpOption(offer, 6), "no DNS server unless the node answers DNS");
        assertEquals(1, counters.dhcpReplies.get());
        assertEquals(0, counters.arpReplies.get());

        tap.inject(dhcpRequest(TAP_MAC, 3, LOCAL_IP));
        tap.inject(dhcpRequest(TAP_MAC, 3, PEER_IP));
        agent.doWork();
        final List<byte[]> answers = tap.drainWritten();
        assertArrayEquals(new byte[] {5}, dhcpOption(answers.get(0), 53), "an ACK for its own address");
        assertArrayEquals(new byte[] {6}, dhcpOption(answers.get(1), 53), "a NAK for another");

        tap.inject(dhcpRequest(new byte[] {2, 0, 0, 0, 0, 9}, 1, 0));              // another host's MAC
        final byte[] noCookie = dhcpRequest(TAP_MAC, 1, 0);
        noCookie[14 + 28 + 236] = 0;                                                 // not BOOTP/DHCP
        tap.inject(noCookie);
        tap.inject(dhcpRequest(TAP_MAC, 7, 0));                                      // a RELEASE: not answered
        tap.inject(Arrays.copyOf(dhcpRequest(TAP_MAC, 1, 0), 14 + 28 + 100));       // truncated: a bad IPv4 packet
        agent.doWork();
        assertEquals(0, tap.drainWritten().size());
        assertEquals(3, counters.drops(DropReason.DHCP_IGNORED));
        assertEquals(1, counters.drops(DropReason.BAD_IPV4));
    }

    @Test
    void aDhcpReplyNamesTheHostsOwnAddressAsItsDnsServerAndTheOverlaysDomain()
    {
        agent.dnsDomain("lab.example".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        tap.inject(dhcpRequest(TAP_MAC, 1, 0));
        agent.doWork();
        final byte[] offer = tap.drainWritten().get(0);
        assertEquals(LOCAL_IP, ByteBuffer.wrap(dhcpOption(offer, 6)).getInt(), "the DNS server: where the node answers");
        assertEquals("lab.example", new String(dhcpOption(offer, 15), java.nio.charset.StandardCharsets.US_ASCII));
        assertArrayEquals(new byte[] {24, 10, 1, 0, 0, 0, 0, 0}, dhcpOption(offer, 121), "the options before still there");
        final char[] longest = new char[wow.dataplane.protocol.Dhcp.MAX_DOMAIN];
        Arrays.fill(longest, 'a');
        agent.dnsDomain(new String(longest).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        tap.inject(dhcpRequest(TAP_MAC, 3, LOCAL_IP));
        agent.doWork();
        final byte[] ack = tap.drainWritten().get(0);
        assertEquals(longest.length, dhcpOption(ack, 15).length, "the longest domain fits");
        assertEquals(ack.length - 14 - 28, ByteBuffer.wrap(ack).getShort(14 + 24) - 8, "the UDP length covers the options");
    }

    @Test
    void pausesEgressOnceWhenARouteBecomesDirectSoTheLongerPathDrains()
    {
        tap.inject(Frames.ethernet(Frames.ipv4(LOCAL_IP, FAR_IP, 60, 1)));
        agent.doWork();
        assertEquals(WireHeader.TYPE_ROUTED, new UnsafeBuffer(received(peer).get(0)).getByte(WireHeader.TYPE_OFFSET));

        final int[] farCounters = new int[4];
        for (int i = 0; i < 4; i++)
        {
            farCounters[i] = countersFile.manager().allocate("far " + i, CounterTypes.LINK);
        }
        final long farEp = UdpSocket.endpoint(Ipv4.parse("192.0.2.3"), 7000);
        final MemoryUdpNetwork.Port far = net.bind(farEp);
        fibs.publish(new Fib.Builder(LOCAL_IP, 24, LOCAL_ADDR)
            .link(PEER_ADDR, PEER_IP, PEER_EP, LOCAL_LINK_ID, PEER_LINK_ID, linkCounters)
            .link(FAR_ADDR, FAR_IP, farEp, 0x77, 0x78, farCounters)
            .route(PEER_IP, PEER_ADDR)
            .route(FAR_IP, FAR_ADDR)
            .build(2));
        tap.inject(Frames.ethernet(Frames.ipv4(LOCAL_IP, FAR_IP, 60, 2)));
        agent.doWork();
        assertEquals(0, received(far).size(), "nothing overtakes the packets still on the longer path");
        nowNs[0] += QueueAgent.SWITCH_PAUSE_NS - 1;
        agent.doWork();
        assertEquals(0, received(far).size(), "for the whole pause");
        assertEquals(1, counters.pathSwitchPauses.get());
        nowNs[0] += 1;
        agent.doWork();
        final List<byte[]> sent = received(far);
        assertEquals(1, sent.size(), "then the shortcut carries it");
        assertEquals(WireHeader.TYPE_DATA, new UnsafeBuffer(sent.get(0)).getByte(WireHeader.TYPE_OFFSET));
        fibs.publish(fib(3, PEER_LINK_ID));
        agent.doWork();
        assertEquals(1, counters.pathSwitchPauses.get(), "a route getting longer needs no pause");
    }

    @Test
    void heldPacketsWaitAtMostTheHoldTimeThenAreCountedDrops()
    {
        final int unknown = Ipv4.parse("10.1.0.77");
        for (int i = 0; i < 3; i++)
        {
            tap.inject(Frames.ethernet(Frames.ipv4(LOCAL_IP, unknown, 60 + i, i)));
        }
        agent.doWork();
        assertEquals(3, counters.resolutionHeld.get());
        nowNs[0] += ResolutionHold.TIMEOUT_NS;
        agent.doWork();
        assertEquals(0, counters.drops(DropReason.NO_ROUTE), "still within the hold time");
        nowNs[0] += 1;
        agent.doWork();
        assertEquals(3, counters.drops(DropReason.NO_ROUTE), "then dropped and counted");
        fibs.publish(new Fib.Builder(LOCAL_IP, 24, LOCAL_ADDR)
            .link(PEER_ADDR, PEER_IP, PEER_EP, LOCAL_LINK_ID, PEER_LINK_ID, linkCounters)
            .route(unknown, address(0x21))
            .build(2));
        agent.doWork();
        assertEquals(0, received(peer).size(), "nothing is sent late");
    }

    @Test
    void theRelayBucketHoldsATenthOfASecondAndRefillsAtTheRate()
    {
        final MemoryUdpNetwork.Port third = net.bind(THIRD_EP);
        final byte[] relayed = routed(THIRD_ADDR, 9, WireHeader.DELIVERY_EXACT, WireHeader.PAYLOAD_IPV4,
            Frames.ipv4(PEER_IP, THIRD_IP, 80, 1));
        WireHeader.markRelayed(new UnsafeBuffer(relayed), 0, THIRD_LINK_ID);
        final long rate = 2_000_000;
        final long burst = rate / 10;
        final int size = relayed.length;
        fibs.publish(relayFib(2, true, rate));
        final int offered = (int)(burst / size) + 100;
        for (int i = 0; i < offered; i++)
        {
            udp.inject(PEER_EP, relayed.clone());
            if (i % 32 == 31)
            {
                agent.doWork();
            }
        }
        agent.doWork();
        final long first = burst / size;
        assertEquals(first, received(third).size(), "a full bucket: a tenth of a second at the rate");
        assertEquals(offered - first, counters.drops(DropReason.RELAY_RATE));
        nowNs[0] += 50_000_000; // 50 ms refill rate * 0.05 bytes
        final long refill = 50_000_000L * (rate / 1000) / 1_000_000L;
        for (int i = 0; i < refill / size + 100; i++)
        {
            udp.inject(PEER_EP, relayed.clone());
            if (i % 32 == 31)
            {
                agent.doWork();
            }
        }
        agent.doWork();
        assertEquals((burst - first * size + refill) / size, received(third).size(), "what 50 ms at the rate refilled");
    }

    @Test
    void relaysOnlyForGrantedPairsAndWithinItsRate()
    {
        final MemoryUdpNetwork.Port third = net.bind(THIRD_EP);
        final byte[] packet = Frames.ipv4(PEER_IP, THIRD_IP, 80, 1);
        final byte[] relayed = routed(THIRD_ADDR, 9, WireHeader.DELIVERY_EXACT, WireHeader.PAYLOAD_IPV4, packet);
        WireHeader.markRelayed(new UnsafeBuffer(relayed), 0, THIRD_LINK_ID);

        fibs.publish(relayFib(2, false, 1_000_000));
        udp.inject(PEER_EP, relayed);
        agent.doWork();
        assertEquals(0, received(third).size(), "a pair that did not ask is not relayed");
        assertEquals(1, counters.drops(DropReason.RELAY_DENIED));

        fibs.publish(relayFib(3, true, 1_000_000));
        udp.inject(PEER_EP, relayed);
        agent.doWork();
        final List<byte[]> out = received(third);
        assertEquals(1, out.size());
        final UnsafeBuffer d = new UnsafeBuffer(out.get(0));
        assertEquals(0, WireHeader.flags(d, 0) & WireHeader.FLAG_RELAY, "an ordinary routed packet after the relay");
        assertEquals(0, WireHeader.relayLink(d, 0));
        assertEquals(8, WireHeader.ttl(d, 0));
        assertEquals(1, counters.relayForwarded.get());

        final long stranger = UdpSocket.endpoint(Ipv4.parse("192.0.2.99"), 7000);
        udp.inject(stranger, relayed.clone());
        agent.doWork();
        assertEquals(0, received(third).size(), "only from a linked peer");
        assertEquals(2, counters.drops(DropReason.RELAY_DENIED));

        fibs.publish(relayFib(4, true, 1)); // the burst floor (64 KiB) passes, then the bucket is dry
        for (int i = 0; i < 1000; i++)
        {
            udp.inject(PEER_EP, relayed.clone());
        }
        for (int i = 0; i < 40; i++)
        {
            agent.doWork();
        }
        final int passed = received(third).size();
        assertTrue(passed < 1000 && counters.drops(DropReason.RELAY_RATE) == 1000 - passed,
            passed + " relayed, " + counters.drops(DropReason.RELAY_RATE) + " over the rate");
    }

    @Test
    void aMemberFloodingTheRelayDoesNotSlowTheOthersItRelaysFor()
    {
        final MemoryUdpNetwork.Port third = net.bind(THIRD_EP);
        fibs.publish(relayFib(2, true, 1)); // one byte a second: the burst floor (64 KiB) per member, then dry
        final byte[] toThird = routed(THIRD_ADDR, 9, WireHeader.DELIVERY_EXACT, WireHeader.PAYLOAD_IPV4,
            Frames.ipv4(PEER_IP, THIRD_IP, 1000, 1));
        WireHeader.markRelayed(new UnsafeBuffer(toThird), 0, THIRD_LINK_ID);
        for (int i = 0; i < 1000; i++)
        {
            udp.inject(PEER_EP, toThird.clone());
        }
        for (int i = 0; i < 40; i++)
        {
            agent.doWork();
        }
        final int passed = received(third).size();
        assertTrue(passed < 100 && counters.drops(DropReason.RELAY_RATE) == 1000 - passed, passed + " relayed");
        fibs.publish(relayFib(3, true, 1)); // a new FIB version: the flooder's bucket stays dry
        final byte[] toPeer = routed(PEER_ADDR, 9, WireHeader.DELIVERY_EXACT, WireHeader.PAYLOAD_IPV4,
            Frames.ipv4(THIRD_IP, PEER_IP, 1000, 1));
        WireHeader.markRelayed(new UnsafeBuffer(toPeer), 0, LOCAL_LINK_ID);
        for (int i = 0; i < 10; i++)
        {
            udp.inject(PEER_EP, toThird.clone());
            udp.inject(THIRD_EP, toPeer.clone());
        }
        agent.doWork();
        assertEquals(10, received(peer).size(), "the other member's packets pass on its own budget");
        assertEquals(0, received(third).size(), "the flooder's do not");
    }

    @Test
    void neverHandsAnExcludeSourcePacketBackToItsSource()
    {
        // a control message from the peer (0x20) toward 0x21, meant for the closest node other than
        // the peer: plain greedy routing would send it back to the peer; this node must keep it
        final UnsafeBuffer b = new UnsafeBuffer(new byte[WireHeader.ROUTED_LENGTH + 8]);
        WireHeader.writeRouted(b, 0, new UnsafeBuffer(PEER_ADDR), new UnsafeBuffer(address(0x21)), 0, 9,
            WireHeader.DELIVERY_CLOSEST, WireHeader.PAYLOAD_CONTROL);
        b.putByte(WireHeader.FLAGS_OFFSET, (byte)WireHeader.FLAG_EXCLUDE_SOURCE);
        udp.inject(PEER_EP, b.byteArray());
        agent.doWork();
        assertEquals(0, received(peer).size(), "not handed back to its source");
        final int[] types = new int[1];
        assertEquals(1, up.read((type, buffer, index, length) -> types[0] = type));
        assertEquals(ControlMessages.UP_ROUTED, types[0], "delivered here, the closest node other than the source");

        // without the flag the same packet goes to the peer, which is closer
        b.putByte(WireHeader.FLAGS_OFFSET, (byte)0);
        udp.inject(PEER_EP, b.byteArray());
        agent.doWork();
        assertEquals(1, received(peer).size());
    }

    @Test
    void deliversRoutedPacketsForItsOwnAddressAndDropsExpiredOnes()
    {
        final byte[] packet = Frames.ipv4(FAR_IP, LOCAL_IP, 80, 1);
        udp.inject(PEER_EP, routed(LOCAL_ADDR, 5, WireHeader.DELIVERY_EXACT, WireHeader.PAYLOAD_IPV4, packet));
        udp.inject(PEER_EP, routed(address(0x21), 1, WireHeader.DELIVERY_EXACT, WireHeader.PAYLOAD_IPV4, packet));
        udp.inject(PEER_EP, routed(address(0x11), 9, WireHeader.DELIVERY_EXACT, WireHeader.PAYLOAD_IPV4, packet));
        udp.inject(PEER_EP, routed(address(0x11), 9, WireHeader.DELIVERY_CLOSEST, WireHeader.PAYLOAD_CONTROL, new byte[8]));
        agent.doWork();
        assertEquals(1, tap.drainWritten().size());
        assertEquals(1, counters.drops(DropReason.TTL_EXPIRED));
        assertEquals(1, counters.drops(DropReason.NO_NEXT_HOP));
        final List<Integer> types = new ArrayList<>();
        final byte[] reported = new byte[WireHeader.ROUTED_LENGTH];
        assertEquals(2, up.read((type, buffer, index, length) ->
        {
            types.add(type);
            if (type == ControlMessages.UP_UNREACHABLE)
            {
                buffer.getBytes(index + ControlMessages.UP_DATAGRAM_OFFSET, reported);
            }
        }));
        assertEquals(List.of(ControlMessages.UP_UNREACHABLE, ControlMessages.UP_ROUTED), types,
            "the undeliverable data packet is reported (for its source), the control one delivered here");
        assertEquals(0x11, reported[WireHeader.DESTINATION_OFFSET]);
        assertEquals(0x77, reported[WireHeader.SOURCE_OFFSET]);
        // reported at most once a second per destination
        udp.inject(PEER_EP, routed(address(0x11), 9, WireHeader.DELIVERY_EXACT, WireHeader.PAYLOAD_IPV4, packet));
        agent.doWork();
        assertEquals(0, up.read((type, buffer, index, length) -> { }));
        assertEquals(2, counters.drops(DropReason.NO_NEXT_HOP));
    }

    @Test
    void countsRoutedPacketsDeliveredHereByTheirOverlayHops()
    {
        final byte[] packet = Frames.ipv4(FAR_IP, LOCAL_IP, 80, 1);
        for (final int transit : new int[] {0, 2, 2, 3, 9})
        {
            final byte[] r = routed(LOCAL_ADDR, 20, WireHeader.DELIVERY_EXACT, WireHeader.PAYLOAD_IPV4, packet);
            r[WireHeader.HOPS_OFFSET] = (byte)transit; // nodes on the way each counted one
            udp.inject(PEER_EP, r);
        }
        agent.doWork();
        assertEquals(5, tap.drainWritten().size());
        assertEquals(1, counters.routedDelivered(1), "straight from the sender");
        assertEquals(0, counters.routedDelivered(2));
        assertEquals(2, counters.routedDelivered(3), "two nodes on the way: three overlay hops");
        assertEquals(2, counters.routedDelivered(4), "four or more");
    }

    @Test
    void handsControlUpAndSendsControlDown()
    {
        final UnsafeBuffer control = new UnsafeBuffer(new byte[WireHeader.CONTROL_LENGTH + 4]);
        WireHeader.writeLinkHeader(control, 0, WireHeader.TYPE_CONTROL, LOCAL_LINK_ID);
        control.putInt(WireHeader.CONTROL_LENGTH, 0xCAFE);
        udp.inject(PEER_EP, control.byteArray());
        agent.doWork();
        final long[] from = new long[1];
        final int[] length = new int[1];
        assertEquals(1, up.read((type, buffer, index, len) ->
        {
            from[0] = buffer.getLong(index + ControlMessages.ENDPOINT_OFFSET);
            length[0] = len - ControlMessages.UP_DATAGRAM_OFFSET;
        }));
        assertEquals(PEER_EP, from[0]);
        assertEquals(control.capacity(), length[0]);

        final int index = down.tryClaim(ControlMessages.DOWN_SEND, 8 + control.capacity());
        down.buffer().putLong(index, PEER_EP);
        down.buffer().putBytes(index + 8, control, 0, control.capacity());
        down.commit(index);
        agent.doWork();
        final List<byte[]> sent = received(peer);
        assertEquals(1, sent.size());
        assertArrayEquals(control.byteArray(), sent.get(0));
        assertEquals(1, counters.controlDown.get());
    }

    @Test
    void countsControlWhenTheRingIsFull()
    {
        final RingBuffer tiny = new ManyToOneRingBuffer(
            new UnsafeBuffer(BufferUtil.allocateDirectAligned(2048 + RingBufferDescriptor.TRAILER_LENGTH, 64)));
        agent = new QueueAgent(0, tap, udp, fibs, counters, TAP_MAC, 1420, tiny, down, () -> { }, () -> nowNs[0], null);
        final UnsafeBuffer control = new UnsafeBuffer(new byte[200]);
        WireHeader.writeLinkHeader(control, 0, WireHeader.TYPE_CONTROL, 0);
        for (int i = 0; i < 20; i++)
        {
            udp.inject(PEER_EP, control.byteArray());
        }
        udp.inject(PEER_EP, java.util.Arrays.copyOf(control.byteArray(), 1000)); // longer than the ring's largest message
        agent.doWork();
        assertTrue(counters.controlUp.get() > 0);
        assertTrue(counters.drops(DropReason.CONTROL_RING_FULL) > 1);
        assertEquals(21, counters.drops(DropReason.CONTROL_RING_FULL) + counters.controlUp.get());
    }

    @Test
    void backPressureWaitsForTheSocketAndCountsWhatItGivesUp()
    {
        udp.sendLimit(0);
        tap.inject(Frames.ethernet(Frames.ipv4(LOCAL_IP, PEER_IP, 100, 1)));
        agent.doWork();
        assertEquals(1, counters.drops(DropReason.UDP_SEND_BACKPRESSURE));
        tap.refuseWrites(1);
        udp.inject(PEER_EP, data(LOCAL_LINK_ID, Frames.ipv4(PEER_IP, LOCAL_IP, 100, 1)));
        agent.doWork();
        assertEquals(1, counters.drops(DropReason.TAP_WRITE_FAILED));
    }

    @Test
    void withAVirtioHeaderMergesTcpRunsAndAnswersArpBehindAPlainHeader()
    {
        final MemoryTapPort vnetTap = new MemoryTapPort(10);
        agent = new QueueAgent(0, vnetTap, udp, fibs, counters, TAP_MAC, 1420, up, down, () -> { }, () -> nowNs[0], null);
        for (int i = 0; i < 3; i++)
        {
            udp.inject(PEER_EP, data(LOCAL_LINK_ID, Frames.tcp(PEER_IP, LOCAL_IP, 5201, 40000, 1000L + i * 1000,
                0x10, new byte[1000], 0)));
        }
        udp.inject(PEER_EP, data(LOCAL_LINK_ID, Frames.ipv4(PEER_IP, LOCAL_IP, 100, 1)));
        agent.doWork();
        final List<byte[]> written = vnetTap.drainWritten();
        assertEquals(2, written.size());
        assertEquals(1, written.get(0)[1], "GSO TCPv4 super-frame");
        assertEquals(10 + 14 + 40 + 3000, written.get(0).length);
        assertEquals(0, written.get(1)[0] | written.get(1)[1], "a plain header on the rest");
        assertEquals(2, counters.tapMergedSegments.get());
        assertEquals(4, linkCounter(CounterTypes.LINK_RX_PACKETS), "link counters see every datagram");

        vnetTap.inject(Frames.arpRequest(LOCAL_IP, PEER_IP));
        agent.doWork();
        final byte[] reply = vnetTap.drainWritten().get(0);
        assertEquals(10 + 42, reply.length);
        assertEquals(0, reply[0] | reply[1]);
        assertEquals(Ethernet.ETHERTYPE_ARP, ByteBuffer.wrap(reply).getShort(10 + 12) & 0xFFFF);
    }

    @Test
    void withAVirtioHeaderWritesARunOfDatagramsAsOneUdpSuperFrame()
    {
        final MemoryTapPort vnetTap = new MemoryTapPort(10);
        agent = new QueueAgent(0, vnetTap, udp, fibs, counters, TAP_MAC, 1420, up, down, () -> { }, () -> nowNs[0], null);
        for (int i = 0; i < 3; i++)
        {
            udp.inject(PEER_EP, data(LOCAL_LINK_ID, Frames.ipv4(PEER_IP, LOCAL_IP, 1028, i)));
        }
        agent.doWork();
        final List<byte[]> written = vnetTap.drainWritten();
        assertEquals(1, written.size());
        assertEquals(1, written.get(0)[0], "NEEDS_CSUM");
        assertEquals(5, written.get(0)[1], "GSO UDP_L4");
        assertEquals(10 + 14 + 28 + 3 * 1000, written.get(0).length);
        assertEquals(2, counters.tapMergedSegments.get());
        assertEquals(3, linkCounter(CounterTypes.LINK_RX_PACKETS));
    }

    @ParameterizedTest(name = "{0} B in segments of {1} (TCP options: {2}, first sequence {3}, flags {4})")
    @CsvSource({
        "10000, 1368, true, 4294963200, 25",   // sequence wraps; PSH and FIN only on the last segment
        "1368, 1368, true, 0, 24",             // exactly one segment
        "1369, 1368, true, 100, 24",           // a one-byte last segment
        "60000, 1380, false, 7, 16",           // 44 segments, no options: the largest MSS the MTU allows
        "5000, 536, true, 4294967295, 152",    // CWR on the first segment only
    })
    void segmentsATsoSuperFrameIntoCompleteTcpPackets(final int length, final int mss, final boolean options, final long seq,
        final int flags)
    {
        final MemoryTapPort vnetTap = new MemoryTapPort(10);
        agent = new QueueAgent(0, vnetTap, udp, fibs, counters, TAP_MAC, 1420, up, down, () -> { }, () -> nowNs[0], null);
        final byte[] payload = new byte[length];
        new Random(length).nextBytes(payload);
        final byte[] superPacket = Frames.tcp(LOCAL_IP, PEER_IP, 40000, 5201, seq, flags, payload, options ? 9 : 0);
        final int headers = 20 + (options ? 32 : 20);
        // as the kernel hands it over: checksum field holds the pseudo-header sum only
        final UnsafeBuffer sp = new UnsafeBuffer(superPacket);
        sp.putShort(36, (short)wow.dataplane.protocol.Checksum.fold(
            wow.dataplane.protocol.Checksum.ipv4PseudoHeader(sp, 0, 6, superPacket.length - 20)), java.nio.ByteOrder.BIG_ENDIAN);
        vnetTap.inject(vnet(1, 1, mss, 34, 16), Frames.ethernet(superPacket));
        agent.doWork();

        final List<byte[]> sent = received(peer);
        final int count = (length + mss - 1) / mss;
        assertEquals(count, sent.size(), "ceil(length / mss) segments");
        final byte[] joined = new byte[payload.length];
        int at = 0;
        for (int i = 0; i < sent.size(); i++)
        {
            final byte[] ip = Arrays.copyOfRange(sent.get(i), WireHeader.DATA_LENGTH, sent.get(i).length);
            final ByteBuffer b = ByteBuffer.wrap(ip);
            final boolean last = i == count - 1;
            final int chunk = last ? length - i * mss : mss;
            assertEquals(headers + chunk, b.getShort(2) & 0xFFFF);
            assertEquals((seq + i) & 0xFFFF, b.getShort(4) & 0xFFFF, "IPv4 id counts up");
            assertEquals(0, Frames.checksum(ip, 0, 20), "IPv4 checksum of segment " + i);
            assertEquals(Frames.tcpChecksum(ip), b.getShort(36) & 0xFFFF, "TCP checksum of segment " + i);
            assertEquals((int)(seq + (long)i * mss), b.getInt(24), "sequence, wrapping at 2^32");
            int expected = last ? flags : flags & ~0x09;
            expected = i == 0 ? expected : expected & ~0x80;
            assertEquals(expected, ip[33] & 0xFF, "FIN and PSH only on the last segment, CWR only on the first");
            System.arraycopy(ip, headers, joined, at, chunk);
            at += chunk;
        }
        assertArrayEquals(payload, joined);
        assertEquals(count, linkCounter(CounterTypes.LINK_TX_PACKETS));
    }

    @Test
    void aSendBatchFilledInTheMiddleOfASuperFrameLosesAndRepeatsNoSegment()
    {
        // small packets and super-frames in one TAP read: the datagram list fills up while a
        // super-frame is being cut, and no segment may be overwritten before it is sent
        final MemoryTapPort vnetTap = new MemoryTapPort(10);
        agent = new QueueAgent(0, vnetTap, udp, fibs, counters, TAP_MAC, 1420, up, down, () -> { }, () -> nowNs[0], null);
        final int flows = 20;
        final int length = 60_000;
        final int mss = 1368;
        for (int i = 0; i < 30; i++)
        {
            vnetTap.inject(vnet(0, 0, 0, 0, 0), Frames.ethernet(Frames.ipv4(LOCAL_IP, PEER_IP, 100, i)));
        }
        for (int f = 0; f < flows; f++)
        {
            final byte[] superPacket = Frames.tcp(LOCAL_IP, PEER_IP, 40000 + f, 5201, 0, 0x10, new byte[length], 0);
            final UnsafeBuffer sp = new UnsafeBuffer(superPacket);
            sp.putShort(36, (short)wow.dataplane.protocol.Checksum.fold(wow.dataplane.protocol.Checksum.ipv4PseudoHeader(sp, 0, 6,
                superPacket.length - 20)), java.nio.ByteOrder.BIG_ENDIAN);
            vnetTap.inject(vnet(1, 1, mss, 34, 16), Frames.ethernet(superPacket));
        }
        agent.doWork();
        final java.util.Set<Long> segments = new java.util.HashSet<>();
        int tcp = 0;
        for (final byte[] datagram : received(peer))
        {
            final byte[] ip = Arrays.copyOfRange(datagram, WireHeader.DATA_LENGTH, datagram.length);
            if (ip[9] != 6)
            {
                continue;
            }
            tcp++;
            final ByteBuffer b = ByteBuffer.wrap(ip);
            assertEquals(Frames.tcpChecksum(ip), b.getShort(36) & 0xFFFF, "an intact segment");
            segments.add((long)(b.getShort(20) & 0xFFFF) << 32 | (b.getInt(24) & 0xFFFF_FFFFL));
        }
        final int perFlow = (length + mss - 1) / mss;
        assertEquals(flows * perFlow, tcp);
        assertEquals(flows * perFlow, segments.size(), "every segment once");
    }

    @Test
    void completesPartialChecksumsAndRefusesOffloadsItDidNotAskFor()
    {
        final MemoryTapPort vnetTap = new MemoryTapPort(10);
        agent = new QueueAgent(0, vnetTap, udp, fibs, counters, TAP_MAC, 1420, up, down, () -> { }, () -> nowNs[0], null);
        final byte[] segment = Frames.tcp(LOCAL_IP, PEER_IP, 1, 2, 5, 0x10, new byte[77], 0);
        final int good = Frames.tcpChecksum(segment);
        final UnsafeBuffer s = new UnsafeBuffer(segment);
        s.putShort(36, (short)wow.dataplane.protocol.Checksum.fold(
            wow.dataplane.protocol.Checksum.ipv4PseudoHeader(s, 0, 6, segment.length - 20)), java.nio.ByteOrder.BIG_ENDIAN);
        vnetTap.inject(vnet(1, 0, 0, 34, 16), Frames.ethernet(segment));
        vnetTap.inject(vnet(1, 0, 0, 34, 4000), Frames.ethernet(segment));  // offsets beyond the frame
        vnetTap.inject(vnet(0, 4, 1000, 0, 0), Frames.ethernet(segment));   // UDP GSO: not enabled
        vnetTap.inject(vnet(1, 1, 1368, 34, 16), Frames.ethernet(Frames.ipv4(LOCAL_IP, PEER_IP, 100, 1))); // TSO but not TCP
        agent.doWork();
        final List<byte[]> sent = received(peer);
        assertEquals(1, sent.size());
        assertEquals(good, ByteBuffer.wrap(sent.get(0)).getShort(WireHeader.DATA_LENGTH + 36) & 0xFFFF);
        assertEquals(3, counters.drops(DropReason.TAP_OFFLOAD_UNEXPECTED));
    }

    @Test
    void survivesRandomOffloadHeadersAndFrames()
    {
        final MemoryTapPort vnetTap = new MemoryTapPort(10);
        agent = new QueueAgent(0, vnetTap, udp, fibs, counters, TAP_MAC, 1420, up, down, () -> { }, () -> nowNs[0], null);
        final Random random = new Random(99);
        for (int round = 0; round < 3000; round++)
        {
            final byte[] payload = new byte[random.nextInt(5000)];
            random.nextBytes(payload);
            byte[] frame = Frames.ethernet(Frames.tcp(LOCAL_IP, PEER_IP, 1, 2, random.nextInt(), 0x10, payload, 0));
            if (random.nextBoolean())
            {
                frame[14 + random.nextInt(60)] = (byte)random.nextInt(); // break a header byte
            }
            if (random.nextInt(4) == 0)
            {
                frame = Arrays.copyOf(frame, random.nextInt(frame.length + 1));
            }
            vnetTap.inject(vnet(random.nextInt(4), random.nextInt(6), random.nextInt(3000) - 100, random.nextInt(200),
                random.nextInt(40)), frame);
            agent.doWork();
            received(peer);
        }
        assertEquals(3000, counters.tapRxFrames.get());
    }

    @Test
    void survivesRandomInputOnBothSides()
    {
        final Random random = new Random(42);
        for (int round = 0; round < 2000; round++)
        {
            final byte[] junk = new byte[random.nextInt(1600)];
            random.nextBytes(junk);
            if (junk.length > 2 && random.nextBoolean())
            {
                junk[0] = 1; // valid version, so the type and length checks get exercised
                junk[1] = (byte)(1 + random.nextInt(3));
            }
            udp.inject(random.nextBoolean() ? PEER_EP : LOCAL_EP, junk);
            final byte[] frame = new byte[random.nextInt(1500)];
            random.nextBytes(frame);
            if (frame.length > 14 && random.nextBoolean())
            {
                frame[12] = 0x08;
                frame[13] = (byte)(random.nextBoolean() ? 0x00 : 0x06);
                if (frame.length > 15)
                {
                    frame[14] = 0x45;
                }
            }
            tap.inject(frame);
            agent.doWork();
        }
        long dropped = 0;
        for (final DropReason reason : DropReason.values())
        {
            dropped += counters.drops(reason);
        }
        // every frame and datagram has exactly one outcome: written, sent, handed up or dropped by reason
        assertEquals(4000, counters.tapRxFrames.get() + counters.udpRxDatagrams.get());
        assertEquals(4000, dropped + counters.tapTxFrames.get() + counters.udpTxDatagrams.get() + counters.controlUp.get());
    }
}

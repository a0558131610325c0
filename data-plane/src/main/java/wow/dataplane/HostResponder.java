package wow.dataplane;

import org.agrona.concurrent.UnsafeBuffer;
import wow.dataplane.fib.Fib;
import wow.dataplane.port.OutList;
import wow.dataplane.protocol.Arp;
import wow.dataplane.protocol.Dhcp;
import wow.dataplane.protocol.Ethernet;
import wow.dataplane.protocol.VirtioNetHeader;
import wow.dataplane.status.DropReason;
import wow.dataplane.status.QueueCounters;

/**
 * Answers the TAP host in place, as the LAN it thinks it is on would: ARP for every other address
 * of the virtual subnet with the virtual MAC, and DHCP with this node's leased virtual IP (and,
 * where the node answers DNS, that address as the DNS server and the overlay's domain). The
 * replies join the batch's TAP write list; requests it does not answer are counted. Owned by one
 * queue agent's thread.
 */
final class HostResponder
{
    /** Lease time a DHCP client is given; the node answers renewals for as long as it lives. */
    static final int DHCP_LEASE_SECONDS = 3_600;

    private final QueueCounters counters;
    private final byte[] tapMac;
    private final int innerMtu;
    private final int vnet;
    private int arpInBatch;
    private byte[] dnsDomain = new byte[0];

    HostResponder(final QueueCounters counters, final byte[] tapMac, final int innerMtu, final int vnet)
    {
        this.counters = counters;
        this.tapMac = tapMac.clone();
        this.innerMtu = innerMtu;
        this.vnet = vnet;
    }

    /**
     * DHCP replies name the host's own virtual IP as its DNS server (the node answers there) and
     * this domain; call before the agent's thread starts.
     */
    void dnsDomain(final byte[] domain)
    {
        this.dnsDomain = domain.clone();
    }

    /** Answers an ARP request for another subnet address in place, into {@code replies}. */
    void onArp(final Fib fib, final UnsafeBuffer buffer, final int frame, final int length, final OutList replies)
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
        replies.add(buffer, frame - vnet, vnet + Ethernet.HEADER_LENGTH + Arp.LENGTH, 0);
        arpInBatch++;
    }

    /** Answers the TAP host's DHCP request in place with this node's leased virtual IP. */
    void onDhcp(final Fib fib, final UnsafeBuffer buffer, final int frame, final int length, final OutList replies)
    {
        if (!fib.hasLocalIp() || length < Ethernet.HEADER_LENGTH + 20)
        {
            counters.drop(DropReason.DHCP_IGNORED);
            return;
        }
        final int subnet = fib.localIp() & (int)(0xFFFF_FFFFL << (32 - fib.prefix()));
        final int reply = Dhcp.reply(buffer, frame, length, tapMac, fib.localIp(), fib.prefix(), subnet + 1, innerMtu,
            DHCP_LEASE_SECONDS, dnsDomain.length > 0 ? fib.localIp() : 0, dnsDomain);
        if (reply < 0)
        {
            counters.drop(DropReason.DHCP_IGNORED);
            return;
        }
        if (vnet != 0)
        {
            VirtioNetHeader.writePlain(buffer, frame - vnet);
        }
        replies.add(buffer, frame - vnet, vnet + reply, 0);
        counters.dhcpReplies.incrementRelease();
    }

    /** Counts the batch's ARP replies once they were written. */
    void endOfBatch()
    {
        if (arpInBatch > 0)
        {
            counters.arpReplies.getAndAddRelease(arpInBatch);
            arpInBatch = 0;
        }
    }
}

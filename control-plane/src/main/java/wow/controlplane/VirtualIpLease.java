package wow.controlplane;

import java.math.BigInteger;
import java.util.Arrays;
import wow.controlplane.overlay.lease.LeaseSigner;
import wow.controlplane.overlay.wire.Messages;
import wow.controlplane.overlay.OverlayNode;
import wow.controlplane.overlay.ring.Ring;
import wow.dataplane.protocol.Ipv4;

/**
 * This node's virtual IP in the overlay: leased in the DHT under its record key (claimed once the
 * node joined, renewed every third of the TTL, released on leave), or — with a DHCP subnet — a
 * free one found by claiming candidates that follow from the ring address until one is granted.
 * The lease is also how others resolve the address (virtual IP &rarr; ring address): signed by
 * this node, with the certificate that allows the address on a secure network. If another node's
 * lease holds the configured address, its owner is probed over the overlay: a live owner means
 * the node must stop ({@link #fatal}); a silent one (a host that went away or was reinstalled
 * without releasing it) means a stale lease, waited out with claims every few seconds and said
 * once in the log. A renewal that gets no answer (the request or the answer lost on the way, a
 * hop that just crashed) is sent again after {@link #ANSWER_WAIT_MS}; a lease whose TTL ran out
 * without one granted is no longer held (as a DHCP client's): the node claims the address again,
 * and a node that took it meanwhile is found by the claim's answer. Conductor thread, except
 * {@link #fatal}.
 */
final class VirtualIpLease
{
    /** The lease on this node's virtual IP: its TTL, renewed every third of it. */
    static final int LEASE_TTL_S = 120;
    static final long CLAIM_AFTER_JOIN_MS = 3_000;
    /** How long the owner of a lease on this node's address has to answer a probe to count as live. */
    static final long OWNER_PROBE_MS = 5_000;
    /** Claims while a stale lease holds the address come this often. */
    static final long HELD_RETRY_MS = 5_000;
    /** A renewal not answered within this is sent again (a quorum round takes up to 2 s, routing both ways ~1). */
    static final long ANSWER_WAIT_MS = 5_000;

    private final OverlayNode overlay;
    private final FibChanges fib;
    private final EventLog log;
    private final byte[] localAddress;
    private final int prefix;
    private final int dhcpSubnet;
    private final int dhcpPrefix;
    private final LeaseSigner signer;
    private int localIp;
    private int candidate;
    private int candidateIndex;
    private boolean leased;
    private long nextLeaseMs;
    private int leaseToken;
    /** When the lease last granted runs out unless renewed. */
    private long grantedUntilMs;
    /** The operation last sent, and the last one the lease's primary granted (the node's proof of its address). */
    private Messages.LeaseOp sent;
    private Messages.LeaseOp granted;
    private long joinedSinceMs;
    private volatile String fatal;
    /** The ring address whose lease holds the configured address, while it does; else null. */
    private byte[] heldBy;
    private int ownerProbe;
    private long ownerProbeSentMs;
    private boolean heldLogged;

    /**
     * @param localIp    the configured virtual IP, 0 with a DHCP subnet or for a router node.
     * @param dhcpSubnet the subnet (or pool) to lease a free address from, 0 for none.
     * @param dhcpPrefix its prefix length.
     * @param signer     signs the lease operations with this node's record key.
     */
    VirtualIpLease(final OverlayNode overlay, final FibChanges fib, final EventLog log, final byte[] localAddress,
        final int localIp, final int prefix, final int dhcpSubnet, final int dhcpPrefix, final LeaseSigner signer)
    {
        this.overlay = overlay;
        this.fib = fib;
        this.log = log;
        this.localAddress = localAddress.clone();
        this.localIp = localIp;
        this.prefix = prefix;
        this.dhcpSubnet = dhcpSubnet;
        this.dhcpPrefix = dhcpPrefix;
        this.signer = signer;
    }

    /** @return candidate number {@code index} in a subnet for a ring address (its hash, then steps through the subnet). */
    static int candidate(final int subnet, final int prefix, final byte[] address, final int index)
    {
        final long size = (1L << (32 - prefix)) - 2;
        final long h = new BigInteger(1, address).longValue() & Long.MAX_VALUE;
        return subnet + 1 + (int)((h + index * 0x9E3779B1L) % size);
    }

    /** @return this host's virtual IP, 0 while a DHCP node has none yet (or for a router node). */
    int localIp()
    {
        return localIp;
    }

    /** @return true once the lease on the virtual IP was granted. */
    boolean leased()
    {
        return leased;
    }

    /** @return the address the FIB is built for: the host's, or the DHCP subnet's while leasing one. */
    int fibAddress()
    {
        return localIp == 0 && dhcpSubnet != 0 ? dhcpSubnet : localIp;
    }

    /** @return why the node cannot go on (its virtual IP belongs to another node), or null; any thread. */
    String fatal()
    {
        return fatal;
    }

    private int leaseIp()
    {
        return localIp != 0 ? localIp : candidate;
    }

    /** The lease's timers: claim after joining, renew, give up on a silent owner. */
    void tick(final long now)
    {
        if (ownerProbe != 0 && now - ownerProbeSentMs > OWNER_PROBE_MS)
        {
            ownerProbe = 0; // no answer: a lease its owner no longer renews, gone within its TTL
            if (!heldLogged)
            {
                heldLogged = true;
                log.event("ip_held_by_stale_lease", "ip=" + Ipv4.toString(localIp) + " owner=" + Ring.shortHex(heldBy) +
                    " wait_s=" + LEASE_TTL_S + " note=\"the owner does not answer: claiming again until its lease expires\"");
            }
        }
        leaseStep(now);
    }

    private void leaseStep(final long now)
    {
        if (leased && now >= grantedUntilMs)
        {
            // every renewal in the TTL went unanswered (or the node was cut off from the ring): the
            // replicas let the lease go, so another node may lease the address now; claiming it
            // again, once joined, finds out
            leased = false;
            nextLeaseMs = 0;
            log.event("ip_lease_expired", "ip=" + Ipv4.toString(localIp) +
                " note=\"no renewal was answered: claiming it again\"");
        }
        if (localIp == 0 && dhcpSubnet != 0 && candidate == 0)
        {
            candidate = candidate(dhcpSubnet, dhcpPrefix, localAddress, candidateIndex);
        }
        if (!overlay.isJoined())
        {
            joinedSinceMs = 0;
            return;
        }
        if (joinedSinceMs == 0)
        {
            joinedSinceMs = now;
        }
        // the first claim waits a little after joining: the ring's holders hand the live leases to
        // a newly joined node (which may now be a key's primary) within a couple of seconds
        if (leaseIp() == 0 || fatal != null || now < nextLeaseMs ||
            (!leased && now - joinedSinceMs < CLAIM_AFTER_JOIN_MS))
        {
            return;
        }
        nextLeaseMs = now + (leased ? ANSWER_WAIT_MS : 3_000); // until answered
        send(leased ? Messages.LEASE_RENEW : Messages.LEASE_CLAIM, now);
    }

    /** @return the signed operation of the lease this node holds now, or null. */
    Messages.LeaseOp granted()
    {
        return leased ? granted : null;
    }

    /** The node leaves: a held address is released at once, not after the TTL. */
    void release(final long now)
    {
        if (leased)
        {
            send(Messages.LEASE_RELEASE, now);
        }
    }

    private void send(final int op, final long now)
    {
        sent = signer.sign(op, leaseIp(), LEASE_TTL_S, now, localAddress);
        leaseToken = overlay.lease(sent);
    }

    /** The primary holder of the lease's key answered. */
    void onLeaseReply(final int token, final int result, final byte[] value, final long now)
    {
        if (token != leaseToken)
        {
            return;
        }
        if (result == Messages.LEASE_GRANTED)
        {
            granted = sent.op() == Messages.LEASE_RELEASE ? null : sent;
            // an operation's serial is the time it was signed and sent
            grantedUntilMs = sent.serial() + LEASE_TTL_S * 1000L;
            nextLeaseMs = sent.serial() + LEASE_TTL_S * 1000L / 3;
            if (!leased)
            {
                if (localIp == 0)
                {
                    // the DHCP subnet's address is ours: route it, serve it to the host
                    localIp = candidate;
                    fib.dirty("lease");
                }
                log.event("ip_leased", "ip=" + Ipv4.toString(localIp) + " ttl_s=" + LEASE_TTL_S +
                    (dhcpSubnet != 0 ? " dhcp=true" : ""));
            }
            leased = true;
        }
        else if (result == Messages.LEASE_REFUSED)
        {
            // no quorum of the key's replicas answered (the ring is in flux): ask again soon
            log.event("lease_refused", "ip=" + Ipv4.toString(leaseIp()));
            nextLeaseMs = Math.min(nextLeaseMs, now + 3_000);
        }
        else if (result == Messages.LEASE_TAKEN && localIp == 0 && dhcpSubnet != 0)
        {
            // another node holds this one: try the next candidate at once
            log.event("ip_candidate_taken", "ip=" + Ipv4.toString(candidate) + " owner=" + Ring.shortHex(value));
            candidate = candidate(dhcpSubnet, dhcpPrefix, localAddress, ++candidateIndex);
            nextLeaseMs = 0;
        }
        else if (result == Messages.LEASE_TAKEN && !Arrays.equals(value, localAddress))
        {
            // is the owner alive? a probe it answers says so; silence says its lease is stale
            if (heldBy == null || !Arrays.equals(heldBy, value))
            {
                heldBy = value.clone();
                heldLogged = false;
            }
            if (ownerProbe == 0)
            {
                ownerProbe = overlay.probe(value);
                ownerProbeSentMs = now;
            }
            nextLeaseMs = now + HELD_RETRY_MS;
        }
        else if (result == Messages.LEASE_TAKEN && !heldLogged)
        {
            // this ring address under another lease key: this host before its state was wiped
            heldLogged = true;
            log.event("ip_held_by_stale_lease", "ip=" + Ipv4.toString(localIp) + " owner=" + Ring.shortHex(value) +
                " wait_s=" + LEASE_TTL_S + " note=\"leased by this node's address under an earlier lease key: claiming again " +
                "until it expires\"");
        }
        if (result == Messages.LEASE_GRANTED)
        {
            heldBy = null;
            ownerProbe = 0;
            heldLogged = false;
        }
    }

    /** A probe was answered: if it was the lease owner's, another live node has this address. */
    void onProbeReply(final int token, final byte[] from)
    {
        if (token == 0 || token != ownerProbe || heldBy == null || !Arrays.equals(from, heldBy))
        {
            return;
        }
        ownerProbe = 0;
        fatal = "virtual IP " + Ipv4.toString(localIp) + " is leased to another live node (ring address " +
            Ring.shortHex(heldBy) + (dhcpSubnet != 0 ? "): start the node again to lease another address from the subnet" :
            "): pick another --ip");
        log.event("ip_taken", "ip=" + Ipv4.toString(localIp) + " owner=" + Ring.shortHex(heldBy));
    }
}

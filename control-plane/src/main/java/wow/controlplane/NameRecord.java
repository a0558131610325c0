package wow.controlplane;

import wow.controlplane.overlay.OverlayNode;
import wow.controlplane.overlay.lease.LeaseSigner;
import wow.controlplane.overlay.ring.Ring;
import wow.controlplane.overlay.wire.Messages;
import wow.dataplane.protocol.Ipv4;

/**
 * This node's host name in the DHT: a signed record (name &rarr; this node's virtual IP and ring
 * address) kept like the lease on its IP — claimed once the IP is leased, renewed every third of
 * its TTL, claimed again at once when the IP changed, released on leave. On a secure network only
 * the node whose certificate bears the name may hold it; on an insecure one the first claimant
 * does, and a second node of the same name says so once in the log and claims again now and then
 * (the holder may be gone). Conductor thread.
 */
final class NameRecord
{
    static final int TTL_S = VirtualIpLease.LEASE_TTL_S;
    /** Claims while another node holds the name come this often. */
    static final long TAKEN_RETRY_MS = 30_000;

    private final OverlayNode overlay;
    private final EventLog log;
    private final String name;
    private final byte[] localAddress;
    private final LeaseSigner signer;
    private int token;
    private int sentIp;
    private int grantedIp;
    private long nextMs;
    private boolean takenLogged;

    /** @param name the node's host name, lower case (null: none, nothing is published). */
    NameRecord(final OverlayNode overlay, final EventLog log, final String name, final byte[] localAddress,
        final LeaseSigner signer)
    {
        this.overlay = overlay;
        this.log = log;
        this.name = name;
        this.localAddress = localAddress.clone();
        this.signer = signer;
    }

    /** Claims or renews the record for the node's leased IP ({@code 0}: none yet). */
    void tick(final int leasedIp, final long now)
    {
        if (name == null || leasedIp == 0 || !overlay.isJoined())
        {
            return;
        }
        if (leasedIp != grantedIp && leasedIp != sentIp)
        {
            nextMs = 0; // a new address: say so now, not at the next renewal
        }
        if (now < nextMs)
        {
            return;
        }
        nextMs = now + (grantedIp == leasedIp ? TTL_S * 1000L / 3 : 3_000);
        send(grantedIp == leasedIp ? Messages.LEASE_RENEW : Messages.LEASE_CLAIM, leasedIp, now);
    }

    /** The node leaves: the record goes at once. */
    void release(final long now)
    {
        if (name != null && grantedIp != 0)
        {
            send(Messages.LEASE_RELEASE, grantedIp, now);
            sentIp = 0;
            grantedIp = 0;
        }
    }

    private void send(final int op, final int ip, final long now)
    {
        sentIp = ip;
        token = overlay.lease(signer.signName(op, name, ip, TTL_S, now, localAddress));
    }

    /** @return true if the answer was to this record's operation (and is taken), else false. */
    boolean onLeaseReply(final int replyToken, final int result, final byte[] holder, final long now)
    {
        if (replyToken == 0 || replyToken != token)
        {
            return false;
        }
        token = 0;
        if (result == Messages.LEASE_GRANTED)
        {
            if (grantedIp != sentIp)
            {
                log.event("name_published", "name=" + name + " ip=" + Ipv4.toString(sentIp));
            }
            grantedIp = sentIp;
            takenLogged = false;
        }
        else if (result == Messages.LEASE_TAKEN)
        {
            grantedIp = 0;
            nextMs = now + TAKEN_RETRY_MS;
            if (!takenLogged)
            {
                takenLogged = true;
                log.event("name_taken", "name=" + name + " owner=" + Ring.shortHex(holder) +
                    " note=\"another node holds this name: claiming again every " + TAKEN_RETRY_MS / 1000 + " s\"");
            }
        }
        else
        {
            nextMs = Math.min(nextMs, now + 3_000); // no quorum (the ring is in flux): soon again
        }
        return true;
    }
}

package wow.controlplane;

import java.util.Map;
import java.util.function.BiConsumer;
import java.util.Random;
import java.util.function.IntConsumer;
import java.util.function.LongSupplier;
import wow.controlplane.overlay.lease.LeaseAuthority;
import wow.controlplane.overlay.lease.LeaseSigner;
import wow.controlplane.overlay.Connection;
import wow.controlplane.overlay.LinkTraffic;
import wow.controlplane.overlay.OverlayConfig;
import wow.controlplane.overlay.OverlayEvents;
import wow.controlplane.overlay.OverlayNode;
import wow.controlplane.overlay.OverlayTransport;
import wow.controlplane.overlay.ring.Ring;
import wow.controlplane.overlay.wire.Messages;
import wow.controlplane.overlay.shortcut.ShortcutPolicy;
import wow.dataplane.protocol.Ipv4;
import wow.dataplane.transport.Endpoints;

/**
 * One node's control logic that needs no data plane: the {@link OverlayNode}, the
 * {@link ResolutionCache} of the virtual IPs it resolves and its {@link VirtualIpLease} (lease,
 * DHCP candidates), its host name's {@link NameRecord} and the {@link NameResolver} of others',
 * joined by the overlay's events — answers go to the part that
 * asked, link events to the log and to the forwarding's reasons. The {@link OverlayConductor}
 * drives one on the conductor thread; the simulator drives one per simulated node, so resolution,
 * leases and shortcuts run the same code there. One thread.
 */
public final class OverlayStack implements OverlayEvents
{
    /** How a stack is made: what the node is and where its output goes. */
    public record Setup(
        byte[] address, int localIp, int prefix, int dhcpSubnet, int dhcpPrefix, LeaseSigner signer, LeaseAuthority authority,
        long[] localEndpoints, OverlayConfig config, ShortcutPolicy shortcuts, Random random, String name)
    {
    }

    private final OverlayNode node;
    private final ResolutionCache resolution;
    private final VirtualIpLease lease;
    private final NameRecord nameRecord;
    private final NameResolver names;
    private final FibChanges fib;
    private final EventLog log;
    private final LongSupplier clock;
    private final IntConsumer probeAnswered;
    private final byte[] address;
    private BiConsumer<byte[], byte[]> endToEnd = (source, handshake) -> { };

    /**
     * @param transport     where the node's messages go.
     * @param fib           told when forwarding must be rebuilt, and why.
     * @param log           the event log.
     * @param clock         milliseconds, the node's time.
     * @param probeAnswered told the token of every probe answered.
     */
    public OverlayStack(final Setup setup, final OverlayTransport transport, final FibChanges fib, final EventLog log,
        final LongSupplier clock, final IntConsumer probeAnswered)
    {
        this.fib = fib;
        this.log = log;
        this.clock = clock;
        this.probeAnswered = probeAnswered;
        this.address = setup.address().clone();
        this.node = new OverlayNode(address, setup.localIp(), setup.localEndpoints(), setup.config(), transport, this,
            setup.random(), setup.authority());
        this.resolution = new ResolutionCache(node, fib, log);
        this.lease = new VirtualIpLease(node, fib, log, address, setup.localIp(), setup.prefix(), setup.dhcpSubnet(),
            setup.dhcpPrefix(), setup.signer());
        this.nameRecord = new NameRecord(node, log, setup.name(), address, setup.signer());
        this.names = new NameResolver(node, setup.name(), () -> lease.leased() ? lease.localIp() : 0);
        if (setup.shortcuts() != null)
        {
            node.useShortcuts(setup.shortcuts());
        }
    }

    /** @return the overlay node. */
    public OverlayNode node()
    {
        return node;
    }

    /** @return this host's virtual IP, 0 while a DHCP node has none yet (or for a router node). */
    public int localIp()
    {
        return lease.localIp();
    }

    /** @return the address forwarding is built for: the host's, or the DHCP subnet's while leasing one. */
    public int fibAddress()
    {
        return lease.fibAddress();
    }

    /** @return true once the node holds the lease on its virtual IP. */
    public boolean leased()
    {
        return lease.leased();
    }

    /** @return why the node cannot go on (its virtual IP belongs to another node), or null; any thread. */
    public String fatal()
    {
        return lease.fatal();
    }

    /** @return virtual IP &rarr; ring address, as resolved. */
    public Map<Integer, byte[]> resolved()
    {
        return resolution.routes();
    }

    /** Looks a virtual IP up in the DHT unless it is known or being looked up (the data plane asked). */
    public void resolve(final int virtualIp, final long nowMs)
    {
        resolution.resolve(virtualIp, lease.localIp(), nowMs);
    }

    /** A packet of this node's could not reach this ring address: the virtual IPs that pointed at it are looked up again. */
    public void unreachable(final byte[] destination, final long nowMs)
    {
        resolution.refreshPointingAt(destination, nowMs);
    }

    /**
     * Where the handshakes of end-to-end sessions routed to this node go ({@code source, message}),
     * and the static keys of the owners of the leases it resolved ({@code address, key}).
     */
    public void endToEnd(final BiConsumer<byte[], byte[]> handshakes, final BiConsumer<byte[], byte[]> ownerKeys)
    {
        this.endToEnd = handshakes;
        resolution.ownerKeys(ownerKeys);
    }

    /**
     * @return the signed operation of the lease this node holds, without its certificate (a peer
     *         has that from the handshake), encoded; empty while it holds none.
     */
    public byte[] leaseProof()
    {
        final Messages.LeaseOp op = lease.granted();
        return op == null ? new byte[0] : Messages.lease(op.withCertificate(new byte[0]));
    }

    /**
     * A peer's handshake carried the lease it holds ({@link #leaseProof}): its address is looked up
     * at once if it is not resolved (the lookup's answer decides where it goes).
     */
    public void peerLease(final byte[] owner, final byte[] certificate, final byte[] proof)
    {
        resolution.shown(owner, certificate, proof, clock.getAsLong());
    }

    /** Starts from what a previous run knew (call before {@link #start}). */
    public void resume(final Map<Integer, byte[]> addresses, final long nowMs)
    {
        resolution.resume(addresses, lease.localIp(), nowMs);
    }

    /** Resolves a host name (lower case) through the DHT; {@code answer} is told once, now or when the lookup ends. */
    public void resolveName(final String name, final long nowMs, final java.util.function.Consumer<NameResolver.Answer> answer)
    {
        names.resolve(name, nowMs, answer);
    }

    /** Joins through the seeds' endpoints (none: this node starts a new ring). */
    public void start(final long[] seeds, final long nowMs)
    {
        node.join(seeds, nowMs);
    }

    /** The node's timers and the lease's; feeds the shortcut policy what links carried. Call every 250 ms. */
    public void tick(final long nowMs, final LinkTraffic traffic)
    {
        node.tick(nowMs);
        lease.tick(nowMs);
        nameRecord.tick(lease.leased() ? lease.localIp() : 0, nowMs);
        names.tick(nowMs);
        node.maintainShortcuts(nowMs, traffic);
    }

    /** Once a second: lost lookups may be asked again, stale answers go, fresh ones are refreshed ahead. */
    public void maintain(final long nowMs)
    {
        resolution.maintain(nowMs);
    }

    /** Leaves gracefully: a held address is released at once, then every peer is told. */
    public void leave(final long nowMs)
    {
        lease.release(nowMs);
        nameRecord.release(nowMs);
        node.deliverQueued(nowMs); // this node may be its lease's primary: decide the release before the links close
        node.leave();
    }

    // ------------------------------------------------------------------ the overlay's events

    @Override
    public void onProbeReply(final int token, final byte[] from)
    {
        lease.onProbeReply(token, from);
        probeAnswered.accept(token);
    }

    @Override
    public void onDhtReply(final int token, final byte[] responder, final boolean found, final byte[] value)
    {
        if (!names.onDhtReply(token, found, value, clock.getAsLong()))
        {
            resolution.onDhtReply(token, responder, found, value, clock.getAsLong());
        }
    }

    @Override
    public void onLeaseReply(final int token, final byte[] key, final int result, final byte[] value)
    {
        if (!nameRecord.onLeaseReply(token, result, value, clock.getAsLong()))
        {
            lease.onLeaseReply(token, result, value, clock.getAsLong());
        }
    }

    @Override
    public void onLinkUp(final Connection c)
    {
        fib.reason(((c.types() | c.peerTypes()) & OverlayNode.SHORTCUT) != 0 ? "shortcut" : "link_up");
        log.event("link_up", "peer=" + Ring.shortHex(c.address()) + " ip=" +
            (c.virtualIp() == 0 ? "-" : Ipv4.toString(c.virtualIp())) + " " + path(c) + " types=" +
            OverlayNode.typeNames(c.types() | c.peerTypes()));
    }

    @Override
    public void onLinkPathChanged(final Connection c)
    {
        final String reason = c.via() == null ? "link_direct" : "link_relayed";
        fib.reason(reason);
        log.event(reason, "peer=" + Ring.shortHex(c.address()) + " " + path(c));
    }

    @Override
    public void onLinkDown(final Connection c, final String reason)
    {
        fib.reason("link_down");
        resolution.refreshPointingAt(c.address(), clock.getAsLong());
        log.event("link_down", "peer=" + Ring.shortHex(c.address()) + " reason=" + reason);
    }

    @Override
    public void onPeerMoved(final Connection c)
    {
        fib.reason("migration");
        log.event("peer_moved", "peer=" + Ring.shortHex(c.address()) + " endpoint=" + Endpoints.toString(c.endpoint()));
    }

    @Override
    public void onUnreachable(final byte[] gone)
    {
        resolution.refreshPointingAt(gone, clock.getAsLong());
    }

    @Override
    public void onEndToEnd(final byte[] source, final byte[] handshake)
    {
        endToEnd.accept(source, handshake);
    }

    @Override
    public void onUdpGaveUp()
    {
        log.event("udp_gave_up", "no answer over UDP while TCP works: links over TCP and relays only");
    }

    @Override
    public void onEndpointLearned(final long endpoint)
    {
        log.event("endpoint_learned", "endpoint=" + Endpoints.toString(endpoint));
    }

    @Override
    public void onShortcutRequested(final byte[] peer, final double ratePps)
    {
        log.event("shortcut_requested", "peer=" + Ring.shortHex(peer) + " rate_pps=" + Math.round(ratePps));
    }

    @Override
    public void onShortcutTrimmed(final byte[] peer)
    {
        log.event("shortcut_trimmed", "peer=" + Ring.shortHex(peer));
    }

    private static String path(final Connection c)
    {
        return c.via() == null ? "endpoint=" + Endpoints.toString(c.endpoint()) : "via=" + Ring.shortHex(c.via());
    }
}

package wow.controlplane;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import wow.controlplane.identity.Identity;
import wow.controlplane.journal.FibListener;
import wow.controlplane.overlay.OverlayConfig;
import wow.dataplane.DataPlane;
import wow.dataplane.QueueAgent;
import wow.dataplane.ThreadingMode;
import wow.dataplane.fib.Fib;
import wow.dataplane.port.Frames;
import wow.dataplane.port.MemoryTapPort;
import wow.dataplane.port.MemoryUdpNetwork;
import wow.dataplane.protocol.Ipv4;
import wow.dataplane.status.CountersFile;
import wow.dataplane.transport.Endpoints;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Overlay conductors, each with its data plane, on the in-memory network, stepped by hand with a
 * manual clock: the DHCP race (two nodes whose first candidate address is the same claim it at
 * once; exactly one gets it and the other goes on to its next candidate) and the ping a node
 * sends when a busy peer's data stops arriving.
 */
class OverlayConductorTest
{
    static final int SUBNET = Ipv4.parse("10.77.0.0");
    static final int PREFIX = 24;

    final long[] now = {1_000_000_000L};
    final MemoryUdpNetwork net = new MemoryUdpNetwork();
    final List<Member> members = new ArrayList<>();

    final class Member implements AutoCloseable
    {
        final ByteArrayOutputStream log = new ByteArrayOutputStream();
        final MemoryTapPort tap = new MemoryTapPort();
        final CountersFile counters = CountersFile.inMemory(512);
        final MemoryUdpNetwork.Port port;
        final DataPlane dataPlane;
        final OverlayConductor conductor;

        Member(final Identity identity, final int port, final long[] seeds, final boolean dhcp)
        {
            this(identity, port, seeds, dhcp, 0, ctx -> { });
        }

        Member(final Identity identity, final int port, final long[] seeds, final boolean dhcp, final int ip,
            final java.util.function.Consumer<ConductorContext> more)
        {
            final long endpoint = Endpoints.udp(Ipv4.parse("198.51.100.1"), port);
            this.port = net.bind(endpoint);
            dataPlane = new DataPlane(ThreadingMode.SHARED, List.of(tap), List.of(this.port), Frames.HOST_MAC,
                1420, new Fib.Builder(dhcp ? SUBNET : ip, PREFIX, identity.address()).build(1), counters, null);
            final ConductorContext ctx = new ConductorContext().localIp(ip).localAddress(identity.address()).prefix(PREFIX)
                .seeds(seeds).localEndpoints(new long[] {endpoint}).dataPlane(dataPlane.proxy()).counters(counters.manager())
                .clock(() -> now[0]).log(new EventLog(new PrintStream(log, true))).fibListener(FibListener.NONE)
                .overlayConfig(OverlayConfig.defaults());
            if (dhcp)
            {
                ctx.leaseSigner(wow.controlplane.overlay.lease.LeaseSigner.ofIdentity(identity)).dhcpSubnet(SUBNET);
            }
            more.accept(ctx);
            conductor = new OverlayConductor(ctx);
            members.add(this);
        }

        void step()
        {
            conductor.doWork();
            for (final QueueAgent agent : dataPlane.agents())
            {
                agent.doWork();
            }
            conductor.doWork();
        }

        int ip()
        {
            return conductor.status().virtualIp();
        }

        long counter(final String label)
        {
            final long[] value = new long[1];
            counters.manager().forEach((v, id, l) ->
            {
                if (l.equals(label))
                {
                    value[0] += v;
                }
            });
            return value[0];
        }

        @Override
        public void close()
        {
            dataPlane.close();
        }
    }

    @AfterEach
    void close()
    {
        members.forEach(Member::close);
    }

    void run(final long millis)
    {
        for (long t = 0; t < millis; t += 10)
        {
            now[0] += 10;
            for (final Member m : members)
            {
                m.step();
            }
        }
    }

    @Test
    void twoNodesRacingForOneAddressEndWithOneOwnerAndTheLoserTakesItsNextCandidate()
    {
        // two identities whose first candidate in the /24 is the same address
        final Map<Integer, Identity> byFirst = new HashMap<>();
        Identity one = null;
        Identity two = null;
        for (int i = 0; i < 2_000 && one == null; i++)
        {
            final Identity id = Identity.generate();
            final Identity before = byFirst.putIfAbsent(VirtualIpLease.candidate(SUBNET, PREFIX, id.address(), 0), id);
            if (before != null)
            {
                one = before;
                two = id;
            }
        }
        assertNotNull(one, "no two identities with the same first candidate");
        final int contested = VirtualIpLease.candidate(SUBNET, PREFIX, one.address(), 0);

        final Member seed = new Member(Identity.generate(), 5000, new long[0], false);
        final long[] seeds = {Endpoints.udp(Ipv4.parse("198.51.100.1"), 5000)};
        new Member(Identity.generate(), 5001, seeds, false);
        final Member a = new Member(one, 5002, seeds, true);
        final Member b = new Member(two, 5003, seeds, true);
        run(12_000);

        assertNotEquals(0, a.ip(), "a got an address:\n" + a.log);
        assertNotEquals(0, b.ip(), "b got an address:\n" + b.log);
        assertNotEquals(a.ip(), b.ip(), "one owner per address");
        final Member winner = a.ip() == contested ? a : b;
        final Member loser = winner == a ? b : a;
        assertEquals(contested, winner.ip(), "one of them holds the contested address");
        assertTrue(loser.log.toString().contains("ip_candidate_taken ip=" + Ipv4.toString(contested)), loser.log.toString());
        assertEquals(VirtualIpLease.candidate(SUBNET, PREFIX, (loser == a ? one : two).address(), 1), loser.ip(),
            "the loser took its next candidate");
        assertTrue(seed.conductor.status().connections().size() >= 3);
    }

    @Test
    void aNodeWhoseBusyPeerFallsSilentPingsItOnceAndATrickleNever()
    {
        final int ipA = Ipv4.parse("10.77.0.1");
        final int ipB = Ipv4.parse("10.77.0.2");
        new Member(Identity.generate(), 5000, new long[0], false);
        final long[] seeds = {Endpoints.udp(Ipv4.parse("198.51.100.1"), 5000)};
        final Member a = new Member(Identity.generate(), 5001, seeds, false, ipA, ctx -> { });
        final Member b = new Member(Identity.generate(), 5002, seeds, false, ipB, ctx -> { });
        run(6_000);
        a.tap.inject(Frames.ethernet(Frames.ipv4(ipA, ipB, 100, 0))); // resolves b's address
        run(2_000);
        b.tap.drainWritten();

        // a busy second: a packet from a to b every 10 ms
        for (int i = 1; i <= 100; i++)
        {
            a.tap.inject(Frames.ethernet(Frames.ipv4(ipA, ipB, 100, i)));
            run(10);
        }
        assertTrue(b.tap.drainWritten().size() >= 90, "b received the traffic");
        assertEquals(0, b.counter("silence_pings"), "no ping while data arrives");
        run(600);
        assertEquals(1, b.counter("silence_pings"), "b pinged a within a tick or two of the silence");
        run(5_000);
        assertEquals(1, b.counter("silence_pings"), "once per silence");

        // a trickle: a packet a second never looks like a busy spell
        for (int i = 0; i < 5; i++)
        {
            a.tap.inject(Frames.ethernet(Frames.ipv4(ipA, ipB, 100, 200 + i)));
            run(1_000);
        }
        assertEquals(5, b.tap.drainWritten().size());
        assertEquals(1, b.counter("silence_pings"));
    }

    /** A seed and an owner of {@code ip}, leased. */
    Member ownerOf(final int ip, final Identity owner)
    {
        new Member(Identity.generate(), 5000, new long[0], false);
        final Member a = new Member(owner, 5001, new long[] {Endpoints.udp(Ipv4.parse("198.51.100.1"), 5000)}, false, ip,
            ctx -> ctx.leaseSigner(wow.controlplane.overlay.lease.LeaseSigner.ofIdentity(owner)));
        run(6_000);
        assertTrue(a.log.toString().contains("ip_leased ip=" + Ipv4.toString(ip)), a.log.toString() + " owner " +
            wow.controlplane.overlay.ring.Ring.shortHex(owner.address()) + " members " + members.size());
        return a;
    }

    Member claimant(final int ip)
    {
        final Identity id = Identity.generate();
        return new Member(id, 5002, new long[] {Endpoints.udp(Ipv4.parse("198.51.100.1"), 5000)}, false, ip,
            ctx -> ctx.leaseSigner(wow.controlplane.overlay.lease.LeaseSigner.ofIdentity(id)));
    }

    @Test
    void aHostReinstalledWithoutReleasingItsAddressWaitsOutTheStaleLeaseAndTakesIt()
    {
        final int ip = Ipv4.parse("10.77.0.9");
        final Member a = ownerOf(ip, Identity.generate());
        members.remove(a); // it stops dead: no leave, no release
        a.close();
        final Member b = claimant(ip);
        run(30_000); // the seed notices the silence (10 s), answers as the key's primary, b probes the owner (5 s)
        assertNull(b.conductor.fatal(), b.log.toString());
        assertTrue(b.log.toString().contains("ip_held_by_stale_lease ip=10.77.0.9"), b.log.toString());
        assertEquals(1, b.log.toString().split("ip_held_by_stale_lease", -1).length - 1, "said once");
        run(VirtualIpLease.LEASE_TTL_S * 1000L);
        assertNull(b.conductor.fatal(), b.log.toString());
        assertTrue(b.log.toString().contains("ip_leased ip=10.77.0.9"), b.log.toString());
    }

    @Test
    void renewalsThatGoUnansweredAreSentAgainAndALeaseThatRanOutIsClaimedAgain()
    {
        final int ip = Ipv4.parse("10.77.0.9");
        final Member a = ownerOf(ip, Identity.generate());
        final byte[] key = wow.controlplane.overlay.lease.Leases.key(ip);
        final int[] lost = new int[1];
        a.port.dropOutgoing(bytes ->
        {
            final boolean aboutTheLease = indexOf(bytes, key) >= 0;
            lost[0] += aboutTheLease ? 1 : 0;
            return aboutTheLease; // everything a says about its lease is lost on the way
        });
        run(VirtualIpLease.LEASE_TTL_S * 1000L - 10_000);
        assertFalse(a.log.toString().contains("ip_lease_expired"), a.log.toString());
        assertTrue(lost[0] >= 15, "renewals sent again every few seconds, not once a third of the TTL: " + lost[0]);
        run(15_000);
        assertTrue(a.log.toString().contains("ip_lease_expired ip=10.77.0.9"), a.log.toString());
        a.port.dropOutgoing(bytes -> false);
        run(10_000);
        assertEquals(2, a.log.toString().split("ip_leased ip=10.77.0.9", -1).length - 1, "claimed again: " + a.log);
        assertNull(a.conductor.fatal(), a.log.toString());
    }

    private static int indexOf(final byte[] haystack, final byte[] needle)
    {
        for (int i = 0; i + needle.length <= haystack.length; i++)
        {
            if (java.util.Arrays.equals(haystack, i, i + needle.length, needle, 0, needle.length))
            {
                return i;
            }
        }
        return -1;
    }

    @Test
    void aGracefulLeaveReleasesTheAddressAtOnce()
    {
        final int ip = Ipv4.parse("10.77.0.9");
        final Member a = ownerOf(ip, Identity.generate());
        a.conductor.proxy().requestLeave();
        run(500);
        assertTrue(a.conductor.proxy().hasLeft());
        members.remove(a);
        a.close();
        final Member b = claimant(ip);
        run(10_000);
        assertTrue(b.log.toString().contains("ip_leased ip=10.77.0.9"), b.log.toString());
        assertFalse(b.log.toString().contains("ip_held_by_stale_lease"), b.log.toString());
    }

    @Test
    void aLiveOwnerOfTheAddressAnswersItsProbeAndTheClaimantStops()
    {
        final int ip = Ipv4.parse("10.77.0.9");
        final Member a = ownerOf(ip, Identity.generate());
        final Member b = claimant(ip);
        run(10_000);
        assertEquals("virtual IP 10.77.0.9 is leased to another live node (ring address " +
            wow.controlplane.overlay.ring.Ring.shortHex(a.conductor.status().address()) + "): pick another --ip",
            b.conductor.fatal(), b.log.toString());
        assertFalse(b.log.toString().contains("ip_held_by_stale_lease"), b.log.toString());
    }

    @Test
    void aNodeThatIsThePrimaryOfItsOwnCandidateTakesTheAnswerItGivesItself()
    {
        // b's first candidate is a's static address, and b is the node closest to that lease's
        // key: b decides its own claim, through its own queue in its next duty cycle
        final Identity seedId = Identity.generate();
        final Identity aId = Identity.generate();
        Identity bId = null;
        int contested = 0;
        for (int i = 0; i < 500 && bId == null; i++)
        {
            final Identity candidate = Identity.generate();
            final int ip = VirtualIpLease.candidate(SUBNET, PREFIX, candidate.address(), 0);
            final java.math.BigInteger key = wow.controlplane.overlay.ring.Ring.value(
                wow.controlplane.overlay.lease.Leases.key(ip));
            final java.math.BigInteger mine = wow.controlplane.overlay.ring.Ring.distance(
                wow.controlplane.overlay.ring.Ring.value(candidate.address()), key);
            if (mine.compareTo(wow.controlplane.overlay.ring.Ring.distance(wow.controlplane.overlay.ring.Ring.value(seedId.address()), key)) < 0 &&
                mine.compareTo(wow.controlplane.overlay.ring.Ring.distance(wow.controlplane.overlay.ring.Ring.value(aId.address()), key)) < 0)
            {
                bId = candidate;
                contested = ip;
            }
        }
        assertNotNull(bId);
        new Member(seedId, 5000, new long[0], false);
        final long[] seeds = {Endpoints.udp(Ipv4.parse("198.51.100.1"), 5000)};
        final Member a = new Member(aId, 5001, seeds, false, contested, ctx -> ctx.leaseSigner(wow.controlplane.overlay.lease.LeaseSigner.ofIdentity(aId)));
        run(6_000);
        assertTrue(a.log.toString().contains("ip_leased ip=" + Ipv4.toString(contested)), a.log.toString());
        final Member b = new Member(bId, 5002, seeds, true);
        run(10_000);
        assertTrue(b.log.toString().contains("ip_candidate_taken ip=" + Ipv4.toString(contested)), b.log.toString());
        assertEquals(VirtualIpLease.candidate(SUBNET, PREFIX, bId.address(), 1), b.ip(), b.log.toString());
    }

    @Test
    void aResumedRouteToAnAddressNoNodeHoldsGoesAtItsFirstReResolutionAndALiveOneStays()
    {
        final Identity seedId = Identity.generate();
        final int ipSeed = Ipv4.parse("10.77.0.1");
        final int ipGone = Ipv4.parse("10.77.0.5");
        final int ipB = Ipv4.parse("10.77.0.3");
        new Member(seedId, 5000, new long[0], false, ipSeed, ctx -> { });
        final long[] seeds = {Endpoints.udp(Ipv4.parse("198.51.100.1"), 5000)};
        final byte[] nobody = Identity.generate().address();
        final Member b = new Member(Identity.generate(), 5002, seeds, false, ipB,
            ctx -> ctx.resume(Map.of(ipGone, nobody, ipSeed, seedId.address())));
        run(1_000);
        assertNotEquals(Fib.NONE, b.dataPlane.proxy().current().route(ipGone), "resumed at start");
        run(ResolutionCache.REFRESH_MS + 5_000);
        assertEquals(Fib.NONE, b.dataPlane.proxy().current().route(ipGone), b.log.toString());
        assertTrue(b.log.toString().contains("resumed_route_gone ip=10.77.0.5"), b.log.toString());
        assertNotEquals(Fib.NONE, b.dataPlane.proxy().current().route(ipSeed), "the live one stays");
    }

    @Test
    void aConductorNumbersFibVersionsOnFromTheVersionItsDataPlaneStartedWith()
    {
        final Identity id = Identity.generate();
        final long endpoint = Endpoints.udp(Ipv4.parse("198.51.100.1"), 5009);
        final CountersFile counters = CountersFile.inMemory(512);
        final DataPlane dataPlane = new DataPlane(ThreadingMode.SHARED, List.of(new MemoryTapPort()),
            List.of(net.bind(endpoint)), Frames.HOST_MAC, 1420, new Fib.Builder(ipA(), PREFIX, id.address()).build(20), counters, null);
        try
        {
            final List<Long> published = new ArrayList<>();
            final OverlayConductor c = new OverlayConductor(new ConductorContext().localIp(ipA()).localAddress(id.address())
                .prefix(PREFIX).localEndpoints(new long[] {endpoint}).dataPlane(dataPlane.proxy()).counters(counters.manager())
                .clock(() -> now[0]).log(new EventLog(new PrintStream(new ByteArrayOutputStream(), true)))
                .fibListener((fib, reason, types) -> published.add(fib.version())));
            c.doWork();
            assertEquals(List.of(21L), published, "the first version follows the one the node started from");
        }
        finally
        {
            dataPlane.close();
        }
    }

    static int ipA()
    {
        return Ipv4.parse("10.77.0.9");
    }

    @Test
    void aProbeThroughTheProxyIsAnsweredOrGivenUpAfterItsTimeout() throws Exception
    {
        final Member a = new Member(Identity.generate(), 5000, new long[0], false, Ipv4.parse("10.77.0.1"), ctx -> { });
        final Member b = new Member(Identity.generate(), 5001, new long[] {Endpoints.udp(Ipv4.parse("198.51.100.1"), 5000)},
            false, Ipv4.parse("10.77.0.2"), ctx -> { });
        run(5_000);
        final java.util.concurrent.CompletableFuture<Boolean> answered = a.conductor.proxy().probe(b.conductor.status().address());
        final byte[] nobody = b.conductor.status().address();
        nobody[19] ^= 1; // an address no node holds: exact delivery finds no one
        final java.util.concurrent.CompletableFuture<Boolean> lost = a.conductor.proxy().probe(nobody);
        run(1_000);
        assertTrue(answered.getNow(false), "the peer answered");
        assertFalse(lost.isDone(), "not given up before its timeout");
        run(OverlayConductor.PROBE_TIMEOUT_MS + 1_000);
        assertEquals(Boolean.FALSE, lost.getNow(null), "given up: the asker hears false and the conductor forgets it");
    }

    @Test
    void namesResolveOverTheDhtToTheOwnersAddressAndAnUnknownNameIsNoSuchName() throws Exception
    {
        final long[] seeds = {Endpoints.udp(Ipv4.parse("198.51.100.1"), 5000)};
        final Member seed = new Member(Identity.generate(), 5000, new long[0], false, Ipv4.parse("10.77.0.1"),
            ctx -> ctx.name("seed"));
        new Member(Identity.generate(), 5001, seeds, false, Ipv4.parse("10.77.0.2"), ctx -> ctx.name("Web"));
        final Member c = new Member(Identity.generate(), 5002, seeds, true, 0, ctx -> ctx.name("db"));
        new Member(Identity.generate(), 5003, seeds, false, Ipv4.parse("10.77.0.4"), ctx -> { });
        run(15_000);
        assertTrue(c.log.toString().contains("name_published name=db ip=" + Ipv4.toString(c.ip())), c.log.toString());

        final var web = seed.conductor.proxy().resolveName("WEB");
        final var db = seed.conductor.proxy().resolveName("db");
        final var own = seed.conductor.proxy().resolveName("seed");
        final var unknown = seed.conductor.proxy().resolveName("nobody");
        run(4_000);
        assertEquals(new NameResolver.Answer(NameResolver.Status.FOUND, Ipv4.parse("10.77.0.2"), 30), web.getNow(null),
            "names are case-insensitive; the answer is trusted for the cache's time at most");
        assertEquals(NameResolver.Status.FOUND, db.getNow(null).status());
        assertEquals(c.ip(), db.getNow(null).ip(), "a DHCP node's name names the address it leased");
        assertEquals(Ipv4.parse("10.77.0.1"), own.getNow(null).ip(), "its own name from its lease");
        assertEquals(NameResolver.Answer.NO_SUCH_NAME, unknown.getNow(null), "every holder asked had none");

        c.conductor.proxy().requestLeave();
        run(1_000);
        members.remove(c);
        c.close();
        run(NameResolver.CACHE_MS);
        final var gone = seed.conductor.proxy().resolveName("db");
        run(4_000);
        assertEquals(NameResolver.Answer.NO_SUCH_NAME, gone.getNow(null), "a leaving node's record goes with it");
    }
}

package wow.controlplane.overlay;

import wow.controlplane.overlay.lease.LeaseAuthority;
import wow.controlplane.overlay.lease.LeaseSigner;
import wow.controlplane.overlay.lease.Leases;
import wow.controlplane.security.Keys;
import wow.controlplane.overlay.wire.Messages;
import wow.controlplane.overlay.ring.Ring;
import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The DHT on a small ring of real overlay nodes joined by an instant, lossless network. */
class DhtTest
{
    final Map<Long, OverlayNode> byEndpoint = new HashMap<>();
    final ArrayDeque<Runnable> wire = new ArrayDeque<>();
    final Map<Integer, byte[]> answers = new HashMap<>();
    final Map<Integer, Boolean> found = new HashMap<>();
    final Map<String, Integer> leaseResults = new HashMap<>();
    double loss;
    final Random lossRandom = new Random(99);
    long now;

    OverlayNode node(final long endpoint, final Random random)
    {
        final byte[] address = new byte[20];
        random.nextBytes(address);
        return node(endpoint, address);
    }

    OverlayNode node(final long endpoint, final byte[] address)
    {
        final Random random = new Random(endpoint);
        final OverlayNode[] self = new OverlayNode[1];
        final OverlayTransport transport = new OverlayTransport()
        {
            @Override
            public void sendDirect(final long to, final int remoteLinkId, final byte[] message)
            {
                wire.add(() ->
                {
                    final OverlayNode target = byEndpoint.get(to);
                    if (target != null)
                    {
                        target.onDirect(endpoint, message, 0, message.length, now);
                    }
                });
            }

            @Override
            public void sendRouted(final long firstHop, final int relayLinkId, final byte[] destination, final int delivery,
                final boolean excludeSource, final byte[] message)
            {
                final BigInteger source = self[0].value();
                wire.add(() -> forward(firstHop, source, destination, delivery, excludeSource, message, 30));
            }

            @Override
            public void connectionsChanged()
            {
            }

            @Override
            public void selfQueued()
            {
                wire.add(() -> self[0].deliverQueued(now));
            }
        };
        final OverlayEvents events = new OverlayEvents()
        {
            @Override
            public void onDhtReply(final int token, final byte[] responder, final boolean ok, final byte[] value)
            {
                found.put(token, ok);
                answers.put(token, value);
            }

            @Override
            public void onLeaseReply(final int token, final byte[] key, final int result, final byte[] value)
            {
                // tokens are per node: several claimants may use the same number
                leaseResults.put(self[0].value() + ":" + token, result);
            }
        };
        self[0] = new OverlayNode(address, 0, new long[] {endpoint}, OverlayConfig.defaults(), transport, events, random, LeaseAuthority.OPEN);
        byEndpoint.put(endpoint, self[0]);
        return self[0];
    }

    void forward(final long at, final BigInteger source, final byte[] destination, final int delivery, final boolean exclude,
        final byte[] message, final int ttl)
    {
        final OverlayNode node = byEndpoint.get(at);
        if (node == null)
        {
            return; // crashed
        }
        final BigInteger dst = Ring.value(destination);
        if (delivery == OverlayNode.EXACT && node.value().equals(dst))
        {
            node.onRouted(Ring.address(source), message, 0, message.length, now);
            return;
        }
        final Connection hop = node.nextHop(dst, exclude ? source : null);
        if (hop == null)
        {
            if (delivery == OverlayNode.CLOSEST)
            {
                node.onRouted(Ring.address(source), message, 0, message.length, now);
            }
            return;
        }
        if (ttl > 1)
        {
            wire.add(() -> forward(hop.endpoint(), source, destination, delivery, exclude, message, ttl - 1));
        }
    }

    void run(final List<OverlayNode> nodes, final long millis)
    {
        for (long t = 0; t < millis; t += 100)
        {
            now += 100;
            for (final OverlayNode n : nodes)
            {
                n.tick(now);
            }
            while (!wire.isEmpty())
            {
                final Runnable r = wire.poll();
                if (loss == 0 || lossRandom.nextDouble() >= loss)
                {
                    r.run();
                }
            }
        }
    }

    List<OverlayNode> ring(final int size, final Random random)
    {
        final List<OverlayNode> nodes = new ArrayList<>();
        final OverlayNode first = node(1, random);
        first.join(new long[0], now);
        nodes.add(first);
        for (int i = 2; i <= size; i++)
        {
            final OverlayNode n = node(i, random);
            n.join(new long[] {1}, now);
            nodes.add(n);
            run(nodes, 500);
        }
        run(nodes, 10_000);
        return nodes;
    }

    static LeaseSigner keys()
    {
        return LeaseSigner.ofPrivateKey(Keys.newSigningKey(), new byte[0]);
    }

    /** @return the key its answer will be found under in {@link #leaseResults}. */
    String lease(final OverlayNode node, final LeaseSigner keys, final int op, final int ip, final int ttl, final long serial)
    {
        return node.value() + ":" + node.lease(keys.sign(op, ip, ttl, serial, node.address()));
    }

    /** @return the operation with another public key, TTL or signature (a forgery). */
    static Messages.LeaseOp altered(final Messages.LeaseOp o, final byte[] publicKey, final int ttl, final byte[] signature)
    {
        return new Messages.LeaseOp(o.op(), o.role(), o.token(), o.key(), ttl, o.serial(), o.value(), o.ip(), publicKey,
            o.certificate(), signature, Math.min(ttl, o.remainingSeconds()));
    }

    /**
     * {@code owner} leases {@code key} through node 2 of the ring; then a node whose address is
     * the key itself (so it becomes the key's primary) starts joining.
     *
     * @return that node, added to {@code nodes}.
     */
    OverlayNode leaseThenPrimaryJoins(final List<OverlayNode> nodes, final LeaseSigner owner, final int ip)
    {
        final byte[] key = Leases.key(ip);
        final String claimed = lease(nodes.get(2), owner, Messages.LEASE_CLAIM, ip, 120, 1);
        run(nodes, 500);
        assertEquals(Messages.LEASE_GRANTED, leaseResults.get(claimed));
        final OverlayNode newcomer = node(99, key.clone());
        newcomer.join(new long[] {1}, now);
        nodes.add(newcomer);
        return newcomer;
    }

    @Test
    void racingClaimsEndWithExactlyOneOwnerAlsoWithLossAndOnlyTheOwnerCanRelease()
    {
        final List<OverlayNode> nodes = ring(12, new Random(23));
        final LeaseSigner[] keys = new LeaseSigner[5];
        for (int i = 0; i < keys.length; i++)
        {
            keys[i] = keys();
        }
        for (int round = 0; round < 12; round++)
        {
            loss = round < 6 ? 0 : 0.1;
            final int keyIp = 0x0A800000 + round;
            final byte[] key = Leases.key(keyIp);
            final Map<Integer, Integer> answer = new HashMap<>(); // claimant -> result
            for (int attempt = 0; attempt < 20 && answer.size() < keys.length; attempt++)
            {
                final Map<String, Integer> tokens = new HashMap<>();
                for (int c = 0; c < keys.length; c++)
                {
                    if (!answer.containsKey(c))
                    {
                        // all at once; a claimant without an answer asks again (same serial)
                        tokens.put(lease(nodes.get(c), keys[c], Messages.LEASE_CLAIM, keyIp, 60, 1), c);
                    }
                }
                run(nodes, 500);
                tokens.forEach((token, c) ->
                {
                    if (leaseResults.containsKey(token))
                    {
                        answer.put(c, leaseResults.get(token));
                    }
                });
            }
            assertEquals(keys.length, answer.size(), "every claimant got an answer (round " + round + ")");
            assertEquals(1, answer.values().stream().filter(r -> r == Messages.LEASE_GRANTED).count(),
                "exactly one owner, round " + round + ": " + answer);
            assertEquals(keys.length - 1, answer.values().stream().filter(r -> r == Messages.LEASE_TAKEN).count());
        }
        loss = 0;

        final int keyIp = 0x0A800101;
        final byte[] key = Leases.key(keyIp);
        final String a = lease(nodes.get(0), keys[0], Messages.LEASE_CLAIM, keyIp, 60, 1);
        run(nodes, 500);
        assertEquals(Messages.LEASE_GRANTED, leaseResults.get(a));
        final String forged = lease(nodes.get(1), keys[1], Messages.LEASE_RELEASE, keyIp, 60, 2);
        final Messages.LeaseOp byOther = keys[1].sign(Messages.LEASE_RELEASE, keyIp, 60, 3, nodes.get(1).address());
        final String badSignature = nodes.get(1).value() + ":" + nodes.get(1).lease(
            altered(byOther, keys[0].publicKey(), 60, byOther.signature()));
        final String forgedRenew = lease(nodes.get(1), keys[1], Messages.LEASE_RENEW, keyIp, 600, 4);
        run(nodes, 500);
        assertEquals(Messages.LEASE_TAKEN, leaseResults.get(forged), "a release by someone else is refused");
        assertEquals(Messages.LEASE_REFUSED, leaseResults.get(badSignature), "the owner's key with another's signature");
        assertEquals(Messages.LEASE_TAKEN, leaseResults.get(forgedRenew));
        final String renewed = lease(nodes.get(0), keys[0], Messages.LEASE_RENEW, keyIp, 60, 5);
        final String released = lease(nodes.get(0), keys[0], Messages.LEASE_RELEASE, keyIp, 60, 6);
        run(nodes, 500);
        assertEquals(Messages.LEASE_GRANTED, leaseResults.get(renewed));
        assertEquals(Messages.LEASE_GRANTED, leaseResults.get(released));
        final String replayed = lease(nodes.get(0), keys[0], Messages.LEASE_CLAIM, keyIp, 60, 1); // the first claim again
        run(nodes, 500);
        assertEquals(Messages.LEASE_REFUSED, leaseResults.get(replayed), "older than the release: it cannot bring it back");
        final String again = lease(nodes.get(0), keys[0], Messages.LEASE_CLAIM, keyIp, 60, 7); // the owner claims anew
        run(nodes, 500);
        assertEquals(Messages.LEASE_GRANTED, leaseResults.get(again), "released: free to take");
        final String next = lease(nodes.get(1), keys[1], Messages.LEASE_CLAIM, keyIp, 30, 1);
        run(nodes, 500);
        assertEquals(Messages.LEASE_TAKEN, leaseResults.get(next));

        // the owner crashes (stops renewing): the lease expires on every replica and is free again
        run(nodes, 61_000);
        final String after = lease(nodes.get(1), keys[1], Messages.LEASE_CLAIM, keyIp, 30, 2);
        run(nodes, 500);
        assertEquals(Messages.LEASE_GRANTED, leaseResults.get(after), "free after the owner's lease ran out");
        final List<OverlayNode> byDistance = new ArrayList<>(nodes);
        byDistance.sort(Comparator.comparing(n -> Ring.distance(n.value(), Ring.value(key))));
        int holders = 0;
        for (final OverlayNode n : byDistance.subList(0, 3))
        {
            holders += n.heldLease(key, now) != null ? 1 : 0;
        }
        assertEquals(3, holders, "held by the primary and its replicas");
    }

    @Test
    void aCopyFarFromItsKeyGoesTowardTheKeyAndStaysOnlyWithTheKeysHolders()
    {
        final List<OverlayNode> nodes = ring(48, new Random(41));
        final LeaseSigner owner = keys();
        final int keyIp = 0x0A800A0A;
        final byte[] key = Leases.key(keyIp);
        final String claimed = lease(nodes.get(3), owner, Messages.LEASE_CLAIM, keyIp, 120, 1);
        run(nodes, 500);
        assertEquals(Messages.LEASE_GRANTED, leaseResults.get(claimed));
        final List<OverlayNode> byDistance = new ArrayList<>(nodes);
        byDistance.sort(Comparator.comparing(n -> Ring.distance(n.value(), Ring.value(key))));
        // a copy lands on a node far from the key (a primary of the wrong place while the ring was in
        // flux): the farthest that sees the key beyond twice the reach of its near neighbours
        final BigInteger k = Ring.value(key);
        OverlayNode far = null;
        for (int i = byDistance.size() - 1; i >= 0 && far == null; i--)
        {
            final OverlayNode n = byDistance.get(i);
            final boolean right = Ring.clockwise(n.value(), k).compareTo(Ring.HALF) <= 0;
            final BigInteger outer = n.side(right).get(1).value();
            final BigInteger reach = right ? Ring.clockwise(n.value(), outer) : Ring.clockwise(outer, n.value());
            far = (right ? Ring.clockwise(n.value(), k) : Ring.clockwise(k, n.value())).compareTo(reach.shiftLeft(1)) > 0 ? n : null;
        }
        assertNotNull(far, "a node far from the key");
        final Connection link = far.connections().iterator().next();
        final byte[] copy = Messages.lease(owner.sign(Messages.LEASE_CLAIM, keyIp, 120, 1, nodes.get(3).address())
            .as(Messages.LEASE_COPY, 0, 100));
        far.onDirect(link.endpoint(), copy, 0, copy.length, now);
        assertNotNull(far.heldLease(key, now), "taken as a copy");
        run(nodes, OverlayConfig.defaults().dhtRepublishMs() * 2 + 1_000);
        assertNull(far.heldLease(key, now), "not a holder: handed on toward the key, not kept");
        int holders = 0;
        for (final OverlayNode n : nodes)
        {
            holders += n.heldLease(key, now) != null ? 1 : 0;
        }
        for (final OverlayNode n : byDistance.subList(0, 3))
        {
            assertNotNull(n.heldLease(key, now), "the three nodes closest to the key hold it");
        }
        assertTrue(holders <= nodes.size() / 3, holders + " of " + nodes.size() + " nodes hold it: it stays near its key");
    }

    @Test
    void aNodeThatJoinsAsAKeysPrimaryLearnsItsLeaseAndGrantsNoSecondOwner()
    {
        final List<OverlayNode> nodes = ring(10, new Random(31));
        final LeaseSigner other = keys();
        final int keyIp = 0x0A800909;
        final byte[] key = Leases.key(keyIp);
        final OverlayNode newcomer = leaseThenPrimaryJoins(nodes, keys(), keyIp);
        run(nodes, 6_000);
        assertNotNull(newcomer.heldLease(key, now), "the holders handed the live lease to the new primary");
        final String second = lease(nodes.get(5), other, Messages.LEASE_CLAIM, keyIp, 120, 1);
        run(nodes, 500);
        assertEquals(Messages.LEASE_TAKEN, leaseResults.get(second), "no second owner");
    }

    @Test
    void aHolderChecksEveryCopyButTheVeryOperationItHolds()
    {
        final Leases leases = new Leases(LeaseAuthority.OPEN);
        final LeaseSigner owner = keys();
        final int keyIp = 0x0A800707;
        final byte[] key = Leases.key(keyIp);
        final Messages.LeaseOp op = copy(owner, Messages.LEASE_CLAIM, keyIp, 1);
        assertEquals(Messages.LEASE_GRANTED, leases.apply(op, 0));
        assertEquals(Messages.LEASE_GRANTED, leases.apply(op.as(Messages.LEASE_COPY, 0, 50), 10_000), "the same operation again");
        final byte[] bad = op.signature().clone();
        bad[3] ^= 1;
        assertEquals(Messages.LEASE_REFUSED, leases.apply(altered(op, op.publicKey(), 60, bad), 10_000), "a tampered signature");
        assertEquals(Messages.LEASE_REFUSED, leases.apply(altered(op, op.publicKey(), 6_000, op.signature()), 10_000),
            "the held signature on a longer TTL");
        assertEquals(60_000, leases.get(key, 10_000).expiresMs(), "still the lease as first applied");
    }

    @Test
    void leasesAreCappedInTimeAndTakenOnlyForTheKeyOfTheirAddressAndWithTheAuthoritysConsent()
    {
        final LeaseSigner owner = keys();
        final int ip = 0x0A800808;
        final Leases open = new Leases(LeaseAuthority.OPEN);
        final Messages.LeaseOp forAnHour = owner.sign(Messages.LEASE_CLAIM, ip, 3_600, 1, new byte[20]);
        assertEquals(Messages.LEASE_GRANTED, open.apply(forAnHour, 0));
        assertEquals(Leases.MAX_TTL_S * 1000L, open.get(Leases.key(ip), 0).expiresMs(), "asked for an hour, held for the cap");
        // signed for one address, sent under another's key
        final Messages.LeaseOp other = owner.sign(Messages.LEASE_CLAIM, ip + 1, 60, 1, new byte[20]);
        final Messages.LeaseOp misfiled = new Messages.LeaseOp(other.op(), other.role(), 0, Leases.key(ip + 2), 60, 1,
            other.value(), other.ip(), other.publicKey(), other.certificate(), other.signature(), 60);
        assertEquals(Messages.LEASE_REFUSED, open.apply(misfiled, 0));
        // an authority that refuses the owner (as a secure network's does without a certificate allowing the address)
        final Leases strict = new Leases(new LeaseAuthority()
        {
            @Override
            public String problem(final Messages.LeaseOp op)
            {
                return op.ip() == ip ? null : "not allowed";
            }

            @Override
            public boolean supersedes(final Messages.LeaseOp newer, final Messages.LeaseOp held)
            {
                return newer.serial() > 100;
            }
        });
        assertEquals(Messages.LEASE_REFUSED, strict.apply(other, 0));
        assertEquals(Messages.LEASE_GRANTED, strict.apply(owner.sign(Messages.LEASE_CLAIM, ip, 60, 1, new byte[20]), 0));
        final LeaseSigner successor = keys();
        assertEquals(Messages.LEASE_TAKEN, strict.apply(successor.sign(Messages.LEASE_CLAIM, ip, 60, 2, new byte[20]), 0));
        assertEquals(Messages.LEASE_TAKEN, strict.apply(successor.sign(Messages.LEASE_RELEASE, ip, 60, 200, new byte[20]), 0),
            "no one releases another's lease");
        assertEquals(Messages.LEASE_GRANTED, strict.apply(successor.sign(Messages.LEASE_CLAIM, ip, 60, 101, new byte[20]), 0),
            "a superseding owner takes the address over");
        assertArrayEquals(successor.publicKey(), strict.get(Leases.key(ip), 0).lastOp().publicKey());
        // one owner takes at most a few addresses at one holder, however many it claims
        final LeaseSigner greedy = keys();
        int granted = 0;
        for (int i = 0; i < 100; i++)
        {
            granted += open.apply(greedy.sign(Messages.LEASE_CLAIM, 0x0A810000 + i, 60, 1, new byte[20]), 0) ==
                Messages.LEASE_GRANTED ? 1 : 0;
        }
        assertEquals(Leases.MAX_PER_OWNER, granted);
        assertEquals(Messages.LEASE_GRANTED, open.apply(keys().sign(Messages.LEASE_CLAIM, 0x0A820000, 60, 1, new byte[20]), 0),
            "others are not held up");
    }

    static Messages.LeaseOp copy(final LeaseSigner owner, final int op, final int ip, final long serial)
    {
        return owner.sign(op, ip, 60, serial, new byte[20]).as(Messages.LEASE_COPY, 0, 60);
    }

    @Test
    void aTakenAnswerIsBelievedOnlyWithTheOwnersSignedLeaseOfThatKey()
    {
        final OverlayNode claimant = node(1, new Random(5));
        final LeaseSigner owner = keys();
        final int keyIp = 0x0A800909;
        final byte[] key = Leases.key(keyIp);
        final byte[] ownerAddress = new byte[20]; // the value copy() signs
        final int token = 77;
        final byte[][] forged = {
            Messages.leaseReply(token, key, Messages.LEASE_TAKEN, ownerAddress), // no proof
            Messages.leaseReply(token, key, Messages.LEASE_TAKEN, ownerAddress,
                copy(owner, Messages.LEASE_CLAIM, keyIp + 1, 1)), // another key's
            Messages.leaseReply(token, key, Messages.LEASE_TAKEN, claimant.address(), copy(owner, Messages.LEASE_CLAIM, keyIp, 1)),
            Messages.leaseReply(token, key, Messages.LEASE_TAKEN, ownerAddress, copy(owner, Messages.LEASE_RELEASE, keyIp, 2)),
        };
        for (final byte[] m : forged)
        {
            claimant.onRouted(new byte[20], m, 0, m.length, 0);
        }
        assertTrue(leaseResults.isEmpty(), "nothing believed: " + leaseResults);
        assertEquals(forged.length, claimant.malformed());
        final Messages.LeaseOp proof = copy(owner, Messages.LEASE_CLAIM, keyIp, 1);
        final byte[] real = Messages.leaseReply(token, key, Messages.LEASE_TAKEN, ownerAddress, proof);
        claimant.onRouted(new byte[20], real, 0, real.length, 0);
        assertEquals(Messages.LEASE_TAKEN, leaseResults.get(claimant.value() + ":" + token));
    }

    @Test
    void aReleasedLeaseHandedOnByAHolderTheReleaseMissedDoesNotComeBack()
    {
        final LeaseSigner owner = keys();
        final int keyIp = 0x0A800708;
        final byte[] key = Leases.key(keyIp);
        final Leases primary = new Leases(LeaseAuthority.OPEN);
        final Leases missed = new Leases(LeaseAuthority.OPEN);
        final Messages.LeaseOp claim = copy(owner, Messages.LEASE_CLAIM, keyIp, 1);
        assertEquals(Messages.LEASE_GRANTED, primary.apply(claim, 0));
        assertEquals(Messages.LEASE_GRANTED, missed.apply(claim, 0));
        assertEquals(Messages.LEASE_GRANTED, primary.apply(copy(owner, Messages.LEASE_RELEASE, keyIp, 2), 1_000));
        // the holder the release missed hands its copy on: refused, the key stays free
        assertEquals(Messages.LEASE_REFUSED, primary.apply(missed.live(5_000).get(0).handOn(5_000), 5_000));
        assertNull(primary.get(key, 5_000));
        // the release is handed on too, and reaches that holder
        final List<Leases.Lease> releases = primary.releases(6_000);
        assertEquals(1, releases.size());
        assertEquals(Messages.LEASE_GRANTED, missed.apply(releases.get(0).handOn(6_000), 6_000));
        assertNull(missed.get(key, 6_000));
        // another owner takes the address; the old owner may claim again later with a newer serial elsewhere
        assertEquals(Messages.LEASE_GRANTED, primary.apply(copy(keys(), Messages.LEASE_CLAIM, keyIp, 1), 7_000));
        final Leases fresh = new Leases(LeaseAuthority.OPEN);
        assertEquals(Messages.LEASE_GRANTED, fresh.apply(copy(owner, Messages.LEASE_RELEASE, keyIp, 2), 0));
        assertEquals(Messages.LEASE_GRANTED, fresh.apply(copy(owner, Messages.LEASE_CLAIM, keyIp, 3), 0));
        // and the record of a release runs out with the lease's TTL
        assertEquals(0, primary.releases(62_000).size());
    }

    @Test
    void aPrimaryThatLostItsLeasesLearnsTheOwnerFromAQuorumOfReplicasBeforeItDecides()
    {
        final List<OverlayNode> nodes = ring(10, new Random(41));
        final LeaseSigner owner = keys();
        final LeaseSigner other = keys();
        final int keyIp = 0x0A800404;
        final byte[] key = Leases.key(keyIp);
        // asked at once, before any holder hands it the lease: only the quorum read (its
        // replicas hold the lease) keeps the new primary from granting twice
        final OverlayNode newcomer = leaseThenPrimaryJoins(nodes, owner, keyIp);
        for (int i = 0; i < 50 && !newcomer.isJoined(); i++)
        {
            run(nodes, 100);
        }
        assertTrue(newcomer.isJoined());
        assertNull(newcomer.heldLease(key, now), "asked before any copy reached it");
        final String second = lease(nodes.get(5), other, Messages.LEASE_CLAIM, keyIp, 120, 1);
        run(nodes, 500);
        assertEquals(Messages.LEASE_TAKEN, leaseResults.get(second), "no second owner");
        assertNotNull(newcomer.heldLease(key, now), "the new primary adopted the lease its replicas hold");
        assertArrayEquals(owner.publicKey(), newcomer.heldLease(key, now).lastOp().publicKey());
    }

    @Test
    void withoutAQuorumOfReplicasARequestIsRefusedAndGrantedOnceTheRingRepaired()
    {
        final List<OverlayNode> nodes = ring(10, new Random(43));
        final LeaseSigner owner = keys();
        final int keyIp = 0x0A800505;
        final byte[] key = Leases.key(keyIp);
        final List<OverlayNode> byDistance = new ArrayList<>(nodes);
        byDistance.sort(Comparator.comparing(n -> Ring.distance(n.value(), Ring.value(key))));
        final OverlayNode primary = byDistance.get(0);
        // both replicas crash; the primary still lists them (they are declared dead after 10 s)
        for (final OverlayNode replica : byDistance.subList(1, 3))
        {
            nodes.remove(replica);
            byEndpoint.values().remove(replica);
        }
        final String refused = lease(primary, owner, Messages.LEASE_CLAIM, keyIp, 120, 1);
        run(nodes, 2_500);
        assertEquals(Messages.LEASE_REFUSED, leaseResults.get(refused), "no quorum, no grant");
        assertEquals(1, primary.leaseNoQuorum());

        run(nodes, 20_000);
        final String granted = lease(primary, owner, Messages.LEASE_CLAIM, keyIp, 120, 1);
        run(nodes, 500);
        assertEquals(Messages.LEASE_GRANTED, leaseResults.get(granted), "granted by the repaired replica set");
        byDistance.removeIf(n -> !nodes.contains(n));
        for (final OverlayNode n : byDistance.subList(0, 3))
        {
            assertNotNull(n.heldLease(key, now), "held by a majority: the primary and both new replicas");
        }
    }

    @Test
    void aLookupIsAnsweredWithTheOwnersSignedLeaseAlsoAfterItsClosestHolderDiedAndNotOnceReleased()
    {
        final List<OverlayNode> nodes = ring(12, new Random(17));
        final LeaseSigner owner = keys();
        final int keyIp = 0x0A000007;
        final byte[] key = Leases.key(keyIp);
        final String claimed = lease(nodes.get(3), owner, Messages.LEASE_CLAIM, keyIp, 120, now);
        run(nodes, 500);
        assertEquals(Messages.LEASE_GRANTED, leaseResults.get(claimed));

        final int token = nodes.get(8).get(key);
        run(nodes, 500);
        assertTrue(found.get(token));
        final Messages.LeaseOp answer = Messages.decodeLease(answers.get(token), 0, answers.get(token).length);
        assertArrayEquals(nodes.get(3).address(), answer.value(), "the owner's ring address");
        assertNull(nodes.get(8).leaseProblem(answer), "signed by the owner: it proves itself");
        final Messages.LeaseOp forged = altered(answer, keys().publicKey(), answer.ttlSeconds(), answer.signature());
        assertEquals("a bad signature", nodes.get(8).leaseProblem(forged));

        // the nodes nearest the points beside the key hold its replicas: asked there, they answer too
        final int after = nodes.get(8).getBeside(key, 1);
        final int before = nodes.get(8).getBeside(key, 2);
        run(nodes, 500);
        assertTrue(found.get(after) || found.get(before), "a replica beside the key answered");

        final int missing = nodes.get(8).get(Leases.key(0x0A000063));
        run(nodes, 500);
        assertFalse(found.get(missing));

        // the closest holder crashes: its neighbours repair the ring and the lease is still found
        final List<OverlayNode> byDistance = new ArrayList<>(nodes);
        byDistance.sort(Comparator.comparing(n -> Ring.distance(n.value(), Ring.value(key))));
        final OverlayNode holder = byDistance.get(0);
        nodes.remove(holder);
        byEndpoint.values().remove(holder);
        run(nodes, 30_000);
        final String renewed = lease(nodes.get(3), owner, Messages.LEASE_RENEW, keyIp, 120, now);
        run(nodes, 500);
        assertEquals(Messages.LEASE_GRANTED, leaseResults.get(renewed));
        final int again = nodes.get(0).get(key);
        run(nodes, 500);
        assertTrue(found.get(again), "found after its closest holder died");

        // released: no holder answers with it any more
        final String released = lease(nodes.get(3), owner, Messages.LEASE_RELEASE, keyIp, 120, now);
        run(nodes, 500);
        assertEquals(Messages.LEASE_GRANTED, leaseResults.get(released));
        final int gone = nodes.get(0).get(key);
        run(nodes, 500);
        assertFalse(found.get(gone), "gone once its owner released it");
    }
}

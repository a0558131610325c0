package wow.controlplane;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import wow.controlplane.overlay.OverlayConfig;
import wow.controlplane.overlay.OverlayEvents;
import wow.controlplane.overlay.OverlayNode;
import wow.controlplane.overlay.OverlayTransport;
import wow.controlplane.overlay.lease.LeaseSigner;
import wow.controlplane.overlay.lease.Leases;
import wow.controlplane.overlay.ring.Ring;
import wow.controlplane.overlay.wire.Messages;
import wow.controlplane.security.Bundle;
import wow.controlplane.security.Certificate;
import wow.controlplane.security.CertificateAuthority;
import wow.controlplane.session.CertifiedLeases;

/**
 * A resolver on a secure network takes a virtual IP's ring address only from the owner's signed,
 * recent lease whose certificate allows the address: a lying holder's answers change nothing.
 */
class ResolutionCacheTest
{
    static final int SUBNET = 0x0A800000;
    static final int IP = SUBNET + 5;
    final long nowSeconds = System.currentTimeMillis() / 1000;
    final long nowMs = nowSeconds * 1000;

    @TempDir
    Path dir;

    OverlayNode node;

    /** @return a resolver on the node of {@code self}, in the network of {@code ca} ({@link #node} its overlay node). */
    ResolutionCache cache(final CertificateAuthority ca, final Bundle self)
    {
        node = new OverlayNode(self.certificate().ringAddress(), 0, new long[] {1}, OverlayConfig.defaults(),
            new OverlayTransport()
            {
                @Override
                public void sendDirect(final long endpoint, final int remoteLinkId, final byte[] message)
                {
                }

                @Override
                public void sendRouted(final long firstHop, final int relayLinkId, final byte[] destination, final int delivery,
                    final boolean excludeSource, final byte[] message)
                {
                }

                @Override
                public void connectionsChanged()
                {
                }
            }, new OverlayEvents()
            {
            }, new Random(1), new CertifiedLeases(List.of(ca.certificate()), null, () -> nowSeconds));
        return new ResolutionCache(node, FibChanges.NONE, EventLog.NONE);
    }

    /** @return the bare lease a node shows in its end-to-end handshake: its signed operation without the certificate. */
    static byte[] proof(final Bundle owner, final int op, final int ip, final long serial)
    {
        final Messages.LeaseOp l = LeaseSigner.ofPrivateKey(owner.recordPrivateKey(), owner.certificate().encoded())
            .sign(op, ip, 120, serial, owner.certificate().ringAddress());
        return Messages.lease(new Messages.LeaseOp(l.op(), l.role(), 0, l.key(), l.ttlSeconds(), l.serial(), l.value(), l.ip(),
            l.publicKey(), new byte[0], l.signature(), l.remainingSeconds()));
    }

    @Test
    void aLeaseShownInAHandshakeIsLookedUpAndRoutesNothingByItself()
    {
        final CertificateAuthority ca = CertificateAuthority.init(dir.resolve("ca"), "lab", SUBNET, 16, 1, nowSeconds);
        final Bundle pooled = ca.sign("pooled", Certificate.ADDRESS_POOL, SUBNET + 256, 24, List.of(), false, 1, null,
            nowSeconds);
        final Bundle other = ca.sign("other", Certificate.ADDRESS_POOL, SUBNET + 256, 24, List.of(), false, 1, null, nowSeconds);
        final ResolutionCache cache = cache(ca, other);
        final int ip = SUBNET + 300;
        final byte[] owner = pooled.certificate().ringAddress();
        // shown by another node, outside the pool, stale, released, with another's certificate: refused
        cache.shown(other.certificate().ringAddress(), other.certificate().encoded(),
            proof(pooled, Messages.LEASE_RENEW, ip, nowMs), nowMs);
        cache.shown(owner, pooled.certificate().encoded(), proof(pooled, Messages.LEASE_RENEW, SUBNET + 5, nowMs), nowMs);
        cache.shown(owner, pooled.certificate().encoded(), proof(pooled, Messages.LEASE_RENEW, ip, nowMs - 721_000), nowMs);
        cache.shown(owner, pooled.certificate().encoded(), proof(pooled, Messages.LEASE_RELEASE, ip, nowMs), nowMs);
        cache.shown(owner, other.certificate().encoded(), proof(pooled, Messages.LEASE_RENEW, ip, nowMs), nowMs);
        assertEquals(5, node.malformed());
        assertEquals(0, cache.routes().size());
        assertNotEquals(0, cache.resolve(ip, 0, nowMs), "a refused proof started no lookup");
        cache.maintain(nowMs + ResolutionCache.TIMEOUT_MS + 1);

        // a good one: looked up at once, routed only by the answer
        final long at = nowMs + ResolutionCache.TIMEOUT_MS + 1;
        cache.shown(owner, pooled.certificate().encoded(), proof(pooled, Messages.LEASE_CLAIM, ip, nowMs - 60_000), at);
        assertEquals(0, cache.routes().size());
        assertEquals(0, cache.resolve(ip, 0, at), "the proof started the lookup");
    }

    static byte[] answer(final Bundle owner, final int ip, final byte[] address, final long serial)
    {
        final Messages.LeaseOp op = LeaseSigner.ofPrivateKey(owner.recordPrivateKey(), owner.certificate().encoded())
            .sign(Messages.LEASE_RENEW, ip, 120, serial, address);
        return Messages.lease(op.as(Messages.LEASE_COPY, 0, 100));
    }

    @Test
    void onlyTheOwnersRecentCertifiedLeaseResolvesAnAddress()
    {
        final CertificateAuthority ca = CertificateAuthority.init(dir.resolve("ca"), "lab", SUBNET, 16, 1, nowSeconds);
        final Bundle owner = ca.sign("owner", Certificate.ADDRESS_IP, IP, 16, List.of(), false, 1, null, nowSeconds);
        final Bundle liar = ca.sign("liar", Certificate.ADDRESS_IP, IP + 1, 16, List.of(), false, 1, null, nowSeconds);
        final Bundle pooled = ca.sign("pooled", Certificate.ADDRESS_POOL, SUBNET, 16, List.of(), false, 1, null, nowSeconds);
        final ResolutionCache cache = cache(ca, liar);
        final byte[] ownerAddress = owner.certificate().ringAddress();

        final byte[][] lies = {
            answer(liar, IP, liar.certificate().ringAddress(), nowMs), // its own certificate, another's address
            answer(pooled, IP, liar.certificate().ringAddress(), nowMs), // in its pool, but for another member's ring address
            answer(owner, IP, liar.certificate().ringAddress(), nowMs), // the owner's key, another ring address
            answer(owner, IP + 1, ownerAddress, nowMs), // the owner's lease of another address
            answer(owner, IP, ownerAddress, nowMs - 721_000), // the owner's, older than its TTL and the cap: replayed
            Messages.lease(new Messages.LeaseOp(Messages.LEASE_RENEW, Messages.LEASE_COPY, 0, Leases.key(IP), 120, nowMs,
                liar.certificate().ringAddress(), IP, owner.certificate().recordKey(), owner.certificate().encoded(),
                new byte[64], 100)), // the owner's key and certificate with no signature of its
            liar.certificate().ringAddress(), // a bare ring address, as the unsigned ip: records of old held
        };
        long at = nowMs;
        for (final byte[] lie : lies)
        {
            final int token = cache.resolve(IP, 0, at);
            cache.onDhtReply(token, new byte[20], true, lie, at);
            assertNull(cache.routes().get(IP), "resolved from a lie");
            at += ResolutionCache.TIMEOUT_MS + 1; // the lookups it then makes beside the key go unanswered
            cache.maintain(at);
        }
        assertEquals(lies.length, node.malformed(), "every lie counted");
        final int token = cache.resolve(IP, 0, nowMs);
        cache.onDhtReply(token, new byte[20], true, answer(owner, IP, ownerAddress, nowMs - 60_000), nowMs);
        assertArrayEquals(ownerAddress, cache.routes().get(IP));
    }

    /** @return a resolver on a node of a /16 pool network, with the certified keys it was told. */
    ResolutionCache poolCache(final CertificateAuthority ca, final Map<String, byte[]> told)
    {
        final Bundle self = ca.sign("self", Certificate.ADDRESS_POOL, SUBNET, 16, List.of(), false, 1, null, nowSeconds);
        final ResolutionCache cache = cache(ca, self);
        cache.ownerKeys((owner, key) -> told.put(Ring.shortHex(owner), key));
        return cache;
    }

    /** The holder at ring address {@code responder} answers the lookup in flight for {@link #IP} ({@code null}: "no record"). */
    static void answerLookup(final ResolutionCache cache, final int responder, final byte[] answer, final long at)
    {
        final byte[] from = new byte[20];
        from[0] = (byte)responder;
        answerLookup(cache, from, answer, at);
    }

    static void answerLookup(final ResolutionCache cache, final byte[] responder, final byte[] answer, final long at)
    {
        final int token = cache.lookingUp(IP);
        assertNotEquals(0, token, "a lookup is in flight");
        cache.onDhtReply(token, responder, answer != null, answer == null ? new byte[0] : answer, at);
    }

    @Test
    void aPoolMembersLeaseIsTakenOnlyWhenTheHoldersBesideTheKeyDoNotContradictIt()
    {
        final CertificateAuthority ca = CertificateAuthority.init(dir.resolve("ca"), "lab", SUBNET, 16, 1, nowSeconds);
        final Bundle holder = ca.sign("holder", Certificate.ADDRESS_POOL, SUBNET, 16, List.of(), false, 1, null, nowSeconds);
        final Bundle liar = ca.sign("liar", Certificate.ADDRESS_POOL, SUBNET, 16, List.of(), false, 1, null, nowSeconds);
        final byte[] holderAddress = holder.certificate().ringAddress();
        final byte[] granted = answer(holder, IP, holderAddress, nowMs - 30_000);
        final byte[] forged = answer(liar, IP, liar.certificate().ringAddress(), nowMs); // signed, in its pool, never granted
        final Map<String, byte[]> told = new HashMap<>();

        // a lying primary: the holders beside the key name the owner twice, the lie once
        ResolutionCache cache = poolCache(ca, told);
        cache.resolve(IP, 0, nowMs);
        answerLookup(cache, 1, forged, nowMs);
        assertNull(cache.routes().get(IP), "a pool member's word alone routes nothing");
        answerLookup(cache, 2, granted, nowMs);
        assertNull(cache.routes().get(IP), "one against one decides nothing");
        answerLookup(cache, 3, granted, nowMs);
        assertArrayEquals(holderAddress, cache.routes().get(IP));
        assertEquals(Set.of(Ring.shortHex(holderAddress)), told.keySet(), "only the owner's key learnt");
        assertEquals(0, cache.lookingUp(IP));

        // a lying primary vouching for its own lease, denied by another holder: refused
        final byte[] liarAddress = liar.certificate().ringAddress();
        cache = poolCache(ca, told);
        cache.resolve(IP, 0, nowMs);
        answerLookup(cache, liarAddress, forged, nowMs);
        answerLookup(cache, 12, null, nowMs);
        answerLookup(cache, liarAddress, forged, nowMs);
        answerLookup(cache, liarAddress, forged, nowMs);
        assertEquals(0, cache.lookingUp(IP));
        assertNull(cache.routes().get(IP), "an owner's word for itself against another holder's");
        // the node nearest every point asked, alone: asked farther out, then taken at its word (as the only holder)
        cache = poolCache(ca, told);
        cache.resolve(IP, 0, nowMs);
        for (int i = 0; i <= 2 * ResolutionCache.BESIDE_LOOKUPS; i++)
        {
            answerLookup(cache, liarAddress, forged, nowMs);
        }
        assertEquals(0, cache.lookingUp(IP));
        assertArrayEquals(liarAddress, cache.routes().get(IP));

        // a contradiction nothing settles (two holders vouch for different owners): the route stays as it was, counted
        told.clear();
        cache = poolCache(ca, told);
        cache.resolve(IP, 0, nowMs);
        answerLookup(cache, 4, forged, nowMs);
        answerLookup(cache, 5, granted, nowMs);
        answerLookup(cache, 6, null, nowMs);
        answerLookup(cache, 7, null, nowMs);
        assertNull(cache.routes().get(IP));
        assertEquals(0, cache.lookingUp(IP), "the round is over");
        assertEquals(1, node.malformed(), "the conflict counted");
        assertTrue(told.isEmpty());

        // an honest primary: confirmed by the first holder beside the key
        cache = poolCache(ca, told);
        cache.resolve(IP, 0, nowMs);
        answerLookup(cache, 8, granted, nowMs);
        assertNull(cache.routes().get(IP), "not before a holder beside the key confirms it");
        answerLookup(cache, 9, granted, nowMs);
        assertArrayEquals(holderAddress, cache.routes().get(IP));

        // confirmations that never come: taken once they time out, as nothing contradicted it
        cache = poolCache(ca, told);
        cache.resolve(IP, 0, nowMs);
        answerLookup(cache, 10, granted, nowMs);
        answerLookup(cache, 11, null, nowMs);
        assertNull(cache.routes().get(IP));
        cache.maintain(nowMs + ResolutionCache.TIMEOUT_MS + 1);
        assertArrayEquals(holderAddress, cache.routes().get(IP));
    }
}

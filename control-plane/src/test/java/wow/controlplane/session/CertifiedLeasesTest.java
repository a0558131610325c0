package wow.controlplane.session;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import wow.controlplane.overlay.lease.LeaseSigner;
import wow.controlplane.overlay.lease.Leases;
import wow.controlplane.overlay.wire.Messages;
import wow.controlplane.security.Bundle;
import wow.controlplane.security.Certificate;
import wow.controlplane.security.CertificateAuthority;

/** Leases bound to certificates: a member leases only what its certificate allows, as itself. */
class CertifiedLeasesTest
{
    static final int SUBNET = 0x0A800000;
    static final int IP = 0x0A800005;
    final long now = System.currentTimeMillis() / 1000;

    @TempDir
    Path dir;

    static LeaseSigner signer(final Bundle b)
    {
        return LeaseSigner.ofPrivateKey(b.recordPrivateKey(), b.certificate().encoded());
    }

    static Messages.LeaseOp claim(final Bundle b, final int ip)
    {
        return signer(b).sign(Messages.LEASE_CLAIM, ip, 120, 1, b.certificate().ringAddress());
    }

    @Test
    void aLeaseCountsOnlyWithACertificateOfATrustedCaThatAllowsTheAddressForThatKeyAndRingAddress()
    {
        final CertificateAuthority ca = CertificateAuthority.init(dir.resolve("ca"), "lab", SUBNET, 16, 1, now);
        final CertificateAuthority foreign = CertificateAuthority.init(dir.resolve("other"), "lab", SUBNET, 16, 1, now);
        final Bundle member = ca.sign("m", Certificate.ADDRESS_IP, IP, 16, List.of(), false, 1, null, now);
        final Bundle pool = ca.sign("p", Certificate.ADDRESS_POOL, SUBNET, 24, List.of(), false, 1, null, now);
        final Bundle stranger = foreign.sign("s", Certificate.ADDRESS_IP, IP, 16, List.of(), false, 1, null, now);
        final Revocations revocations = new Revocations(List.of(ca.certificate()), list -> { });
        final long[] clock = {now};
        final CertifiedLeases authority = new CertifiedLeases(List.of(ca.certificate()), revocations, () -> clock[0]);

        assertNull(authority.problem(claim(member, IP)));
        assertTrue(authority.problem(claim(member, IP + 1)).contains("does not allow"), "another member's address");
        assertNull(authority.problem(claim(pool, SUBNET + 200)), "an address of its pool");
        assertTrue(authority.problem(claim(pool, SUBNET + 256)).contains("does not allow"), "outside its pool");
        assertTrue(authority.problem(claim(stranger, IP)).contains("trusted CA"), "a foreign CA's certificate");
        final Messages.LeaseOp bare = LeaseSigner.ofPrivateKey(member.recordPrivateKey(), new byte[0])
            .sign(Messages.LEASE_CLAIM, IP, 120, 1, member.certificate().ringAddress());
        assertTrue(authority.problem(bare).contains("trusted CA"), "no certificate at all");
        // another member's certificate attached to a lease signed with one's own key
        final Messages.LeaseOp borrowed = LeaseSigner.ofPrivateKey(pool.recordPrivateKey(), member.certificate().encoded())
            .sign(Messages.LEASE_CLAIM, IP, 120, 1, member.certificate().ringAddress());
        assertTrue(authority.problem(borrowed).contains("not for the key"));
        // its own key and certificate, but the address answered for is another node's place on the ring
        final Messages.LeaseOp elsewhere = signer(member).sign(Messages.LEASE_CLAIM, IP, 120, 1, pool.certificate().ringAddress());
        assertTrue(authority.problem(elsewhere).contains("ring address"));

        clock[0] = now + 3 * 86_400L;
        assertTrue(authority.problem(claim(member, IP)).contains("expired"));
        clock[0] = now;
        assertTrue(revocations.take(ca.revoke("m", -1, now), false));
        assertTrue(authority.problem(claim(member, IP)).contains("revoked"));
    }

    @Test
    void aCertificateForTheAddressIssuedLaterTakesItOverAndNothingElseDoes()
    {
        final CertificateAuthority ca = CertificateAuthority.init(dir.resolve("ca"), "lab", SUBNET, 16, 1, now);
        final Bundle first = ca.sign("h", Certificate.ADDRESS_IP, IP, 16, List.of(), false, 1, null, now);
        final Bundle pool = ca.sign("p", Certificate.ADDRESS_POOL, SUBNET, 16, List.of(), false, 1, null, now + 5);
        final Bundle other = ca.sign("o", Certificate.ADDRESS_IP, IP + 1, 16, List.of(), false, 1, null, now + 5);
        final Bundle reissued = ca.sign("h", Certificate.ADDRESS_IP, IP, 16, List.of(), false, 1, null, now + 10);
        final CertifiedLeases authority = new CertifiedLeases(List.of(ca.certificate()), null, () -> now + 20);
        final Leases leases = new Leases(authority);
        final byte[] key = Leases.key(IP);

        assertEquals(Messages.LEASE_GRANTED, leases.apply(claim(first, IP), 0));
        assertEquals(Messages.LEASE_TAKEN, leases.apply(claim(pool, IP), 0), "a pool member cannot take a held address");
        assertEquals(Messages.LEASE_REFUSED, leases.apply(claim(other, IP), 0), "not its address at all");
        assertArrayEquals(first.certificate().ringAddress(), leases.get(key, 0).value());
        assertFalse(authority.supersedes(claim(first, IP), claim(reissued, IP)), "an older certificate never");
        // the host reinstalled with a new bundle for the same address (its old lease never released)
        assertEquals(Messages.LEASE_GRANTED, leases.apply(claim(reissued, IP), 1_000));
        assertArrayEquals(reissued.certificate().ringAddress(), leases.get(key, 1_000).value());
        assertEquals(Messages.LEASE_TAKEN, leases.apply(signer(first).sign(Messages.LEASE_RENEW, IP, 120, 2,
            first.certificate().ringAddress()), 2_000), "the old bundle's renewals no longer count");
    }

    @Test
    void aNameRecordCountsOnlyForTheCertificateThatBearsTheNameAndALaterOneOfThatNameTakesItOver()
    {
        final CertificateAuthority ca = CertificateAuthority.init(dir.resolve("ca"), "lab", SUBNET, 16, 1, now);
        final Bundle web = ca.sign("web", Certificate.ADDRESS_IP, IP, 16, List.of(), false, 1, null, now);
        final Bundle other = ca.sign("db", Certificate.ADDRESS_IP, IP + 1, 16, List.of(), false, 1, null, now);
        final Bundle pool = ca.sign("web.eu", Certificate.ADDRESS_POOL, SUBNET, 24, List.of(), false, 1, null, now);
        final CertifiedLeases authority = new CertifiedLeases(List.of(ca.certificate()), null, () -> now);
        final byte[] ring = web.certificate().ringAddress();

        assertNull(authority.problem(signer(web).signName(Messages.LEASE_CLAIM, "web", IP, 120, 1, ring)));
        assertNull(authority.problem(signer(web).signName(Messages.LEASE_CLAIM, "WEB", IP, 120, 1, ring)), "any case");
        assertNull(authority.problem(signer(pool).signName(Messages.LEASE_CLAIM, "web.eu", SUBNET + 9, 120, 1,
            pool.certificate().ringAddress())), "a pool member's name, for an address of its pool");
        assertTrue(authority.problem(signer(other).signName(Messages.LEASE_CLAIM, "web", IP + 1, 120, 1,
            other.certificate().ringAddress())).contains("name key"), "another member's name");
        assertTrue(authority.problem(signer(web).signName(Messages.LEASE_CLAIM, "web", IP + 1, 120, 1, ring))
            .contains("does not allow"), "its name for an address it may not hold");

        final Bundle reinstalled = ca.sign("web", Certificate.ADDRESS_IP, IP, 16, List.of(), false, 1, null, now + 60);
        final Messages.LeaseOp held = signer(web).signName(Messages.LEASE_CLAIM, "web", IP, 120, 1, ring);
        assertTrue(authority.supersedes(signer(reinstalled).signName(Messages.LEASE_CLAIM, "web", IP, 120, 2,
            reinstalled.certificate().ringAddress()), held), "a later certificate of the name takes it over");
        assertFalse(authority.supersedes(held, signer(reinstalled).signName(Messages.LEASE_CLAIM, "web", IP, 120, 2,
            reinstalled.certificate().ringAddress())), "an earlier one does not");
        assertFalse(authority.supersedes(signer(pool).signName(Messages.LEASE_CLAIM, "web", SUBNET + 9, 120, 2,
            pool.certificate().ringAddress()), held), "nor one of another name");
        assertArrayEquals(Leases.nameKey("web"), held.key());
    }
}

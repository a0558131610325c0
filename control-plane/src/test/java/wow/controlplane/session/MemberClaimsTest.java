package wow.controlplane.session;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import wow.controlplane.overlay.wire.Messages;
import wow.controlplane.security.Certificate;
import wow.controlplane.security.CertificateAuthority;

class MemberClaimsTest
{
    static final int IP = 0x0A800005;

    @TempDir
    Path dir;

    @Test
    void aMemberLinksOnlyAsItselfWithAnAddressItWasGiven()
    {
        final long now = System.currentTimeMillis() / 1000;
        final CertificateAuthority ca = CertificateAuthority.init(dir.resolve("ca"), "lab", 0x0A800000, 16, 1, now);
        final Certificate member = ca.sign("m", Certificate.ADDRESS_IP, IP, 16, List.of(), false, 1, null, now).certificate();
        final Certificate other = ca.sign("o", Certificate.ADDRESS_IP, IP + 1, 16, List.of(), false, 1, null, now).certificate();
        final Certificate pool = ca.sign("p", Certificate.ADDRESS_POOL, 0x0A800000, 24, List.of(), false, 1, null, now)
            .certificate();
        final byte[] own = member.ringAddress();
        assertTrue(MemberClaims.admits(member, link(own, IP)));
        assertTrue(MemberClaims.admits(member, link(own, 0)), "no virtual IP claimed (a router)");
        assertFalse(MemberClaims.admits(member, link(other.ringAddress(), IP)), "another member's place on the ring");
        assertFalse(MemberClaims.admits(member, link(own, IP + 1)), "another member's virtual IP");
        assertTrue(MemberClaims.admits(pool, link(pool.ringAddress(), 0x0A8000FE)), "an address of its pool");
        assertFalse(MemberClaims.admits(pool, link(pool.ringAddress(), 0x0A800100)), "outside its pool");
        assertFalse(MemberClaims.admits(member, Messages.close(other.ringAddress())), "closing another member's link");
        assertFalse(MemberClaims.admits(member, Messages.ping(Messages.PING, 1, other.ringAddress(), 0)),
            "keeping another member's link alive");
        assertTrue(MemberClaims.admits(member, Messages.close(own)));
        assertTrue(MemberClaims.admits(member, Messages.ping(Messages.PONG, 1, own, 0)));
        assertTrue(MemberClaims.admits(member, Messages.neighbours(List.of())), "other messages are not claims");
        assertTrue(MemberClaims.admits(null, link(other.ringAddress(), IP + 7)), "an insecure node checks nothing");
        assertTrue(MemberClaims.admits(member, new byte[] {1, 2, 3}), "malformed: the overlay counts it");
    }

    private static byte[] link(final byte[] address, final int ip)
    {
        return Messages.link(Messages.LINK_REQUEST, 1, 7, ip, address, 0, new long[0]);
    }
}

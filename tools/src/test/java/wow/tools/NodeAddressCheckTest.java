package wow.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import wow.controlplane.security.Certificate;
import wow.controlplane.security.CertificateAuthority;
import wow.dataplane.protocol.Ipv4;

/** A node's configured addresses must be its certificate's; a pool narrower than the DHCP subnet is leased from. */
class NodeAddressCheckTest
{
    @TempDir
    Path dir;

    Certificate cert(final CertificateAuthority ca, final int kind, final String address, final int prefix)
    {
        return ca.sign("host", kind, Ipv4.parse(address), prefix, List.of(), false, 30, null, System.currentTimeMillis() / 1000)
            .certificate();
    }

    static NodeConfig dhcp(final String subnet)
    {
        return NodeCommand.parse(new String[] {"--insecure", "--listen", "0.0.0.0:7000", "--dhcp", "--subnet", subnet});
    }

    @Test
    void aDhcpNodeNeedsAPoolThatHoldsOrLiesInItsSubnet()
    {
        final CertificateAuthority ca = CertificateAuthority.init(dir.resolve("ca"), "lab", Ipv4.parse("10.0.0.0"), 8, 30,
            System.currentTimeMillis() / 1000);
        Node.checkAddresses(dhcp("10.128.0.0/16"), cert(ca, Certificate.ADDRESS_POOL, "10.128.4.0", 24)); // narrower: inside
        Node.checkAddresses(dhcp("10.128.0.0/16"), cert(ca, Certificate.ADDRESS_POOL, "10.128.0.0", 16)); // the same
        Node.checkAddresses(dhcp("10.128.0.0/16"), cert(ca, Certificate.ADDRESS_POOL, "10.0.0.0", 8)); // wider: holds it
        final IllegalArgumentException elsewhere = assertThrows(IllegalArgumentException.class,
            () -> Node.checkAddresses(dhcp("10.128.0.0/16"), cert(ca, Certificate.ADDRESS_POOL, "10.129.4.0", 24)));
        assertEquals("--dhcp needs a certificate for a lease pool in 10.128.0.0/16; certificate host allows pool 10.129.4.0/24",
            elsewhere.getMessage());
        assertThrows(IllegalArgumentException.class,
            () -> Node.checkAddresses(dhcp("10.128.0.0/16"), cert(ca, Certificate.ADDRESS_IP, "10.128.0.5", 16)));
        final NodeConfig fixed = NodeCommand.parse(new String[] {"--insecure", "--listen", "0.0.0.0:7000", "--ip",
            "10.128.0.6/16"});
        assertThrows(IllegalArgumentException.class,
            () -> Node.checkAddresses(fixed, cert(ca, Certificate.ADDRESS_IP, "10.128.0.5", 16)));
        Node.checkAddresses(fixed, cert(ca, Certificate.ADDRESS_IP, "10.128.0.6", 16));
    }
}

package wow.controlplane;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Ring addresses for static tunnels, which run without the overlay: SHA-1 of the virtual IP, as
 * the first IPOP did. Stable for a given virtual IP on every host.
 */
public final class StaticAddresses
{
    private StaticAddresses()
    {
    }

    /** @return the 20-byte ring address of a host-order virtual IP. */
    public static byte[] ofVirtualIp(final int virtualIp)
    {
        try
        {
            return MessageDigest.getInstance("SHA-1").digest(ByteBuffer.allocate(4).putInt(virtualIp).array());
        }
        catch (final NoSuchAlgorithmException ex)
        {
            throw new IllegalStateException("SHA-1 is missing from this JDK", ex);
        }
    }
}

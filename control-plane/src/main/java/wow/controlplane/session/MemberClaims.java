package wow.controlplane.session;

import java.util.Arrays;
import wow.controlplane.overlay.wire.Messages;
import wow.controlplane.overlay.wire.OverlayMessage;
import wow.controlplane.security.Certificate;

/**
 * What a member may claim about itself on a link: the ring address in its link handshake,
 * keepalives and CLOSE must be the one its certified key owns, and the virtual IP one its
 * certificate allows (none for a router). A member cannot take another's place on the ring, nor
 * a virtual IP it was not given, by linking, nor keep alive or close another member's link.
 * Stateless; the conductor thread calls it.
 */
public final class MemberClaims
{
    private MemberClaims()
    {
    }

    /**
     * @param certificate the certificate of the session the message came over (null: no session,
     *                    an insecure node: nothing to check).
     * @return false if the message is a link handshake, keepalive or CLOSE that claims what the
     *         certificate does not give.
     */
    public static boolean admits(final Certificate certificate, final byte[] message)
    {
        if (certificate == null)
        {
            return true;
        }
        final OverlayMessage m;
        try
        {
            m = Messages.decode(message, 0, message.length);
        }
        catch (final RuntimeException ex)
        {
            return true; // malformed: the overlay counts it
        }
        if (m instanceof OverlayMessage.LinkHandshake link)
        {
            return admits(certificate, link.address(), link.virtualIp());
        }
        // a keepalive or a CLOSE speaks for the link of the address it names: only that member's
        final byte[] speaksFor = m instanceof OverlayMessage.Ping ping ? ping.address() :
            m instanceof OverlayMessage.Close close ? close.address() : null;
        return speaksFor == null || admits(certificate, speaksFor, 0);
    }

    /**
     * @return true if the certificate (null: nothing to check) gives this ring address and virtual
     *         IP (0: none claimed).
     */
    public static boolean admits(final Certificate certificate, final byte[] ringAddress, final int virtualIp)
    {
        return certificate == null ||
            Arrays.equals(ringAddress, certificate.ringAddress()) && (virtualIp == 0 || certificate.allows(virtualIp));
    }
}

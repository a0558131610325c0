package wow.controlplane;

import wow.dataplane.protocol.Ipv4;
import wow.dataplane.transport.Endpoints;

/**
 * A configured peer of a static tunnel: its virtual IP and underlay endpoint.
 *
 * @param virtualIp host-order IPv4 on the virtual subnet.
 * @param endpoint  packed underlay endpoint ({@link Endpoints#udp}).
 */
public record StaticPeer(int virtualIp, long endpoint)
{
    /**
     * Parses {@code VIRTUAL_IP=HOST:PORT} (HOST an IPv4 address).
     *
     * @throws IllegalArgumentException naming the bad part.
     */
    public static StaticPeer parse(final String text)
    {
        final int eq = text.indexOf('=');
        if (eq < 0)
        {
            throw new IllegalArgumentException("bad --peer '" + text + "': expected VIRTUAL_IP=HOST:PORT");
        }
        final int virtualIp = Ipv4.parse(text.substring(0, eq));
        final String hostPort = text.substring(eq + 1);
        final int colon = hostPort.lastIndexOf(':');
        if (colon < 0)
        {
            throw new IllegalArgumentException("bad --peer '" + text + "': endpoint needs HOST:PORT");
        }
        final int host = Ipv4.parse(hostPort.substring(0, colon));
        final int port = parsePort(hostPort.substring(colon + 1), text);
        if (port == 0)
        {
            throw new IllegalArgumentException("bad --peer '" + text + "': port 0");
        }
        return new StaticPeer(virtualIp, Endpoints.udp(host, port));
    }

    static int parsePort(final String text, final String context)
    {
        try
        {
            final int port = Integer.parseInt(text);
            if (port < 0 || port > 65535)
            {
                throw new NumberFormatException();
            }
            return port;
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException("bad port '" + text + "' in '" + context + "'");
        }
    }

    @Override
    public String toString()
    {
        return Ipv4.toString(virtualIp) + "=" + Endpoints.toString(endpoint);
    }
}

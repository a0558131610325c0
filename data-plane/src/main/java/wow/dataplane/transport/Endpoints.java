package wow.dataplane.transport;

import wow.shim.UdpSocket;

/**
 * Packed underlay endpoints: {@code address << 16 | port} (see {@link UdpSocket#endpoint}), with
 * bit 48 set for a TCP endpoint ({@code tcp://HOST:PORT}). UDP endpoints are what the data plane
 * sends to; TCP endpoints are reached through the {@link TcpBridge}. Stateless; any thread.
 */
public final class Endpoints
{
    /** The bit that marks a TCP endpoint. */
    public static final long TCP = 1L << 48;

    private Endpoints()
    {
    }

    public static boolean isTcp(final long endpoint)
    {
        return (endpoint & TCP) != 0;
    }

    /** @return the UDP endpoint of an address and port. */
    public static long udp(final int address, final int port)
    {
        return UdpSocket.endpoint(address, port);
    }

    /** @return the TCP endpoint of an address and port. */
    public static long tcp(final int address, final int port)
    {
        return UdpSocket.endpoint(address, port) | TCP;
    }

    /** @return the endpoint without its transport bit. */
    public static long plain(final long endpoint)
    {
        return endpoint & ~TCP;
    }

    /** @return {@code HOST:PORT} for UDP, {@code tcp://HOST:PORT} for TCP. */
    public static String toString(final long endpoint)
    {
        return isTcp(endpoint) ? "tcp://" + UdpSocket.endpointToString(plain(endpoint)) : UdpSocket.endpointToString(endpoint);
    }

    /**
     * Parses {@code HOST:PORT}, {@code udp://HOST:PORT} or {@code tcp://HOST:PORT} (HOST an IPv4
     * address).
     *
     * @throws IllegalArgumentException naming what is wrong.
     */
    public static long parse(final String text)
    {
        String rest = text;
        boolean tcp = false;
        if (rest.startsWith("tcp://"))
        {
            tcp = true;
            rest = rest.substring(6);
        }
        else if (rest.startsWith("udp://"))
        {
            rest = rest.substring(6);
        }
        else if (rest.contains("://"))
        {
            throw new IllegalArgumentException("bad endpoint '" + text + "': the scheme must be udp:// or tcp://");
        }
        final int colon = rest.lastIndexOf(':');
        if (colon < 0)
        {
            throw new IllegalArgumentException("bad endpoint '" + text + "': expected HOST:PORT");
        }
        final int port;
        try
        {
            port = Integer.parseInt(rest.substring(colon + 1));
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException("bad port in '" + text + "'");
        }
        if (port < 1 || port > 65535)
        {
            throw new IllegalArgumentException("bad port in '" + text + "'");
        }
        final long plain = UdpSocket.endpoint(wow.dataplane.protocol.Ipv4.parse(rest.substring(0, colon)), port);
        return tcp ? plain | TCP : plain;
    }
}

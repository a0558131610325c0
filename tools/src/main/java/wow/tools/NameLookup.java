package wow.tools;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import wow.controlplane.dns.DnsMessage;
import wow.dataplane.protocol.Ipv4;

/**
 * What {@code wow path} and {@code wow ping} are given, as a virtual IP: an address as it is, a
 * member's name ({@code web} or {@code web.DOMAIN}) asked of the node's own DNS server (the
 * address and domain from its status file), so the tools resolve names exactly as the host's
 * programs do. Errors are one line naming the problem. Main thread.
 */
final class NameLookup
{
    static final int TIMEOUT_MS = 4_000;

    private NameLookup()
    {
    }

    /** @return true if the text is a dotted IPv4 address. */
    static boolean isAddress(final String text)
    {
        return text.matches("\\d{1,3}(\\.\\d{1,3}){3}");
    }

    /** @return the fully qualified name a host name stands for in a domain. */
    static String qualified(final String name, final String domain)
    {
        final String n = name.toLowerCase(Locale.ROOT).replaceAll("\\.$", "");
        return n.endsWith("." + domain) ? n : n + "." + domain;
    }

    /** @return the virtual IP a target names: itself if it is an address, else the member's the node's DNS gives. */
    @SuppressWarnings("unchecked")
    static String resolve(final String target, final Map<String, Object> status)
    {
        if (isAddress(target))
        {
            return target;
        }
        final Map<String, Object> dns = (Map<String, Object>)status.get("dns");
        if (dns == null)
        {
            throw new IllegalStateException("'" + target + "' is not a virtual IP, and the node answers no names (--no-dns)");
        }
        if (dns.get("server") == null)
        {
            throw new IllegalStateException("cannot resolve '" + target + "': the node does not answer DNS yet (no virtual IP)");
        }
        final String name = qualified(target, (String)dns.get("domain"));
        final int ip = query((String)dns.get("server"), NodeDns.PORT, name);
        return Ipv4.toString(ip);
    }

    /** @return the A record a DNS server gives for a name. */
    static int query(final String server, final int port, final String name)
    {
        final ByteArrayOutputStream q = new ByteArrayOutputStream();
        final int id = (int)(System.nanoTime() & 0xFFFF);
        q.writeBytes(ByteBuffer.allocate(DnsMessage.HEADER).putShort((short)id).putShort((short)0x0100).putShort((short)1)
            .array());
        for (final String label : name.split("\\."))
        {
            final byte[] bytes = label.getBytes(StandardCharsets.US_ASCII);
            if (bytes.length == 0 || bytes.length > 63)
            {
                throw new UsageException("'" + name + "' is not a host name");
            }
            q.write(bytes.length);
            q.writeBytes(bytes);
        }
        q.write(0);
        q.writeBytes(ByteBuffer.allocate(4).putShort((short)DnsMessage.TYPE_A).putShort((short)DnsMessage.CLASS_IN).array());
        final byte[] query = q.toByteArray();
        try (DatagramSocket socket = new DatagramSocket())
        {
            socket.setSoTimeout(TIMEOUT_MS);
            socket.send(new DatagramPacket(query, query.length, InetAddress.getByName(server), port));
            final DatagramPacket reply = new DatagramPacket(new byte[512], 512);
            do
            {
                socket.receive(reply);
            }
            while (reply.getLength() < DnsMessage.HEADER || (ByteBuffer.wrap(reply.getData()).getShort(0) & 0xFFFF) != id);
            final ByteBuffer r = ByteBuffer.wrap(reply.getData(), 0, reply.getLength());
            final int rcode = r.get(3) & 0x0F;
            if (rcode == DnsMessage.NXDOMAIN)
            {
                throw new IllegalStateException("no member is named " + name);
            }
            if (rcode != DnsMessage.NOERROR || r.getShort(6) == 0 || reply.getLength() < query.length + 16)
            {
                throw new IllegalStateException("cannot resolve " + name + ": the node's DNS answered " +
                    (rcode == DnsMessage.SERVFAIL ? "that no answer can be had now (not joined, or no holder answered)" :
                        "rcode " + rcode));
            }
            return r.getInt(query.length + 12);
        }
        catch (final SocketTimeoutException ex)
        {
            throw new IllegalStateException("cannot resolve " + name + ": the node's DNS at " + server + " did not answer");
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException("cannot resolve " + name + ": " + ex.getMessage());
        }
    }
}

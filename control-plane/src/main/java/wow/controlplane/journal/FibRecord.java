package wow.controlplane.journal;

import net.openhft.chronicle.bytes.Bytes;
import wow.dataplane.fib.Fib;
import wow.dataplane.protocol.Ipv4;
import wow.dataplane.transport.Endpoints;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;

/**
 * One journaled FIB version: when and why it was published and its routes, each as virtual IP
 * &rarr; ring address &rarr; next-hop link &rarr; underlay endpoint, direct or routed. Immutable.
 *
 * @param version FIB version.
 * @param timeMs  publication time, epoch milliseconds.
 * @param reason  why it was published (join, link up, link down, resolution, ...).
 * @param entries the routes.
 */
public record FibRecord(long version, long timeMs, String reason, List<Entry> entries)
{
    /**
     * One route.
     *
     * @param virtualIp host-order IPv4.
     * @param address   the destination's ring address.
     * @param nextHop   the next-hop link's ring address (the destination's own when direct).
     * @param endpoint  the next hop's underlay endpoint (packed).
     * @param direct    true if the next hop is the destination itself.
     * @param linkType  the next-hop link's types, e.g. {@code [near,far]}.
     */
    public record Entry(int virtualIp, byte[] address, byte[] nextHop, long endpoint, boolean direct, String linkType)
    {
    }

    /** The fewest bytes one journaled route takes. */
    private static final int MIN_ENTRY = 4 + 20 + 1 + 20 + 8 + 1 + 1;
    /** The longest reason or link-type text a record holds. */
    private static final int MAX_TEXT = 1_024;

    /**
     * Reads one journaled version (the layout {@link FibJournal} writes).
     *
     * @throws IllegalArgumentException if the record is corrupt: truncated, or counting more routes
     *                                  than it holds.
     */
    public static FibRecord decode(final Bytes<?> b)
    {
        try
        {
            final long version = b.readLong();
            final long time = b.readLong();
            final String reason = text(b);
            final int n = b.readInt();
            if (n < 0 || n > b.readRemaining() / MIN_ENTRY)
            {
                throw new IllegalArgumentException("corrupt journal record: " + n + " routes in " + b.readRemaining() + " bytes");
            }
            final List<Entry> entries = new ArrayList<>(n);
            for (int i = 0; i < n; i++)
            {
                final int ip = b.readInt();
                final byte[] address = bytes20(b);
                final boolean hasHop = b.readByte() != 0;
                final byte[] hop = bytes20(b);
                final long endpoint = b.readLong();
                final boolean direct = b.readByte() != 0;
                final String type = text(b);
                entries.add(new Entry(ip, address, hasHop ? hop : null, endpoint, direct, type));
            }
            return new FibRecord(version, time, reason, entries);
        }
        catch (final IllegalArgumentException ex)
        {
            throw ex;
        }
        catch (final RuntimeException ex)
        {
            throw new IllegalArgumentException("corrupt journal record: " + ex.getMessage(), ex);
        }
    }

    /**
     * @return a text {@code Bytes.write8bit} wrote (a stop-bit length, then Latin-1), read by hand:
     *         Chronicle's own reader trusts the length, and a corrupt one crashed the JVM (found by
     *         the fuzz target).
     */
    private static String text(final Bytes<?> b)
    {
        final long n = b.readStopBit();
        if (n < 0 || n > MAX_TEXT || n > b.readRemaining())
        {
            throw new IllegalArgumentException("corrupt journal record: a text of " + n + " bytes");
        }
        final byte[] t = new byte[(int)n];
        b.read(t);
        return new String(t, StandardCharsets.ISO_8859_1);
    }

    private static byte[] bytes20(final Bytes<?> b)
    {
        if (b.readRemaining() < 20)
        {
            throw new IllegalArgumentException("corrupt journal record: a route is truncated");
        }
        final byte[] a = new byte[20];
        b.read(a);
        return a;
    }

    /**
     * @param linkTypes the types of each of the FIB's links, by link index.
     * @return the record of a FIB version.
     */
    public static FibRecord of(final Fib fib, final long timeMs, final String reason, final String[] linkTypes)
    {
        final List<Entry> entries = new ArrayList<>(fib.routeCount());
        for (int r = 0; r < fib.routeCount(); r++)
        {
            final byte[] address = new byte[20];
            fib.routeAddresses().getBytes(r * 20, address);
            final int hop = fib.routeNextHop(r);
            final byte[] nextHop = new byte[20];
            long endpoint = 0;
            String type = "-";
            if (hop != Fib.NONE)
            {
                fib.linkAddresses().getBytes(hop * 20, nextHop);
                endpoint = fib.linkEndpoint(hop);
                type = hop < linkTypes.length ? linkTypes[hop] : "-";
            }
            entries.add(new Entry(fib.routeIp(r), address, hop == Fib.NONE ? null : nextHop, endpoint,
                hop != Fib.NONE && fib.routeDirect(r), type));
        }
        return new FibRecord(fib.version(), timeMs, reason, List.copyOf(entries));
    }

    /** @return the record as one JSON object (the {@code wow fib dump --json} shape). */
    public String toJson()
    {
        final StringBuilder sb = new StringBuilder(128 + entries.size() * 160);
        sb.append("{\"version\":").append(version).append(",\"time\":\"").append(java.time.Instant.ofEpochMilli(timeMs))
            .append("\",\"reason\":\"").append(reason).append("\",\"entries\":[");
        for (int i = 0; i < entries.size(); i++)
        {
            final Entry e = entries.get(i);
            sb.append(i == 0 ? "" : ",").append("{\"virtual_ip\":\"").append(Ipv4.toString(e.virtualIp()))
                .append("\",\"address\":\"").append(HexFormat.of().formatHex(e.address()))
                .append("\",\"next_hop\":")
                .append(e.nextHop() == null ? "null" : "\"" + HexFormat.of().formatHex(e.nextHop()) + "\"")
                .append(",\"endpoint\":").append(e.nextHop() == null ? "null" : "\"" + Endpoints.toString(e.endpoint()) + "\"")
                .append(",\"kind\":\"").append(e.nextHop() == null ? "unreachable" : e.direct() ? "direct" : "routed")
                .append("\",\"link_type\":\"").append(e.linkType()).append("\"}");
        }
        return sb.append("]}").toString();
    }

    /** @return the record as aligned columns under a one-line heading. */
    public String toTable()
    {
        final StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "FIB version %d  %s  reason: %s  routes: %d%n", version,
            java.time.Instant.ofEpochMilli(timeMs), reason, entries.size()));
        sb.append(String.format(Locale.ROOT, "%-16s %-14s %-14s %-22s %-12s %s%n", "VIRTUAL IP", "ADDRESS", "NEXT HOP",
            "ENDPOINT", "LINK", "KIND"));
        for (final Entry e : entries)
        {
            sb.append(String.format(Locale.ROOT, "%-16s %-14s %-14s %-22s %-12s %s%n", Ipv4.toString(e.virtualIp()),
                HexFormat.of().formatHex(e.address(), 0, 6),
                e.nextHop() == null ? "-" : HexFormat.of().formatHex(e.nextHop(), 0, 6),
                e.nextHop() == null ? "-" : Endpoints.toString(e.endpoint()), e.linkType(),
                e.nextHop() == null ? "unreachable" : e.direct() ? "direct" : "routed"));
        }
        return sb.toString();
    }
}

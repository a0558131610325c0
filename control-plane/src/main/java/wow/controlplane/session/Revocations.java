package wow.controlplane.session;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Consumer;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import wow.controlplane.security.Certificate;
import wow.controlplane.security.RevocationList;
import wow.dataplane.protocol.WireHeader;

/**
 * The revocation lists a node holds: the newest version of each trusted CA's list, checked
 * against the CA's signature before it is taken. Lists arrive from the operator ({@code wow
 * revoke}, through {@link #offer}: the only method other threads call) and from members; a list
 * taken is handed to the store (the state directory). Owned by the conductor thread.
 */
public final class Revocations
{
    private final List<Certificate> trusted;
    private final Map<String, RevocationList> byIssuer = new LinkedHashMap<>();
    private final ConcurrentLinkedQueue<RevocationList> inbox = new ConcurrentLinkedQueue<>();
    private final Consumer<RevocationList> store;
    private List<RevocationList> all = List.of();

    /**
     * @param trusted the CAs whose lists are taken.
     * @param store   told of every list taken (the node keeps it in its state directory).
     */
    public Revocations(final List<Certificate> trusted, final Consumer<RevocationList> store)
    {
        this.trusted = List.copyOf(trusted);
        this.store = store;
    }

    /** Hands a list to the conductor; any thread. */
    public void offer(final RevocationList list)
    {
        inbox.add(list);
    }

    /** @return the next list an operator offered, or null. */
    RevocationList pollOffered()
    {
        return inbox.poll();
    }

    /**
     * Takes a list if a trusted CA signed it and it is newer than the one held from that CA.
     *
     * @param keep false for lists read back from the store (they are there already).
     * @return true if it was taken.
     */
    public boolean take(final RevocationList list, final boolean keep)
    {
        if (trusted.stream().noneMatch(list::signedBy))
        {
            return false;
        }
        final String issuer = HexFormat.of().formatHex(list.issuer());
        final RevocationList held = byIssuer.get(issuer);
        if (held != null && held.version() >= list.version())
        {
            return false;
        }
        byIssuer.put(issuer, list);
        all = List.copyOf(new ArrayList<>(byIssuer.values()));
        if (keep)
        {
            store.accept(list);
        }
        return true;
    }

    /** @return the lists held, one per CA. */
    public List<RevocationList> all()
    {
        return all;
    }

    /** @return the highest version held (what a node advertises in its handshakes), 0 for none. */
    public long version()
    {
        long v = 0;
        for (final RevocationList list : all)
        {
            v = Math.max(v, list.version());
        }
        return v;
    }

    /** @return the SESSION datagram that carries a list to a member (sealed by the data plane). */
    static byte[] datagram(final RevocationList list)
    {
        final byte[] encoded = list.encoded();
        final UnsafeBuffer datagram = new UnsafeBuffer(new byte[WireHeader.COMMON_LENGTH + encoded.length]);
        WireHeader.writeCommon(datagram, 0, WireHeader.TYPE_SESSION, 0);
        datagram.putBytes(WireHeader.COMMON_LENGTH, encoded);
        return datagram.byteArray();
    }

    /** @return the list a SESSION datagram carries, or null if it is malformed. */
    static RevocationList parse(final DirectBuffer buffer, final int offset, final int length)
    {
        if (length <= WireHeader.COMMON_LENGTH)
        {
            return null;
        }
        final byte[] bytes = new byte[length - WireHeader.COMMON_LENGTH];
        buffer.getBytes(offset + WireHeader.COMMON_LENGTH, bytes);
        try
        {
            return RevocationList.decode(bytes);
        }
        catch (final IllegalArgumentException ex)
        {
            return null;
        }
    }

    /** @return true if a list held revokes the certificate. */
    public boolean revokes(final Certificate certificate)
    {
        for (final RevocationList list : all)
        {
            if (list.revokes(certificate))
            {
                return true;
            }
        }
        return false;
    }
}

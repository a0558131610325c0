package wow.controlplane.dns;

import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.regex.Pattern;
import wow.controlplane.NameResolver;

/**
 * What the overlay's DNS answers (no sockets): names {@code HOST.DOMAIN} of the overlay's domain
 * by resolving HOST over the overlay — an A record, no data for other types of a name that
 * exists, NXDOMAIN for one that does not, SERVFAIL while no answer can be had; the domain itself
 * exists with no records; every name outside the domain, every class but IN, is REFUSED (it is no
 * open resolver and forwards nothing); other opcodes get NOTIMP and unparsable questions FORMERR.
 * Any thread; the answer may complete on the resolver's.
 */
public final class DnsResponder
{
    /** What a host name may be (a certificate's name: letters, digits, dots and dashes). */
    private static final String LABEL = "[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?";
    private static final Pattern HOST = Pattern.compile(LABEL + "(\\." + LABEL + ")*");

    private final String domain;
    private final String suffix;
    private final Function<String, CompletableFuture<NameResolver.Answer>> resolver;

    /**
     * @param domain   the overlay's DNS domain (e.g. "wow"), any case.
     * @param resolver resolves a host name (lower case, without the domain).
     */
    public DnsResponder(final String domain, final Function<String, CompletableFuture<NameResolver.Answer>> resolver)
    {
        this.domain = domain.toLowerCase(Locale.ROOT);
        this.suffix = "." + this.domain;
        this.resolver = resolver;
    }

    /** @return true if a domain is one the responder can serve (DNS labels, at most 63 bytes). */
    public static boolean validDomain(final String domain)
    {
        return domain.length() <= 63 && HOST.matcher(domain.toLowerCase(Locale.ROOT)).matches();
    }

    /** @return the response to a query, or a future of it; null if the datagram is not a query (dropped). */
    public CompletableFuture<byte[]> respond(final byte[] datagram, final int length)
    {
        final DnsMessage.Query q = DnsMessage.parse(datagram, length);
        if (q == null)
        {
            return null;
        }
        if (q.name() == null)
        {
            return done(q, DnsMessage.FORMERR);
        }
        if (q.opcode() != 0)
        {
            return done(q, DnsMessage.NOTIMP);
        }
        if (q.qclass() != DnsMessage.CLASS_IN || !q.name().equals(domain) && !q.name().endsWith(suffix))
        {
            return done(q, DnsMessage.REFUSED);
        }
        if (q.name().equals(domain))
        {
            return done(q, DnsMessage.NOERROR);
        }
        final String host = q.name().substring(0, q.name().length() - suffix.length());
        if (!HOST.matcher(host).matches())
        {
            return done(q, DnsMessage.NXDOMAIN);
        }
        return resolver.apply(host).handle((answer, failure) ->
        {
            if (failure != null || answer.status() == NameResolver.Status.UNAVAILABLE)
            {
                return DnsMessage.response(q, DnsMessage.SERVFAIL, 0, 0);
            }
            if (answer.status() == NameResolver.Status.NO_SUCH_NAME)
            {
                return DnsMessage.response(q, DnsMessage.NXDOMAIN, 0, 0);
            }
            final boolean a = q.type() == DnsMessage.TYPE_A || q.type() == DnsMessage.TYPE_ANY;
            return DnsMessage.response(q, DnsMessage.NOERROR, a ? answer.ip() : 0, answer.ttlSeconds());
        });
    }

    private static CompletableFuture<byte[]> done(final DnsMessage.Query q, final int rcode)
    {
        return CompletableFuture.completedFuture(DnsMessage.response(q, rcode, 0, 0));
    }
}

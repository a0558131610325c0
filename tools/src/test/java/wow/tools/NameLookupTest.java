package wow.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.CountersManager;
import org.junit.jupiter.api.Test;
import wow.controlplane.NameResolver;
import wow.controlplane.dns.DnsResponder;
import wow.controlplane.dns.DnsServer;

/** {@code wow path} and {@code wow ping} take names: asked of the node's own DNS (a loopback server here). */
class NameLookupTest
{
    @Test
    void addressesPassAndNamesAreQualifiedWithTheNodesDomain()
    {
        assertEquals("10.1.2.3", NameLookup.resolve("10.1.2.3", Map.of()));
        assertEquals("web.wow", NameLookup.qualified("Web", "wow"));
        assertEquals("web.wow", NameLookup.qualified("web.wow.", "wow"));
        assertEquals("web.eu.wow", NameLookup.qualified("web.eu", "wow"));
        final Map<String, Object> noDns = new HashMap<>();
        noDns.put("dns", null);
        assertTrue(assertThrows(IllegalStateException.class, () -> NameLookup.resolve("web", noDns)).getMessage()
            .contains("answers no names (--no-dns)"));
        final Map<String, Object> notYet = new HashMap<>();
        notYet.put("server", null);
        notYet.put("domain", "wow");
        assertTrue(assertThrows(IllegalStateException.class, () -> NameLookup.resolve("web", Map.of("dns", notYet))).getMessage()
            .contains("does not answer DNS yet"));
    }

    @Test
    void aNameIsAskedOfTheDnsServerAndEachFailureIsOneLine() throws Exception
    {
        final CountersManager counters = new CountersManager(new UnsafeBuffer(new byte[64 * 1024]),
            new UnsafeBuffer(new byte[8 * 1024]));
        final DnsResponder responder = new DnsResponder("wow", host -> CompletableFuture.completedFuture(switch (host)
        {
            case "web" -> new NameResolver.Answer(NameResolver.Status.FOUND, 0x0A000009, 30);
            case "down" -> NameResolver.Answer.UNAVAILABLE;
            default -> NameResolver.Answer.NO_SUCH_NAME;
        }));
        try (DnsServer server = new DnsServer(responder, counters.newCounter("a"), counters.newCounter("d")))
        {
            final int port = server.bind(InetAddress.getByName("127.0.0.1"), 0);
            assertEquals(0x0A000009, NameLookup.query("127.0.0.1", port, "web.wow"));
            assertEquals("no member is named nobody.wow",
                assertThrows(IllegalStateException.class, () -> NameLookup.query("127.0.0.1", port, "nobody.wow")).getMessage());
            assertTrue(assertThrows(IllegalStateException.class, () -> NameLookup.query("127.0.0.1", port, "down.wow"))
                .getMessage().contains("no answer can be had now"));
            assertTrue(assertThrows(IllegalStateException.class, () -> NameLookup.query("127.0.0.1", port, "web.example"))
                .getMessage().contains("rcode 5"), "refused: outside the domain");
        }
    }
}

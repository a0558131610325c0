package wow.controlplane.dns;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.concurrent.CompletableFuture;
import wow.controlplane.NameResolver;

/**
 * Fuzz target (Jazzer) for the DNS query parser and responder: any datagram is dropped (null) or
 * answered with a response no longer than the query plus one A record, and nothing throws.
 * {@code mvn verify} runs it once; {@code JAZZER_FUZZ=1} fuzzes (see the README).
 */
class DnsMessageFuzzTest
{
    final DnsResponder responder = new DnsResponder("wow",
        host -> CompletableFuture.completedFuture(new NameResolver.Answer(NameResolver.Status.FOUND, 0x0A000001, 5)));

    @FuzzTest(maxDuration = "30s")
    void dnsQuery(final byte[] input)
    {
        final CompletableFuture<byte[]> response = responder.respond(input, input.length);
        if (response == null)
        {
            return;
        }
        final byte[] bytes = response.getNow(null);
        if (bytes == null || bytes.length > input.length + 16 || (bytes[2] & 0x80) == 0)
        {
            throw new IllegalStateException("not a response of bounded length");
        }
    }
}

package wow.controlplane.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import wow.controlplane.NameResolver;

/** What the overlay's DNS answers, query by query, and what it never asks the overlay. */
class DnsResponderTest
{
    static final int WEB = 0x0A010002;
    final List<String> asked = new ArrayList<>();
    final DnsResponder responder = new DnsResponder("WoW", host ->
    {
        asked.add(host);
        return CompletableFuture.completedFuture(switch (host)
        {
            case "web", "web.eu" -> new NameResolver.Answer(NameResolver.Status.FOUND, WEB, 30);
            case "down" -> NameResolver.Answer.UNAVAILABLE;
            default -> NameResolver.Answer.NO_SUCH_NAME;
        });
    });

    /** @return a query as a stub resolver sends it: recursion desired, one question, an EDNS OPT record. */
    static byte[] query(final int id, final int flags, final String name, final int type, final int qclass)
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final ByteBuffer header = ByteBuffer.allocate(12).putShort((short)id).putShort((short)flags).putShort((short)1)
            .putShort((short)0).putShort((short)0).putShort((short)1);
        out.writeBytes(header.array());
        for (final String label : name.split("\\."))
        {
            out.write(label.length());
            out.writeBytes(label.getBytes(StandardCharsets.US_ASCII));
        }
        out.write(0);
        out.writeBytes(ByteBuffer.allocate(4).putShort((short)type).putShort((short)qclass).array());
        out.writeBytes(new byte[] {0, 0, 41, 4, -48, 0, 0, 0, 0, 0, 0}); // OPT: 1232-byte UDP payload
        return out.toByteArray();
    }

    static byte[] query(final String name, final int type)
    {
        return query(0x1234, 0x0100, name, type, DnsMessage.CLASS_IN);
    }

    byte[] answer(final byte[] query)
    {
        return responder.respond(query, query.length).getNow(null);
    }

    static int rcode(final byte[] response)
    {
        return response[3] & 0x0F;
    }

    static int answers(final byte[] response)
    {
        return ByteBuffer.wrap(response).getShort(6);
    }

    @Test
    void aMemberOfTheDomainGetsOneAuthoritativeARecordInAnyCase()
    {
        final byte[] q = query("Web.WOW", DnsMessage.TYPE_A);
        final byte[] r = answer(q);
        final ByteBuffer b = ByteBuffer.wrap(r);
        assertEquals(0x1234, b.getShort(0) & 0xFFFF, "the query's id");
        assertEquals(0x8000 | 0x0400 | 0x0100, b.getShort(2) & 0xFFF0, "a response, authoritative, RD echoed");
        assertEquals(DnsMessage.NOERROR, rcode(r));
        assertEquals(1, b.getShort(4), "the question echoed");
        assertEquals(1, answers(r));
        final int answer = 12 + "Web.WOW".length() + 2 + 4;
        assertEquals(0xC00C, b.getShort(answer) & 0xFFFF, "named by a pointer to the question");
        assertEquals(DnsMessage.TYPE_A, b.getShort(answer + 2));
        assertEquals(30, b.getInt(answer + 6), "the TTL the resolver gave");
        assertEquals(4, b.getShort(answer + 10));
        assertEquals(WEB, b.getInt(answer + 12));
        assertEquals(List.of("web"), asked, "asked the overlay for the host, lower case, without the domain");
        assertEquals(1, answers(answer(query("web.eu.wow", DnsMessage.TYPE_ANY))), "dotted names, ANY");
    }

    @Test
    void otherTypesOfAnExistingNameHaveNoDataAndAnUnknownNameIsNxdomain()
    {
        final byte[] aaaa = answer(query("web.wow", 28));
        assertEquals(DnsMessage.NOERROR, rcode(aaaa));
        assertEquals(0, answers(aaaa), "no AAAA: the overlay is IPv4");
        assertEquals(DnsMessage.NXDOMAIN, rcode(answer(query("nobody.wow", DnsMessage.TYPE_A))));
        assertEquals(DnsMessage.SERVFAIL, rcode(answer(query("down.wow", DnsMessage.TYPE_A))), "no answer to be had");
        final byte[] apex = answer(query("wow", DnsMessage.TYPE_A));
        assertEquals(DnsMessage.NOERROR, rcode(apex), "the domain exists");
        assertEquals(0, answers(apex));
        assertEquals(DnsMessage.NXDOMAIN, rcode(answer(query("bad_name.wow", DnsMessage.TYPE_A))), "no member has it");
        assertEquals(List.of("web", "nobody", "down"), asked);
    }

    @Test
    void itIsNoOpenResolverNamesOutsideTheDomainAndOtherClassesAreRefusedWithoutAskingAnyone()
    {
        assertEquals(DnsMessage.REFUSED, rcode(answer(query("example.com", DnsMessage.TYPE_A))));
        assertEquals(DnsMessage.REFUSED, rcode(answer(query("web.wow.example.com", DnsMessage.TYPE_A))));
        assertEquals(DnsMessage.REFUSED, rcode(answer(query("notwow", DnsMessage.TYPE_A))));
        assertEquals(DnsMessage.REFUSED, rcode(answer(query(0x1, 0x0100, "web.wow", DnsMessage.TYPE_A, 3))), "class CH");
        assertEquals(DnsMessage.NOTIMP, rcode(answer(query(0x1, 0x2000, "web.wow", DnsMessage.TYPE_A, 1))), "an UPDATE");
        assertTrue(asked.isEmpty(), asked.toString());
    }

    @Test
    void malformedQuestionsAreFormerrAndWhatIsNoQueryIsDropped()
    {
        final byte[] pointer = query("web.wow", DnsMessage.TYPE_A);
        pointer[12] = (byte)0xC0;
        final byte[] r = answer(pointer);
        assertEquals(DnsMessage.FORMERR, rcode(r));
        assertEquals(12, r.length, "no question echoed");
        final byte[] truncated = query("web.wow", DnsMessage.TYPE_A);
        assertEquals(DnsMessage.FORMERR, rcode(answer(java.util.Arrays.copyOf(truncated, 12 + 5))));
        final byte[] twoQuestions = query("web.wow", DnsMessage.TYPE_A);
        twoQuestions[5] = 2;
        assertEquals(DnsMessage.FORMERR, rcode(answer(twoQuestions)));
        final byte[] response = query("web.wow", DnsMessage.TYPE_A);
        response[2] |= (byte)0x80;
        assertNull(responder.respond(response, response.length), "a response is never answered");
        assertNull(responder.respond(new byte[11], 11), "shorter than a header");
        assertTrue(asked.isEmpty(), asked.toString());
    }

    @Test
    void aDomainMustBeDnsLabels()
    {
        assertTrue(DnsResponder.validDomain("wow"));
        assertTrue(DnsResponder.validDomain("Lab.Example"));
        assertTrue(!DnsResponder.validDomain("") && !DnsResponder.validDomain("a..b") && !DnsResponder.validDomain("-x") &&
            !DnsResponder.validDomain("a b"));
    }
}

package wow.controlplane.dns;

import java.nio.ByteBuffer;
import java.util.Locale;

/**
 * DNS messages as a stub resolver sends and expects them (RFC 1035 §4): a query with one
 * question is parsed (its name lower-cased, compression refused: queries do not use it), and a
 * response built over it — the question echoed as it came, at most one A record. Anything shorter
 * than a header, or a response, is not a query at all (null: dropped); a header followed by a
 * question that does not parse is answered FORMERR. Stateless; any thread.
 */
public final class DnsMessage
{
    public static final int HEADER = 12;
    public static final int TYPE_A = 1;
    public static final int TYPE_ANY = 255;
    public static final int CLASS_IN = 1;
    public static final int NOERROR = 0;
    public static final int FORMERR = 1;
    public static final int SERVFAIL = 2;
    public static final int NXDOMAIN = 3;
    public static final int NOTIMP = 4;
    public static final int REFUSED = 5;
    /** The longest name (RFC 1035 §2.3.4, in wire form). */
    public static final int MAX_NAME = 255;

    private static final int QR = 0x8000;
    private static final int AA = 0x0400;
    private static final int RD = 0x0100;
    private static final int OPCODE = 0x7800;

    /**
     * A query's header and question.
     *
     * @param id       the query's id.
     * @param flags    its flags word.
     * @param name     the question's name, lower case, without the final dot ("" for the root); null if
     *                 the question did not parse.
     * @param type     the question's type.
     * @param qclass   the question's class.
     * @param question the question as it came (name, type, class), echoed in the response.
     */
    public record Query(int id, int flags, String name, int type, int qclass, byte[] question)
    {
        /** @return the opcode (0: a standard query). */
        public int opcode()
        {
            return (flags & OPCODE) >>> 11;
        }
    }

    private DnsMessage()
    {
    }

    /** @return the query in {@code bytes[0, length)}, or null if it is not a query (too short, a response). */
    public static Query parse(final byte[] bytes, final int length)
    {
        if (length < HEADER || length > bytes.length)
        {
            return null;
        }
        final ByteBuffer b = ByteBuffer.wrap(bytes, 0, length);
        final int id = b.getShort() & 0xFFFF;
        final int flags = b.getShort() & 0xFFFF;
        if ((flags & QR) != 0)
        {
            return null;
        }
        final int questions = b.getShort() & 0xFFFF;
        final int answers = b.getShort() & 0xFFFF;
        final int authority = b.getShort() & 0xFFFF;
        if (questions != 1 || answers != 0 || authority != 0)
        {
            return new Query(id, flags, null, 0, 0, new byte[0]);
        }
        final StringBuilder name = new StringBuilder();
        int at = HEADER;
        while (true)
        {
            if (at >= length)
            {
                return new Query(id, flags, null, 0, 0, new byte[0]);
            }
            final int label = bytes[at] & 0xFF;
            if (label == 0)
            {
                at++;
                break;
            }
            if (label > 63 || at + 1 + label > length || at + 1 + label - HEADER > MAX_NAME - 1)
            {
                return new Query(id, flags, null, 0, 0, new byte[0]); // a pointer, or past the end or the longest name
            }
            if (name.length() > 0)
            {
                name.append('.');
            }
            for (int i = 0; i < label; i++)
            {
                name.append((char)(bytes[at + 1 + i] & 0xFF));
            }
            at += 1 + label;
        }
        if (at + 4 > length)
        {
            return new Query(id, flags, null, 0, 0, new byte[0]);
        }
        final int type = ((bytes[at] & 0xFF) << 8) | (bytes[at + 1] & 0xFF);
        final int qclass = ((bytes[at + 2] & 0xFF) << 8) | (bytes[at + 3] & 0xFF);
        final byte[] question = new byte[at + 4 - HEADER];
        System.arraycopy(bytes, HEADER, question, 0, question.length);
        return new Query(id, flags, name.toString().toLowerCase(Locale.ROOT), type, qclass, question);
    }

    /**
     * @return the response to a query: authoritative, its recursion-desired bit echoed, the question
     *         echoed (none if it did not parse), and one A record if {@code ip} is not 0.
     */
    public static byte[] response(final Query query, final int rcode, final int ip, final int ttlSeconds)
    {
        final boolean answer = ip != 0 && query.name() != null;
        final ByteBuffer b = ByteBuffer.allocate(HEADER + query.question().length + (answer ? 16 : 0));
        b.putShort((short)query.id());
        b.putShort((short)(QR | (query.flags() & OPCODE) | AA | (query.flags() & RD) | (rcode & 0xF)));
        b.putShort((short)(query.question().length > 0 ? 1 : 0));
        b.putShort((short)(answer ? 1 : 0));
        b.putShort((short)0);
        b.putShort((short)0);
        b.put(query.question());
        if (answer)
        {
            b.putShort((short)(0xC000 | HEADER)); // the question's name
            b.putShort((short)TYPE_A);
            b.putShort((short)CLASS_IN);
            b.putInt(ttlSeconds);
            b.putShort((short)4);
            b.putInt(ip);
        }
        return b.array();
    }
}

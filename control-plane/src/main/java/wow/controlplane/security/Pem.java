package wow.controlplane.security;

import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * The text armor of certificates, keys, bundles and revocation lists: blocks of base64 between
 * {@code -----BEGIN LABEL-----} and {@code -----END LABEL-----} lines, with free text (comments)
 * around them. Stateless; any thread.
 */
public final class Pem
{
    /** One armored block. */
    public record Block(String label, byte[] bytes)
    {
    }

    private static final String BEGIN = "-----BEGIN ";
    private static final String END = "-----END ";
    private static final String DASHES = "-----";
    private static final int MAX_BLOCKS = 64;

    private Pem()
    {
    }

    /** @return the block as text, base64 wrapped at 64 characters. */
    public static String encode(final String label, final byte[] bytes)
    {
        final StringBuilder out = new StringBuilder();
        out.append(BEGIN).append(label).append(DASHES).append('\n');
        final String base64 = Base64.getEncoder().encodeToString(bytes);
        for (int i = 0; i < base64.length(); i += 64)
        {
            out.append(base64, i, Math.min(base64.length(), i + 64)).append('\n');
        }
        return out.append(END).append(label).append(DASHES).append('\n').toString();
    }

    /**
     * @return the blocks in the text, in order.
     * @throws IllegalArgumentException naming the problem: an unterminated block, a mismatched
     *         end line, bad base64, too many blocks.
     */
    public static List<Block> decode(final String text)
    {
        final List<Block> blocks = new ArrayList<>();
        String label = null;
        StringBuilder body = null;
        int lineNumber = 0;
        for (final String raw : text.split("\n", -1))
        {
            lineNumber++;
            final String line = raw.strip();
            if (label == null)
            {
                if (line.startsWith(BEGIN) && line.endsWith(DASHES) && line.length() > BEGIN.length() + DASHES.length())
                {
                    label = line.substring(BEGIN.length(), line.length() - DASHES.length());
                    body = new StringBuilder();
                }
                continue;
            }
            if (line.startsWith(END))
            {
                if (!line.equals(END + label + DASHES))
                {
                    throw new IllegalArgumentException("line " + lineNumber + ": expected the end of " + label);
                }
                try
                {
                    blocks.add(new Block(label, Base64.getDecoder().decode(body.toString())));
                }
                catch (final IllegalArgumentException ex)
                {
                    throw new IllegalArgumentException("bad base64 in " + label + " before line " + lineNumber, ex);
                }
                if (blocks.size() > MAX_BLOCKS)
                {
                    throw new IllegalArgumentException("more than " + MAX_BLOCKS + " blocks");
                }
                label = null;
                continue;
            }
            body.append(line);
        }
        if (label != null)
        {
            throw new IllegalArgumentException(label + " is not terminated");
        }
        return blocks;
    }
}

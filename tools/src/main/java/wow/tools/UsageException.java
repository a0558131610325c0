package wow.tools;

/**
 * A bad command line or configuration: printed as one line, exit status 2. Control characters
 * in the message (a configuration file's or the command line's own text quoted back) are shown
 * escaped, so the line stays one line and the terminal is not told anything by a file.
 */
public final class UsageException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    public UsageException(final String message)
    {
        super(oneLine(message));
    }

    private static String oneLine(final String message)
    {
        if (message == null)
        {
            return "bad usage";
        }
        final StringBuilder sb = new StringBuilder(message.length());
        message.codePoints().forEach(c ->
        {
            if (Character.isISOControl(c) || c == 0x2028 || c == 0x2029 || c == 0x85)
            {
                sb.append(String.format("\\u%04x", c));
            }
            else
            {
                sb.appendCodePoint(c);
            }
        });
        return sb.toString();
    }
}

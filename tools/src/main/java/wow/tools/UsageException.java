package wow.tools;

/** A bad command line or configuration: printed as one line, exit status 2. */
public final class UsageException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    public UsageException(final String message)
    {
        super(message);
    }
}

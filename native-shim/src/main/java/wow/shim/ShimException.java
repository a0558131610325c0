package wow.shim;

/** A failed native call, carrying the errno and a message that names the problem. */
public final class ShimException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    private final int errno;

    public ShimException(final String message)
    {
        this(message, 0);
    }

    public ShimException(final String message, final int errno)
    {
        super(message);
        this.errno = errno;
    }

    /** @return the errno of the failed call, 0 if there was none. */
    public int errno()
    {
        return errno;
    }
}

package wow.controlplane.journal;

import wow.dataplane.fib.Fib;

/** Told of every FIB version a conductor publishes (on the conductor thread), e.g. to journal it. */
@FunctionalInterface
public interface FibListener
{
    /**
     * @param fib       the version just published.
     * @param reason    why it was built.
     * @param linkTypes each link's types, by link index, e.g. {@code [near]}.
     */
    void published(Fib fib, String reason, String[] linkTypes);

    /** A listener that does nothing. */
    FibListener NONE = (fib, reason, linkTypes) -> { };
}

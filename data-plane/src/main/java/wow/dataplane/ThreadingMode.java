package wow.dataplane;

/** How agents map to threads, as in Aeron's media driver. */
public enum ThreadingMode
{
    /** One thread per agent: a queue agent per core, the conductor on its own. */
    DEDICATED,
    /** One thread runs every agent in turn: small hosts and deterministic runs. */
    SHARED
}

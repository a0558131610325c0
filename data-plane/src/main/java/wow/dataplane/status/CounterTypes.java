package wow.dataplane.status;

/**
 * Type ids of the counters in a node's counters file, so that readers can group them, and the
 * link counter layout. Every per-queue counter's key holds its queue number (an int).
 */
public final class CounterTypes
{
    /** A drop reason of one queue; label {@code drop <reason> q<N>}. */
    public static final int DROP = 1;
    /** Traffic of one queue; label {@code <name> q<N>}. */
    public static final int TRAFFIC = 2;
    /** Traffic of one link, all queues; label {@code link <virtual ip> <endpoint> <name>}. */
    public static final int LINK = 3;
    /** The FIB version a queue's agent applied; label {@code fib_version q<N>}. */
    public static final int FIB_VERSION = 4;
    /** The FIB version the conductor published. */
    public static final int FIB_PUBLISHED = 5;
    /** A level, not a count (sessions up now, days a certificate has left): a Prometheus gauge. */
    public static final int GAUGE = 6;

    /** Counters of one link, in this order: tx packets, tx bytes, rx packets, rx bytes. */
    public static final String[] LINK_COUNTERS = {"tx_packets", "tx_bytes", "rx_packets", "rx_bytes"};
    public static final int LINK_TX_PACKETS = 0;
    public static final int LINK_TX_BYTES = 1;
    public static final int LINK_RX_PACKETS = 2;
    public static final int LINK_RX_BYTES = 3;

    private CounterTypes()
    {
    }
}

package wow.controlplane;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import wow.dataplane.transport.TcpBridge;

/**
 * The only way other threads reach an {@link OverlayConductor}: each call becomes a command on a
 * queue the conductor drains in its duty cycle, and wakes it. Any thread.
 */
public final class OverlayConductorProxy
{
    /** A command for the conductor thread. */
    sealed interface Command
    {
    }

    /** Send an exact-delivery probe; complete the future when it is answered. */
    record ProbeCommand(byte[] address, CompletableFuture<Boolean> result) implements Command
    {
    }

    /** Resolve a host name (lower case); complete the future with the answer. */
    record ResolveName(String name, CompletableFuture<NameResolver.Answer> result) implements Command
    {
    }

    /** This host's listen endpoints changed. */
    record EndpointsChanged(long[] endpoints) implements Command
    {
    }

    /** The TCP transport opened or closed a bridge to a peer. */
    record TcpChanged(long remote, long bridge, boolean open) implements Command
    {
    }

    private final ConcurrentLinkedQueue<Command> commands = new ConcurrentLinkedQueue<>();
    private final Runnable wake;
    private volatile boolean leaveRequested;
    private volatile boolean left;

    OverlayConductorProxy(final Runnable wake)
    {
        this.wake = wake;
    }

    private void offer(final Command command)
    {
        commands.add(command);
        wake.run();
    }

    /** Sends an exact-delivery probe to a ring address; completes true when answered. */
    public CompletableFuture<Boolean> probe(final byte[] address)
    {
        final CompletableFuture<Boolean> result = new CompletableFuture<>();
        offer(new ProbeCommand(address.clone(), result));
        return result;
    }

    /**
     * Resolves a host name of the overlay (without the DNS domain) through the DHT; the future
     * completes on the conductor thread when the lookup ends (within a few seconds).
     */
    public CompletableFuture<NameResolver.Answer> resolveName(final String name)
    {
        final CompletableFuture<NameResolver.Answer> result = new CompletableFuture<>();
        offer(new ResolveName(name.toLowerCase(java.util.Locale.ROOT), result));
        return result;
    }

    /** This host's listen endpoints changed (another network, a new address). */
    public void localEndpointsChanged(final long[] endpoints)
    {
        offer(new EndpointsChanged(endpoints.clone()));
    }

    /** @return the listener a {@link TcpBridge} reports to; each event goes to the conductor thread. */
    public TcpBridge.Listener tcpEvents()
    {
        return new TcpBridge.Listener()
        {
            @Override
            public void opened(final long remote, final long bridge)
            {
                offer(new TcpChanged(remote, bridge, true));
            }

            @Override
            public void closed(final long remote, final long bridge)
            {
                offer(new TcpChanged(remote, bridge, false));
            }
        };
    }

    /** Asks the conductor to leave the overlay gracefully; see {@link #hasLeft}. */
    public void requestLeave()
    {
        leaveRequested = true;
        wake.run();
    }

    /** @return true once the leave messages went out. */
    public boolean hasLeft()
    {
        return left;
    }

    // ------------------------------------------------------------------ conductor side

    Command poll()
    {
        return commands.poll();
    }

    boolean leaveRequested()
    {
        return leaveRequested;
    }

    void markLeft()
    {
        left = true;
    }
}

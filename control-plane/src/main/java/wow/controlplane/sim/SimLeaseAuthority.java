package wow.controlplane.sim;

import wow.controlplane.LruMap;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import wow.controlplane.overlay.lease.LeaseAuthority;
import wow.controlplane.overlay.lease.Leases;
import wow.controlplane.overlay.wire.Messages;

/**
 * The simulated network's lease authority: what a secure network's certificates decide, without the
 * certificates — each node's record key is bound (as its certificate would bind it) to its ring
 * address and to its virtual IP or lease pool, and an operation counts only for those — with one
 * memory of the signatures verified shared by the simulated nodes of one worker. A node checks
 * each operation as a real one does; the simulator only spares itself verifying the same bytes
 * again for the next node (the answer cannot differ), which is most of its CPU with thousands of
 * nodes. Each worker has its own, used by its thread; the bindings are one map, which the
 * coordinator writes only between windows.
 */
final class SimLeaseAuthority implements LeaseAuthority
{
    private static final int REMEMBERED = 200_000;

    private final Map<ByteBuffer, Boolean> verified = new LruMap<>(REMEMBERED);
    private final Map<ByteBuffer, Binding> bindings;

    SimLeaseAuthority()
    {
        this(new HashMap<>());
    }

    private SimLeaseAuthority(final Map<ByteBuffer, Binding> bindings)
    {
        this.bindings = bindings;
    }

    /** @return an authority with the same bindings and a memory of its own (for another worker). */
    SimLeaseAuthority sharingBindings()
    {
        return new SimLeaseAuthority(bindings);
    }

    @Override
    public boolean signed(final Messages.LeaseOp op)
    {
        final byte[] signed = op.signed();
        final ByteBuffer key = ByteBuffer.allocate(signed.length + op.publicKey().length + op.signature().length)
            .put(signed).put(op.publicKey()).put(op.signature()).flip();
        return verified.computeIfAbsent(key, k -> Leases.verify(op));
    }

    /** What a node's certificate would say: its ring address and the addresses it may lease. */
    private record Binding(byte[] address, int ip, int prefix)
    {
    }

    /** Binds a node's record key to its ring address and to {@code ip/prefix} (a fixed IP: /32). */
    void bind(final byte[] recordKey, final byte[] address, final int ip, final int prefix)
    {
        bindings.put(ByteBuffer.wrap(recordKey.clone()), new Binding(address.clone(), ip, prefix));
    }

    @Override
    public String problem(final Messages.LeaseOp op)
    {
        final String malformed = LeaseAuthority.OPEN.problem(op);
        if (malformed != null)
        {
            return malformed;
        }
        final Binding b = bindings.get(ByteBuffer.wrap(op.publicKey()));
        final int mask = b == null || b.prefix() == 0 ? 0 : -1 << (32 - b.prefix());
        return b == null ? "no certificate" : !Arrays.equals(b.address(), op.value()) ? "not its ring address" :
            (op.ip() & mask) != (b.ip() & mask) ? "not its address" : null;
    }

    @Override
    public boolean pooled(final Messages.LeaseOp op)
    {
        final Binding b = bindings.get(ByteBuffer.wrap(op.publicKey()));
        return b != null && b.prefix() < 32;
    }

    @Override
    public boolean supersedes(final Messages.LeaseOp newer, final Messages.LeaseOp held)
    {
        return false;
    }
}

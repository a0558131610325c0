package wow.controlplane.sim;

import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;
import wow.controlplane.overlay.lease.LeaseAuthority;
import wow.controlplane.overlay.lease.Leases;
import wow.controlplane.overlay.wire.Messages;

/**
 * The simulated network's lease authority: an insecure network's checks ({@link LeaseAuthority#OPEN}),
 * with one memory of the signatures verified shared by every simulated node. A node checks each
 * operation as a real one does; the simulator only spares itself verifying the same bytes again
 * for the next node (the answer cannot differ), which is most of its CPU with thousands of nodes.
 * Owned by the simulator's thread.
 */
final class SimLeaseAuthority implements LeaseAuthority
{
    private static final int REMEMBERED = 200_000;

    private final Map<ByteBuffer, Boolean> verified = new LinkedHashMap<>(1024, 0.75f, true)
    {
        @Override
        protected boolean removeEldestEntry(final Map.Entry<ByteBuffer, Boolean> eldest)
        {
            return size() > REMEMBERED;
        }
    };

    @Override
    public boolean signed(final Messages.LeaseOp op)
    {
        final byte[] signed = op.signed();
        final ByteBuffer key = ByteBuffer.allocate(signed.length + op.publicKey().length + op.signature().length)
            .put(signed).put(op.publicKey()).put(op.signature()).flip();
        return verified.computeIfAbsent(key, k -> Leases.verify(op));
    }

    @Override
    public String problem(final Messages.LeaseOp op)
    {
        return LeaseAuthority.OPEN.problem(op);
    }

    @Override
    public boolean supersedes(final Messages.LeaseOp newer, final Messages.LeaseOp held)
    {
        return false;
    }
}

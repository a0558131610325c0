package wow.controlplane.sim;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import wow.controlplane.overlay.wire.Messages;
import wow.controlplane.overlay.wire.OverlayMessage;

/**
 * What a lying member says (`wow sim --liars PCT`): it runs the same stack as everyone, but what it
 * sends is rewritten on the way out — neighbour lists name nodes that do not exist, Connect-To-Me
 * answers give endpoints where no one listens, lookups it answers as a holder come back with its
 * own lease on the address asked about (its ring address, signed by itself) — and every 10 s it
 * claims the address of a random honest node as its own. Honest nodes must keep their places on
 * the ring, their addresses and their records. Rewriting runs on the liar's worker and draws from
 * the liar's own random source; the claims are made by the coordinator between windows.
 */
final class SimLiar
{
    static final long CLAIM_EVERY_MS = 10_000;

    private final Simulator sim;

    SimLiar(final Simulator sim)
    {
        this.sim = sim;
    }

    /** @return the message a liar sends instead of {@code message}. */
    byte[] rewrite(final SimNode liar, final byte[] message)
    {
        final OverlayMessage m = Messages.decode(message, 0, message.length);
        if (m instanceof OverlayMessage.Neighbours n && !n.peers().isEmpty())
        {
            return Messages.neighbours(nobodies(liar.network, n.peers().size()));
        }
        if (m instanceof OverlayMessage.CtmReply r)
        {
            final Messages.Peer responder = new Messages.Peer(r.responder().address(), r.responder().virtualIp(),
                nowhere(liar.network));
            return Messages.ctmReply(r.connectionTypes(), r.token(), responder, nobodies(liar.network, r.near().size()));
        }
        if (m instanceof OverlayMessage.DhtReply r && r.found())
        {
            final Messages.LeaseOp held = Messages.decodeLease(r.value(), 0, r.value().length);
            if (held != null)
            {
                final Messages.LeaseOp forged = liar.signer.sign(Messages.LEASE_RENEW, held.ip(), held.ttlSeconds(),
                    liar.worker.now, liar.node.address());
                return Messages.dhtReply(r.token(), r.key(), true, r.ttlSeconds(),
                    Messages.lease(forged.as(Messages.LEASE_COPY, 0, forged.ttlSeconds())));
            }
        }
        return message;
    }

    /** A liar claims a random honest node's address as its own. */
    void claim(final SimNode liar)
    {
        final SimNode victim = sim.randomHonest();
        if (victim == null || victim.stack.localIp() == 0)
        {
            return;
        }
        liar.node.lease(liar.signer.sign(Messages.LEASE_CLAIM, victim.stack.localIp(), 120, sim.now(), liar.node.address()));
    }

    private static List<Messages.Peer> nobodies(final SplittableRandom random, final int count)
    {
        final List<Messages.Peer> out = new ArrayList<>();
        for (int i = 0; i < count; i++)
        {
            final byte[] address = new byte[20];
            random.nextBytes(address);
            out.add(new Messages.Peer(address, 0, nowhere(random)));
        }
        return out;
    }

    /** @return endpoints no simulated node has (11.x.y.z). */
    private static long[] nowhere(final SplittableRandom random)
    {
        return new long[] {((0x0B000000L + random.nextInt(1 << 24)) << 16) | 4000};
    }
}

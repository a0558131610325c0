package wow.controlplane.sim;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import wow.controlplane.overlay.wire.Messages;
import wow.controlplane.overlay.wire.OverlayMessage;

/**
 * What a lying member says (`wow sim --liars PCT`): it runs the same stack as everyone, but what it
 * sends is rewritten on the way out — neighbour lists name nodes that do not exist, Connect-To-Me
 * answers give endpoints where no one listens, lookups it answers as a holder come back with its
 * own lease on the address asked about (its ring address, signed by itself) — and every 10 s it
 * claims the address of a random honest node as its own. Honest nodes must keep their places on
 * the ring, their addresses and their records. The simulator's thread.
 */
final class SimLiar
{
    static final long CLAIM_EVERY_MS = 10_000;

    private final Simulator sim;
    private final Random random;
    private long lies;

    SimLiar(final Simulator sim, final Random random)
    {
        this.sim = sim;
        this.random = random;
    }

    /** @return lies told so far (messages rewritten, addresses claimed). */
    long lies()
    {
        return lies;
    }

    /** @return the message a liar sends instead of {@code message}. */
    byte[] rewrite(final SimNode liar, final byte[] message)
    {
        final OverlayMessage m = Messages.decode(message, 0, message.length);
        if (m instanceof OverlayMessage.Neighbours n && !n.peers().isEmpty())
        {
            lies++;
            return Messages.neighbours(nobodies(n.peers().size()));
        }
        if (m instanceof OverlayMessage.CtmReply r)
        {
            lies++;
            final Messages.Peer responder = new Messages.Peer(r.responder().address(), r.responder().virtualIp(), nowhere());
            return Messages.ctmReply(r.connectionTypes(), r.token(), responder, nobodies(r.near().size()));
        }
        if (m instanceof OverlayMessage.DhtReply r && r.found())
        {
            final Messages.LeaseOp held = Messages.decodeLease(r.value(), 0, r.value().length);
            if (held != null)
            {
                lies++;
                final Messages.LeaseOp forged = liar.signer.sign(Messages.LEASE_RENEW, held.ip(), held.ttlSeconds(), sim.now(),
                    liar.node.address());
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
        lies++;
        liar.node.lease(liar.signer.sign(Messages.LEASE_CLAIM, victim.stack.localIp(), 120, sim.now(), liar.node.address()));
    }

    private List<Messages.Peer> nobodies(final int count)
    {
        final List<Messages.Peer> out = new ArrayList<>();
        for (int i = 0; i < count; i++)
        {
            final byte[] address = new byte[20];
            random.nextBytes(address);
            out.add(new Messages.Peer(address, 0, nowhere()));
        }
        return out;
    }

    /** @return endpoints no simulated node has (11.x.y.z). */
    private long[] nowhere()
    {
        return new long[] {((0x0B000000L + random.nextInt(1 << 24)) << 16) | 4000};
    }
}

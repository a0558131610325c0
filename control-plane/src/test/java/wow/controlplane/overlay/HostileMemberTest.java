package wow.controlplane.overlay;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import wow.controlplane.overlay.lease.LeaseAuthority;
import wow.controlplane.overlay.lease.LeaseSigner;
import wow.controlplane.overlay.lease.Leases;
import wow.controlplane.overlay.wire.Messages;
import wow.controlplane.security.Keys;

/**
 * Ten simulated minutes of a linked member sending a node random well-formed overlay messages of
 * every kind (about 200 a second, direct and routed, naming random addresses, endpoints, tokens,
 * keys and leases, some of them validly signed): no exception escapes a handler, every table
 * stays within its bound, the endpoints it names get no more than the contact bounds allow, and
 * the heap the node keeps after a collection grows by less than {@link #HEAP_BOUND_BYTES}. The
 * bound is the README's; the figures measured are printed.
 */
class HostileMemberTest
{
    /** What ten minutes of a hostile member's flood may leave behind in a node's heap. */
    static final long HEAP_BOUND_BYTES = 48L << 20;
    static final long MEMBER = 40;
    /** What a member's flood may make the node send to other endpoints, a second on average. */
    static final long THIRD_PARTY_PER_SECOND = 200;

    final Random random = new Random(2026);
    final LeaseSigner member = LeaseSigner.ofPrivateKey(Keys.newSigningKey(), new byte[0]);
    long sent;
    long toOthers;

    byte[] address()
    {
        final byte[] a = new byte[20];
        random.nextBytes(a);
        return a;
    }

    long[] endpoints()
    {
        final long[] e = new long[random.nextInt(Messages.MAX_ENDPOINTS + 1)];
        for (int i = 0; i < e.length; i++)
        {
            e[i] = random.nextLong() & 0xFFFF_FFFF_FFFFL;
        }
        return e;
    }

    Messages.Peer peer()
    {
        return new Messages.Peer(address(), random.nextInt(), endpoints(), random.nextBoolean() ? new byte[0] : new byte[32]);
    }

    List<Messages.Peer> peers()
    {
        final List<Messages.Peer> p = new ArrayList<>();
        for (int i = random.nextInt(Messages.MAX_PEERS + 1); i > 0; i--)
        {
            p.add(peer());
        }
        return p;
    }

    Messages.LeaseOp lease(final long nowMs)
    {
        final int ip = 0x0A800000 | random.nextInt(1 << 16);
        final int op = 1 + random.nextInt(3);
        final Messages.LeaseOp signed = member.sign(op, ip, 1 + random.nextInt(3_600), nowMs, address());
        return random.nextInt(4) == 0 ? signed : new Messages.LeaseOp(op, random.nextInt(3), random.nextInt(), signed.key(),
            signed.ttlSeconds(), random.nextLong(), address(), ip, member.publicKey(), new byte[0], new byte[64],
            1 + random.nextInt(signed.ttlSeconds()));
    }

    byte[] message(final long nowMs)
    {
        final int kind = random.nextInt(20);
        final int token = random.nextInt();
        return switch (kind)
        {
            case 0, 1 -> Messages.link(random.nextBoolean() ? Messages.LINK_REQUEST : Messages.LINK_REPLY, random.nextInt(16),
                random.nextInt(), random.nextInt(), address(), random.nextLong(), endpoints());
            case 2 -> Messages.ping(random.nextBoolean() ? Messages.PING : Messages.PONG, random.nextInt(16), address(),
                random.nextLong());
            case 3 -> Messages.close(address());
            case 4 -> Messages.ctmRequest(random.nextInt(16), token, peer(), random.nextBoolean() ? null : address());
            case 5 -> Messages.ctmReply(random.nextInt(16), token, peer(), peers());
            case 6, 7 -> Messages.neighbours(peers());
            case 8 -> Messages.probe(random.nextBoolean() ? Messages.PROBE : Messages.PROBE_REPLY, token, address());
            case 9 -> Messages.dhtGet(token, address(), address());
            case 10 -> Messages.dhtReply(token, address(), random.nextBoolean(), random.nextInt(1_000),
                random.nextBoolean() ? Messages.lease(lease(nowMs)) : address());
            case 11 -> Messages.forward(address(), Messages.ctmReply(1, token, peer(), peers()));
            case 12 -> Messages.aboutPeer(Messages.PUNCH + random.nextInt(4), random.nextInt(16), token, peer());
            case 13 -> Messages.relayEnd(random.nextBoolean() ? Messages.RELAY_DENY : Messages.RELAY_END, address());
            case 14, 15 -> Messages.lease(lease(nowMs));
            case 16 -> Messages.leaseReply(token, address(), random.nextInt(3), address(),
                random.nextBoolean() ? null : lease(nowMs).as(Messages.LEASE_COPY, 0, 1));
            case 17 -> Messages.leaseHeld(token, Leases.key(0x0A800001), random.nextBoolean() ? null :
                lease(nowMs).as(Messages.LEASE_COPY, 0, 1));
            default -> Messages.ping(Messages.PING, OverlayNode.NEAR, addr(0x40), MEMBER);
        };
    }

    static byte[] addr(final int top)
    {
        final byte[] a = new byte[20];
        a[0] = (byte)top;
        return a;
    }

    static long heapAfterCollection()
    {
        for (int i = 0; i < 3; i++)
        {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    @Test
    void tenMinutesOfAMembersRandomMessagesBreakNothingAndLeaveLittleBehind()
    {
        final OverlayTransport discard = new OverlayTransport()
        {
            @Override
            public void sendDirect(final long endpoint, final int remoteLinkId, final byte[] message)
            {
                sent++;
                toOthers += endpoint == MEMBER ? 0 : 1;
            }

            @Override
            public void sendRouted(final long firstHop, final int relayLinkId, final byte[] destination, final int delivery,
                final boolean excludeSource, final byte[] message)
            {
                sent++;
            }

            @Override
            public void connectionsChanged()
            {
            }
        };
        final OverlayNode node = new OverlayNode(addr(0x10), 0x0A800010, new long[] {1}, OverlayConfig.defaults(), discard,
            new OverlayEvents()
            {
            }, new Random(1), LeaseAuthority.OPEN);
        node.join(new long[0], 0);
        final long before = heapAfterCollection();
        long messages = 0;
        for (long now = 0; now < 600_000; now += 10)
        {
            for (int i = 0; i < 2; i++)
            {
                final byte[] m = message(now);
                messages++;
                if (random.nextBoolean())
                {
                    node.onDirect(MEMBER, m, 0, m.length, now);
                }
                else
                {
                    node.onRouted(random.nextInt(4) == 0 ? addr(0x40) : address(), m, 0, m.length, now);
                }
            }
            if (now % 100 == 0)
            {
                node.tick(now);
                node.deliverQueued(now);
            }
        }
        final long grown = heapAfterCollection() - before;
        System.out.println("hostile member: " + messages + " messages in 600 simulated s; the node holds " +
            node.connections().size() + " connections, malformed " + node.malformed() + ", sent " + sent + " (" + toOthers + " to endpoints other than the member's)" +
            "; heap after a collection grew by " + (grown >> 10) + " KiB (bound " + (HEAP_BOUND_BYTES >> 20) + " MiB)");
        assertTrue(node.connections().size() <= OverlayNode.MAX_CONNECTIONS);
        // what the member can make the node send to others: Connect-To-Me answers (32 endpoints a
        // second) and link requests of at most 128 pending links with their retries (measured
        // 165 a second; on a secure node each new endpoint gets a few handshake messages instead)
        assertTrue(toOthers <= 600 * THIRD_PARTY_PER_SECOND, toOthers + " datagrams to others");
        assertTrue(grown < HEAP_BOUND_BYTES, "heap grew by " + grown + " bytes");
    }
}

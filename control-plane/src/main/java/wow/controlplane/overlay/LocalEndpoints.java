package wow.controlplane.overlay;

import wow.controlplane.overlay.wire.Messages;
import wow.controlplane.overlay.ring.Ring;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import wow.dataplane.transport.Endpoints;

/**
 * This node's endpoints: those it listens on, and those peers saw its datagrams come from (its
 * NAT's mappings), learned from their echoes; what it advertises is built from both. Owned by the
 * node's thread.
 */
final class LocalEndpoints
{
    private static final int MAX_ECHOED = 16;

    private final OverlayNode node;
    private long[] local;
    private final List<Long> learned = new ArrayList<>();
    private final LinkedHashMap<Long, Set<BigInteger>> echoes = new LinkedHashMap<>();

    LocalEndpoints(final OverlayNode node, final long[] local)
    {
        this.node = node;
        this.local = local.clone();
    }

    long[] local()
    {
        return local.clone();
    }

    List<Long> learned()
    {
        return Collections.unmodifiableList(learned);
    }

    /**
     * Takes new listen endpoints (the host moved): what the old NAT showed is forgotten.
     *
     * @return false if they are the ones already known.
     */
    boolean replace(final long[] endpoints)
    {
        if (Arrays.equals(endpoints, local))
        {
            return false;
        }
        local = endpoints.clone();
        echoes.clear();
        learned.clear();
        return true;
    }

    /**
     * Notes the endpoint a peer saw this node's datagrams come from. An endpoint is advertised once
     * two different peers saw it (one lying or stale peer cannot plant one); until any is confirmed,
     * the latest two are (a symmetric NAT's are never confirmed, and matter little).
     */
    void learn(final long observed, final byte[] by)
    {
        if (observed == 0 || Endpoints.isTcp(observed) || by == null || Linker.contains(local, observed))
        {
            return;
        }
        Set<BigInteger> who = echoes.get(observed);
        if (who == null)
        {
            if (echoes.size() >= MAX_ECHOED)
            {
                echoes.remove(echoes.keySet().iterator().next());
            }
            who = new HashSet<>();
            echoes.put(observed, who);
        }
        if (who.size() < 2 && who.add(Ring.value(by)))
        {
            final List<Long> confirmed = new ArrayList<>();
            final List<Long> single = new ArrayList<>();
            for (final Map.Entry<Long, Set<BigInteger>> e : echoes.entrySet())
            {
                (e.getValue().size() >= 2 ? confirmed : single).add(e.getKey());
            }
            final List<Long> now = confirmed.isEmpty() ? single.subList(Math.max(0, single.size() - 2), single.size()) :
                confirmed.subList(Math.max(0, confirmed.size() - (Messages.MAX_ENDPOINTS - 2)), confirmed.size());
            for (final long e : now)
            {
                if (!learned.contains(e))
                {
                    node.events.onEndpointLearned(e);
                }
            }
            learned.clear();
            learned.addAll(now);
        }
    }

    /** @return this node's endpoints to advertise: learned (NAT) ones and local ones. */
    long[] advertised()
    {
        final List<Long> all = new ArrayList<>(learned);
        for (final long e : local)
        {
            if (!all.contains(e))
            {
                all.add(e);
            }
        }
        final int n = Math.min(all.size(), Messages.MAX_ENDPOINTS);
        final long[] out = new long[n];
        for (int i = 0; i < n; i++)
        {
            out[i] = all.get(i);
        }
        return out;
    }

    /** @return this node as peers should know it. */
    Messages.Peer me()
    {
        return new Messages.Peer(node.address, node.virtualIp, advertised(), node.sender.ownKey());
    }

    /**
     * @return a peer as this node knows it: the endpoint this node hears it from (its NAT's mapping
     * toward us, which it may not know yet) first, then what it advertises; with its key where a
     * direct link's session proved it.
     */
    Messages.Peer peer(final Connection c)
    {
        final List<Long> eps = new ArrayList<>();
        if (c.via == null && c.endpoint != 0 && !Endpoints.isTcp(c.endpoint))
        {
            eps.add(c.endpoint);
        }
        if (c.endpoints != null)
        {
            for (final long e : c.endpoints)
            {
                if (!eps.contains(e) && eps.size() < Messages.MAX_ENDPOINTS)
                {
                    eps.add(e);
                }
            }
        }
        if (eps.isEmpty() && c.endpoint != 0)
        {
            eps.add(c.endpoint);
        }
        return new Messages.Peer(c.address, c.virtualIp, eps.stream().mapToLong(Long::longValue).toArray(),
            c.via == null && c.endpoint != 0 ? node.sender.peerKey(c.endpoint, c.address) : Messages.NO_KEY);
    }
}

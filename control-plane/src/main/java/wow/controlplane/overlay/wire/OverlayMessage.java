package wow.controlplane.overlay.wire;

import java.util.List;

/**
 * One decoded overlay message: a record per kind, each with exactly the fields its wire format
 * carries ({@link Messages} has the layouts and the codec). Immutable; made and read on the
 * node's thread.
 */
public sealed interface OverlayMessage permits OverlayMessage.LinkHandshake, OverlayMessage.Ping, OverlayMessage.Close,
    OverlayMessage.PairEnd, OverlayMessage.Unreachable, OverlayMessage.CtmRequest, OverlayMessage.CtmReply,
    OverlayMessage.Neighbours, OverlayMessage.Probe, OverlayMessage.DhtGet, OverlayMessage.DhtReply,
    OverlayMessage.Forward, OverlayMessage.EndToEnd, OverlayMessage.AboutPeer, OverlayMessage.LeaseReply, Messages.LeaseOp,
    Messages.LeaseHeld
{
    /** @return the message type ({@link Messages#LINK_REQUEST} ...). */
    int type();

    /** LINK_REQUEST or LINK_REPLY: the sender's id for the link and how it was seen. */
    record LinkHandshake(int type, int connectionTypes, int linkId, int virtualIp, byte[] address, long observed,
        long[] endpoints)
        implements OverlayMessage
    {
    }

    /** PING or PONG: a keepalive, with what the sender uses the link for and the endpoint it saw. */
    record Ping(int type, int connectionTypes, byte[] address, long observed) implements OverlayMessage
    {
    }

    /** CLOSE: the sender drops the link. */
    record Close(byte[] address) implements OverlayMessage
    {
        @Override
        public int type()
        {
            return Messages.CLOSE;
        }
    }

    /** RELAY_DENY or RELAY_END, naming the other end of a relayed pair. */
    record PairEnd(int type, byte[] other) implements OverlayMessage
    {
    }

    /** UNREACHABLE: a data packet from the receiver could not reach this ring address. */
    record Unreachable(byte[] address) implements OverlayMessage
    {
        @Override
        public int type()
        {
            return Messages.UNREACHABLE;
        }
    }

    /** CTM_REQUEST: link to the requester; {@code via} is the node to return the reply through, or null. */
    record CtmRequest(int connectionTypes, int token, Messages.Peer requester, byte[] via) implements OverlayMessage
    {
        @Override
        public int type()
        {
            return Messages.CTM_REQUEST;
        }
    }

    /** CTM_REPLY: the responder and its neighbours near the requester. */
    record CtmReply(int connectionTypes, int token, Messages.Peer responder, List<Messages.Peer> near)
        implements OverlayMessage
    {
        @Override
        public int type()
        {
            return Messages.CTM_REPLY;
        }
    }

    /** NEIGHBOURS: the sender, then its near neighbours. */
    record Neighbours(List<Messages.Peer> peers) implements OverlayMessage
    {
        @Override
        public int type()
        {
            return Messages.NEIGHBOURS;
        }
    }

    /** PROBE or PROBE_REPLY. */
    record Probe(int type, int token, byte[] prober) implements OverlayMessage
    {
    }

    /** DHT_GET: a lookup; the answer goes to the requester. */
    record DhtGet(int token, byte[] key, byte[] requester) implements OverlayMessage
    {
        @Override
        public int type()
        {
            return Messages.DHT_GET;
        }
    }

    /** DHT_REPLY: a lookup's answer. */
    record DhtReply(int token, byte[] key, boolean found, int ttlSeconds, byte[] value) implements OverlayMessage
    {
        @Override
        public int type()
        {
            return Messages.DHT_REPLY;
        }
    }

    /** FORWARD: a Connect-To-Me reply to hand on to the receiver's link {@code to}. */
    /** A handshake message of an end-to-end session, for the node it was routed to. */
    record EndToEnd(byte[] handshake) implements OverlayMessage
    {
        @Override
        public int type()
        {
            return Messages.END_TO_END;
        }
    }

    /** A message for the node {@code to}, which the receiver sends over its link to it. */
    record Forward(byte[] to, byte[] message) implements OverlayMessage
    {
        @Override
        public int type()
        {
            return Messages.FORWARD;
        }
    }

    /** PUNCH, RELAY_REQUEST, RELAY_GRANT or RELAY_OPEN: about a peer; the token is a relay's link id where one goes. */
    record AboutPeer(int type, int connectionTypes, int token, Messages.Peer peer) implements OverlayMessage
    {
    }

    /**
     * LEASE_REPLY: a key's primary answers a lease operation; {@code holder} is the lease's owner and
     * {@code held} (a "taken" answer's proof; else null) the owner's signed operation that holds it.
     */
    record LeaseReply(int token, byte[] key, int result, byte[] holder, Messages.LeaseOp held) implements OverlayMessage
    {
        @Override
        public int type()
        {
            return Messages.LEASE_REPLY;
        }
    }
}

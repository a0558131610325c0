package wow.dataplane.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Splits a TCP connection's byte stream into the datagrams it carries (each a 16-bit big-endian
 * length and that many bytes) and hands each to a sink (the bridge, which sends it to the node's
 * UDP socket). A zero length is not a datagram: the frame is counted bad and the connection
 * closed. One per connection; its Netty event loop calls it.
 */
final class TcpDeframer extends ChannelInboundHandlerAdapter
{
    /** Where the datagrams go. */
    interface Sink
    {
        /** Takes a datagram (a pooled copy the sink releases, or hands on to be released). */
        void frame(ByteBuf datagram);

        /** The end of a read: what was handed on may be flushed. */
        void flush();
    }

    private final Sink sink;
    private final long[] lastActive;
    private final AtomicLong badFrames;
    private ByteBuf cumulation;

    /**
     * @param lastActive set to {@link System#nanoTime} on every read (the bridge's idle check).
     * @param badFrames  counts connections closed for a bad frame.
     */
    TcpDeframer(final Sink sink, final long[] lastActive, final AtomicLong badFrames)
    {
        this.sink = sink;
        this.lastActive = lastActive;
        this.badFrames = badFrames;
    }

    @Override
    public void channelRead(final ChannelHandlerContext ctx, final Object msg)
    {
        final ByteBuf in = (ByteBuf)msg;
        lastActive[0] = System.nanoTime();
        if (cumulation == null)
        {
            cumulation = ctx.alloc().buffer(Math.max(4096, in.readableBytes()));
        }
        cumulation.writeBytes(in);
        in.release();
        while (cumulation.readableBytes() >= 2)
        {
            final int length = cumulation.getUnsignedShort(cumulation.readerIndex());
            if (length == 0)
            {
                badFrames.incrementAndGet();
                ctx.close();
                return;
            }
            if (cumulation.readableBytes() < 2 + length)
            {
                break;
            }
            cumulation.skipBytes(2);
            // a copy (pooled): the cumulation is compacted below while writes may still be queued
            sink.frame(cumulation.readBytes(length));
        }
        cumulation.discardSomeReadBytes();
    }

    @Override
    public void channelReadComplete(final ChannelHandlerContext ctx)
    {
        sink.flush();
    }

    @Override
    public void channelInactive(final ChannelHandlerContext ctx)
    {
        if (cumulation != null)
        {
            cumulation.release();
            cumulation = null;
        }
    }

    @Override
    public void exceptionCaught(final ChannelHandlerContext ctx, final Throwable cause)
    {
        ctx.close(); // a reset or broken peer: the connection goes, the node goes on
    }
}

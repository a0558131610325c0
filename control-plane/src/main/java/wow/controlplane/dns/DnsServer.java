package wow.controlplane.dns;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.agrona.concurrent.status.AtomicCounter;

/**
 * The overlay's DNS server on the TAP host's side: a UDP socket on the node's virtual IP (bound
 * with {@code IP_FREEBIND}, so before the host's DHCP client configured the address) that
 * answers through a {@link DnsResponder}. Only the host itself is answered — queries from its own
 * address or loopback; any other source (another member, through the tunnel) is dropped and
 * counted, as are non-queries and queries beyond {@link #MAX_IN_FLIGHT} awaiting an answer. Owns
 * its socket and its one event-loop thread ({@code wow-dns}); {@link #bind} and {@link #close}
 * from any thread.
 */
public final class DnsServer implements AutoCloseable
{
    /** Queries awaiting the overlay's answer at a time; more are dropped (counted). */
    public static final int MAX_IN_FLIGHT = 256;

    private final DnsResponder responder;
    private final AtomicCounter answered;
    private final AtomicCounter dropped;
    private final EventLoopGroup group;
    private final AtomicInteger inFlight = new AtomicInteger();
    private volatile Channel channel;
    private volatile InetAddress boundTo;

    /**
     * @param answered counts responses sent.
     * @param dropped  counts datagrams not answered (not a query, not from this host, too many waiting).
     */
    public DnsServer(final DnsResponder responder, final AtomicCounter answered, final AtomicCounter dropped)
    {
        this.responder = responder;
        this.answered = answered;
        this.dropped = dropped;
        this.group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("wow-dns", true), EpollIoHandler.newFactory());
    }

    /**
     * Answers at {@code address:port} from now on (port 0: any free one), closing the socket of an
     * earlier address.
     *
     * @return the port bound.
     * @throws IllegalStateException naming the problem (the port is in use, no privilege for it).
     */
    public synchronized int bind(final InetAddress address, final int port)
    {
        final Channel before = channel;
        if (before != null)
        {
            before.close().awaitUninterruptibly();
            channel = null;
        }
        final ChannelFuture f = new Bootstrap()
            .group(group)
            .channel(EpollDatagramChannel.class)
            .option(EpollChannelOption.IP_FREEBIND, true)
            .handler(new SimpleChannelInboundHandler<DatagramPacket>()
            {
                @Override
                protected void channelRead0(final ChannelHandlerContext ctx, final DatagramPacket packet)
                {
                    onQuery(ctx.channel(), packet);
                }
            })
            .bind(new InetSocketAddress(address, port))
            .awaitUninterruptibly();
        if (!f.isSuccess())
        {
            throw new IllegalStateException("cannot answer DNS on " + address.getHostAddress() + ":" + port + ": " +
                f.cause().getMessage());
        }
        channel = f.channel();
        boundTo = address;
        return ((InetSocketAddress)channel.localAddress()).getPort();
    }

    /** @return true if a query from {@code from} is this host's own (its overlay address, loopback). */
    static boolean fromThisHost(final InetAddress from, final InetAddress bound)
    {
        return from.isLoopbackAddress() || from.equals(bound);
    }

    private void onQuery(final Channel ch, final DatagramPacket packet)
    {
        final InetAddress from = packet.sender().getAddress();
        if (!fromThisHost(from, boundTo) || inFlight.get() >= MAX_IN_FLIGHT)
        {
            dropped.increment();
            return;
        }
        final ByteBuf content = packet.content();
        final byte[] query = new byte[Math.min(content.readableBytes(), 512)];
        content.getBytes(content.readerIndex(), query);
        final CompletableFuture<byte[]> response = responder.respond(query, query.length);
        if (response == null)
        {
            dropped.increment();
            return;
        }
        inFlight.incrementAndGet();
        final InetSocketAddress to = packet.sender();
        response.whenComplete((bytes, failure) ->
        {
            inFlight.decrementAndGet();
            if (bytes != null && ch.isActive())
            {
                answered.increment();
                ch.writeAndFlush(new DatagramPacket(Unpooled.wrappedBuffer(bytes), to));
            }
            else
            {
                dropped.increment();
            }
        });
    }

    @Override
    public void close()
    {
        final Channel c = channel;
        if (c != null)
        {
            c.close().awaitUninterruptibly();
        }
        group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).awaitUninterruptibly();
    }
}

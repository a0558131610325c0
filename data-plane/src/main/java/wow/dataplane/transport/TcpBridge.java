package wow.dataplane.transport;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.SocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import wow.shim.Shim;
import wow.shim.UdpSocket;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The TCP transport (Netty native epoll, thread {@code wow-tcp}): carries the same datagrams as
 * UDP, each prefixed by its length (u16), for hosts whose UDP is blocked. Each TCP connection gets
 * a <em>bridge</em>: a UDP socket on this host that stands for the TCP peer, so the data plane
 * sends to and receives from TCP peers as if they were UDP endpoints (its batching stays as is):
 * frames read from TCP leave the bridge socket toward the node's UDP socket, and datagrams the
 * node sends to the bridge are written to TCP. The conductor maps a peer's TCP endpoint to its
 * bridge endpoint through the {@link Listener}. Bounded: {@link #MAX_CONNECTIONS} connections, a
 * connection idle for {@link #IDLE_MS} is closed. A TCP connection that cannot take more (its
 * queue above the high water mark) stops the reading of its bridge socket until it drains, so
 * datagrams wait in that socket's large buffer ({@link #BRIDGE_BUFFER_BYTES}) instead of being
 * dropped; only a datagram the kernel finds no room for is lost. Public methods are
 * thread-safe; listener calls come on {@code wow-tcp}.
 */
public final class TcpBridge implements AutoCloseable
{
    /** Most TCP connections at once. */
    public static final int MAX_CONNECTIONS = 1024;
    /** A connection with no traffic either way for this long is closed. */
    public static final long IDLE_MS = 60_000;
    private static final int MAX_FRAME = 65_535;
    /** Bytes queued on a TCP connection above which its bridge socket is not read (below the low mark: read again). */
    private static final WriteBufferWaterMark WATER_MARK = new WriteBufferWaterMark(1 << 20, 4 << 20);
    /** Receive and send buffer of a bridge socket: the datagrams that wait while TCP is slower than the data plane. */
    static final int BRIDGE_BUFFER_BYTES = 8 << 20;

    /** Told when a TCP peer becomes reachable through a bridge endpoint, and when it stops being. */
    public interface Listener
    {
        /** @param remote the peer's TCP endpoint ({@link Endpoints#TCP} set); @param bridge the UDP endpoint standing for it. */
        void opened(long remote, long bridge);

        void closed(long remote, long bridge);
    }

    private final EventLoopGroup group;
    private final InetAddress bindAddress;
    private final InetSocketAddress node;
    private final Listener listener;
    private final Map<Long, Channel> byRemote = new ConcurrentHashMap<>();
    private final Map<Long, Boolean> connecting = new ConcurrentHashMap<>();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong badFrames = new AtomicLong();
    private volatile Channel server;

    /**
     * @param nodeEndpoint the node's UDP endpoint (its data plane's socket); bridges bind to its
     *                     address (the loopback address when it listens on any).
     */
    public TcpBridge(final long nodeEndpoint, final Listener listener)
    {
        if (!Epoll.isAvailable())
        {
            throw new IllegalStateException("the TCP transport needs Netty epoll: " + Epoll.unavailabilityCause());
        }
        int address = UdpSocket.endpointAddress(nodeEndpoint);
        if (address == 0)
        {
            address = 0x7F000001;
        }
        this.bindAddress = inet(address);
        this.node = new InetSocketAddress(bindAddress, UdpSocket.endpointPort(nodeEndpoint));
        this.listener = listener;
        this.group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("wow-tcp", true), EpollIoHandler.newFactory());
    }

    /**
     * Accepts TCP peers at this endpoint (port 0: any free port).
     *
     * @return the TCP endpoint listened on.
     * @throws IllegalStateException naming the problem.
     */
    public long listen(final long endpoint)
    {
        final ChannelFuture f = new ServerBootstrap()
            .group(group)
            .channel(EpollServerSocketChannel.class)
            .option(ChannelOption.SO_REUSEADDR, true)
            .childOption(ChannelOption.TCP_NODELAY, true)
            .childOption(ChannelOption.AUTO_READ, false)
            .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, WATER_MARK)
            .childHandler(new ChannelInitializer<SocketChannel>()
            {
                @Override
                protected void initChannel(final SocketChannel ch)
                {
                    if (byRemote.size() >= MAX_CONNECTIONS)
                    {
                        ch.close();
                        dropped.incrementAndGet();
                        return;
                    }
                    final InetSocketAddress r = ch.remoteAddress();
                    attach(ch, Endpoints.tcp(toInt(r.getAddress()), r.getPort()));
                }
            })
            .bind(new InetSocketAddress(inet(UdpSocket.endpointAddress(Endpoints.plain(endpoint))),
                UdpSocket.endpointPort(Endpoints.plain(endpoint))))
            .awaitUninterruptibly();
        if (!f.isSuccess())
        {
            throw new IllegalStateException("cannot listen on " + Endpoints.toString(endpoint) + ": " + f.cause().getMessage());
        }
        server = f.channel();
        final InetSocketAddress bound = (InetSocketAddress)server.localAddress();
        return Endpoints.tcp(toInt(bound.getAddress()), bound.getPort());
    }

    /** Opens a TCP connection to a peer unless one is open or opening; {@link Listener#opened} follows. */
    public void connect(final long remote)
    {
        if (byRemote.containsKey(remote) || byRemote.size() >= MAX_CONNECTIONS || connecting.putIfAbsent(remote, true) != null)
        {
            return;
        }
        new Bootstrap()
            .group(group)
            .channel(EpollSocketChannel.class)
            .option(ChannelOption.TCP_NODELAY, true)
            .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 5_000)
            .option(ChannelOption.AUTO_READ, false)
            .option(ChannelOption.WRITE_BUFFER_WATER_MARK, WATER_MARK)
            .handler(new ChannelInboundHandlerAdapter())
            .connect(new InetSocketAddress(inet(UdpSocket.endpointAddress(Endpoints.plain(remote))),
                UdpSocket.endpointPort(Endpoints.plain(remote))))
            .addListener((ChannelFuture f) ->
            {
                connecting.remove(remote);
                if (f.isSuccess())
                {
                    attach(f.channel(), remote);
                }
            });
    }

    /** @return datagrams dropped (too long, not from the node, for a closed connection; connections over the limit). */
    public long dropped()
    {
        return dropped.get();
    }

    /** @return TCP frames that were malformed (zero length): their connection was closed. */
    public long badFrames()
    {
        return badFrames.get();
    }

    /** Binds the bridge socket for a new TCP connection and starts carrying both ways. */
    private void attach(final Channel tcp, final long remote)
    {
        final Channel old = byRemote.put(remote, tcp);
        if (old != null && old != tcp)
        {
            old.close();
        }
        final long[] lastActive = {System.nanoTime()};
        new Bootstrap()
            .group(tcp.eventLoop())
            .channel(EpollDatagramChannel.class)
            .handler(new ChannelInboundHandlerAdapter()
            {
                @Override
                public void channelRead(final ChannelHandlerContext ctx, final Object msg)
                {
                    final DatagramPacket p = (DatagramPacket)msg;
                    final ByteBuf content = p.content();
                    if (content.readableBytes() > MAX_FRAME || !p.sender().equals(node) || !tcp.isActive())
                    {
                        dropped.incrementAndGet();
                        p.release();
                        return;
                    }
                    if (!tcp.isWritable())
                    {
                        ctx.channel().config().setAutoRead(false); // back-pressure: resumed when TCP drains
                    }
                    lastActive[0] = System.nanoTime();
                    final ByteBuf frame = tcp.alloc().buffer(2 + content.readableBytes());
                    frame.writeShort(content.readableBytes()).writeBytes(content);
                    p.release();
                    tcp.write(frame, tcp.voidPromise());
                }

                @Override
                public void channelReadComplete(final ChannelHandlerContext ctx)
                {
                    tcp.flush();
                }
            })
            .bind(new InetSocketAddress(bindAddress, 0))
            .addListener((ChannelFuture f) ->
            {
                if (!f.isSuccess())
                {
                    tcp.close();
                    byRemote.remove(remote, tcp);
                    return;
                }
                final Channel bridge = f.channel();
                Shim.lib().wow_sock_buffers(((EpollDatagramChannel)bridge).fd().intValue(), BRIDGE_BUFFER_BYTES);
                final long bridgeEndpoint = UdpSocket.endpoint(toInt(bindAddress),
                    ((InetSocketAddress)bridge.localAddress()).getPort());
                tcp.pipeline().addLast(new ChannelInboundHandlerAdapter()
                {
                    @Override
                    public void channelWritabilityChanged(final ChannelHandlerContext ctx)
                    {
                        if (ctx.channel().isWritable())
                        {
                            bridge.config().setAutoRead(true);
                        }
                        ctx.fireChannelWritabilityChanged();
                    }
                });
                tcp.pipeline().addLast(new TcpDeframer(new TcpDeframer.Sink()
                {
                    @Override
                    public void frame(final ByteBuf datagram)
                    {
                        bridge.write(new DatagramPacket(datagram, node), bridge.voidPromise());
                    }

                    @Override
                    public void flush()
                    {
                        bridge.flush();
                    }
                }, lastActive, badFrames));
                tcp.closeFuture().addListener(x ->
                {
                    bridge.close();
                    byRemote.remove(remote, tcp);
                    listener.closed(remote, bridgeEndpoint);
                });
                final var idle = tcp.eventLoop().scheduleAtFixedRate(() ->
                {
                    if (System.nanoTime() - lastActive[0] > TimeUnit.MILLISECONDS.toNanos(IDLE_MS))
                    {
                        tcp.close();
                    }
                }, IDLE_MS, IDLE_MS / 4, TimeUnit.MILLISECONDS);
                tcp.closeFuture().addListener(x -> idle.cancel(false));
                tcp.config().setAutoRead(true);
                listener.opened(remote, bridgeEndpoint);
                if (!tcp.isActive())
                {
                    tcp.close();
                }
            });
    }

    @Override
    public void close()
    {
        final Channel s = server;
        if (s != null)
        {
            s.close().awaitUninterruptibly(1, TimeUnit.SECONDS);
        }
        for (final Channel c : byRemote.values())
        {
            c.close();
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(2, TimeUnit.SECONDS);
    }

    private static InetAddress inet(final int address)
    {
        try
        {
            return InetAddress.getByAddress(new byte[] {(byte)(address >>> 24), (byte)(address >>> 16), (byte)(address >>> 8),
                (byte)address});
        }
        catch (final UnknownHostException ex)
        {
            throw new IllegalArgumentException(ex);
        }
    }

    private static int toInt(final InetAddress address)
    {
        final byte[] b = address.getAddress();
        return b.length != 4 ? 0 : ((b[0] & 0xFF) << 24) | ((b[1] & 0xFF) << 16) | ((b[2] & 0xFF) << 8) | (b[3] & 0xFF);
    }
}

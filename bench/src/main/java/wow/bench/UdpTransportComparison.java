package wow.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.socket.DatagramPacket;
import wow.dataplane.QueueAgent;
import wow.dataplane.port.FrameBatch;
import wow.dataplane.port.OutList;
import wow.dataplane.port.ShimUdpPort;
import wow.dataplane.port.UdpPort;
import wow.shim.UdpSocket;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Measures the two candidate UDP paths of the data plane on loopback, each direction on its own:
 * batched receive (the shim's recvmmsg into an off-heap batch vs Netty epoll's recvmmsg into
 * pooled ByteBufs) and batched send (the shim's sendmmsg from an off-heap list vs Netty writing
 * 64 DatagramPackets and flushing them as one sendmmsg). The other end of each test is the shim.
 * Prints datagrams per second. Run: {@code java -cp bench/target/wow-bench.jar wow.bench.UdpTransportComparison}.
 */
public final class UdpTransportComparison
{
    static final int SECONDS = Integer.getInteger("seconds", 3);

    private UdpTransportComparison()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        if (!Epoll.isAvailable())
        {
            throw new IllegalStateException("Netty epoll is not available: " + Epoll.unavailabilityCause());
        }
        final Inet4Address lo = (Inet4Address)InetAddress.getByName("127.0.0.1");
        System.out.printf("%-32s %8s %14s %10s%n", "path", "payload", "datagrams/s", "Gbit/s");
        for (final int payload : new int[] {64, 1400})
        {
            report("receive: shim recvmmsg", payload, receiveShim(lo, payload));
            report("receive: netty epoll recvmmsg", payload, receiveNetty(lo, payload));
            report("send: shim sendmmsg", payload, sendShim(lo, payload));
            report("send: netty epoll sendmmsg", payload, sendNetty(lo, payload));
        }
    }

    static void report(final String path, final int payload, final double pps)
    {
        System.out.printf("%-32s %8d %14.0f %10.2f%n", path, payload, pps, pps * payload * 8 / 1e9);
    }

    /** Blasts datagrams at a port from a shim socket until stopped. */
    static Thread blaster(final Inet4Address lo, final int port, final int payload, final AtomicBoolean running)
    {
        final Thread t = new Thread(() ->
        {
            try (UdpSocket socket = UdpSocket.open(lo, 0, false))
            {
                final UdpPort udp = new ShimUdpPort(socket);
                final FrameBatch batch = new FrameBatch(QueueAgent.BATCH, 2048);
                final OutList out = new OutList(QueueAgent.BATCH);
                out.reset();
                for (int i = 0; i < QueueAgent.BATCH; i++)
                {
                    out.add(batch.buffer(), batch.dataOffset(i), payload, UdpSocket.endpoint(0x7F000001, port));
                }
                final UdpPort.SendResult result = new UdpPort.SendResult();
                while (running.get())
                {
                    if (udp.send(out, 0, result) == 0)
                    {
                        udp.awaitWritable(1);
                    }
                }
            }
        }, "blaster");
        t.start();
        return t;
    }

    static double receiveShim(final Inet4Address lo, final int payload) throws Exception
    {
        try (UdpSocket socket = UdpSocket.open(lo, 0, false))
        {
            final AtomicBoolean running = new AtomicBoolean(true);
            final Thread blaster = blaster(lo, socket.port(), payload, running);
            final UdpPort udp = new ShimUdpPort(socket);
            final FrameBatch batch = new FrameBatch(QueueAgent.BATCH, 2048);
            final long warm = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
            while (System.nanoTime() < warm)
            {
                udp.receive(batch);
            }
            long received = 0;
            final long start = System.nanoTime();
            final long end = start + TimeUnit.SECONDS.toNanos(SECONDS);
            long now;
            while ((now = System.nanoTime()) < end)
            {
                received += udp.receive(batch);
            }
            running.set(false);
            blaster.join();
            return received / ((now - start) / 1e9);
        }
    }

    static double receiveNetty(final Inet4Address lo, final int payload) throws Exception
    {
        final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        final AtomicLong received = new AtomicLong();
        try
        {
            final Channel channel = new Bootstrap()
                .group(group)
                .channel(EpollDatagramChannel.class)
                .option(ChannelOption.SO_RCVBUF, UdpSocket.DEFAULT_BUFFER_BYTES)
                .option(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
                .option(EpollChannelOption.MAX_DATAGRAM_PAYLOAD_SIZE, 2048)
                .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(2048 * QueueAgent.BATCH))
                .handler(new SimpleChannelInboundHandler<DatagramPacket>()
                {
                    @Override
                    protected void channelRead0(final ChannelHandlerContext ctx, final DatagramPacket msg)
                    {
                        received.lazySet(received.get() + 1);
                    }
                })
                .bind(new InetSocketAddress(lo, 0)).sync().channel();
            final int port = ((InetSocketAddress)channel.localAddress()).getPort();
            final AtomicBoolean running = new AtomicBoolean(true);
            final Thread blaster = blaster(lo, port, payload, running);
            Thread.sleep(1000);
            final long r0 = received.get();
            final long start = System.nanoTime();
            Thread.sleep(TimeUnit.SECONDS.toMillis(SECONDS));
            final long r1 = received.get();
            final long elapsed = System.nanoTime() - start;
            running.set(false);
            blaster.join();
            channel.close().sync();
            return (r1 - r0) / (elapsed / 1e9);
        }
        finally
        {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    /** Drains a shim socket on its own thread so that the sender's rate is what is measured. */
    static Thread drain(final UdpSocket socket, final AtomicBoolean running)
    {
        final Thread t = new Thread(() ->
        {
            final UdpPort udp = new ShimUdpPort(socket);
            final FrameBatch batch = new FrameBatch(QueueAgent.BATCH, 2048);
            while (running.get())
            {
                udp.receive(batch);
            }
        }, "drain");
        t.start();
        return t;
    }

    static double sendShim(final Inet4Address lo, final int payload) throws Exception
    {
        try (UdpSocket sink = UdpSocket.open(lo, 0, false); UdpSocket socket = UdpSocket.open(lo, 0, false))
        {
            final AtomicBoolean running = new AtomicBoolean(true);
            final Thread drain = drain(sink, running);
            final UdpPort udp = new ShimUdpPort(socket);
            final FrameBatch batch = new FrameBatch(QueueAgent.BATCH, 2048);
            final OutList out = new OutList(QueueAgent.BATCH);
            out.reset();
            for (int i = 0; i < QueueAgent.BATCH; i++)
            {
                out.add(batch.buffer(), batch.dataOffset(i), payload, UdpSocket.endpoint(0x7F000001, sink.port()));
            }
            final UdpPort.SendResult result = new UdpPort.SendResult();
            final long warm = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
            while (System.nanoTime() < warm)
            {
                udp.send(out, 0, result);
            }
            long sent = 0;
            final long start = System.nanoTime();
            final long end = start + TimeUnit.SECONDS.toNanos(SECONDS);
            long now;
            while ((now = System.nanoTime()) < end)
            {
                sent += udp.send(out, 0, result);
            }
            running.set(false);
            drain.join();
            return sent / ((now - start) / 1e9);
        }
    }

    static double sendNetty(final Inet4Address lo, final int payload) throws Exception
    {
        final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        try (UdpSocket sink = UdpSocket.open(lo, 0, false))
        {
            final AtomicBoolean running = new AtomicBoolean(true);
            final Thread drain = drain(sink, running);
            final Channel channel = new Bootstrap()
                .group(group)
                .channel(EpollDatagramChannel.class)
                .option(ChannelOption.SO_SNDBUF, UdpSocket.DEFAULT_BUFFER_BYTES)
                .option(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
                .handler(new SimpleChannelInboundHandler<DatagramPacket>()
                {
                    @Override
                    protected void channelRead0(final ChannelHandlerContext ctx, final DatagramPacket msg)
                    {
                    }
                })
                .bind(new InetSocketAddress(lo, 0)).sync().channel();
            final InetSocketAddress to = new InetSocketAddress(lo, sink.port());
            final AtomicLong sent = new AtomicLong();
            final AtomicLongArray window = new AtomicLongArray(2);
            final Runnable[] burst = new Runnable[1];
            final long warmEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
            burst[0] = () ->
            {
                final long now = System.nanoTime();
                if (window.get(0) == 0 && now >= warmEnd)
                {
                    window.set(0, now);
                    sent.set(0);
                }
                if (window.get(0) != 0 && now - window.get(0) >= TimeUnit.SECONDS.toNanos(SECONDS))
                {
                    window.set(1, now);
                    return;
                }
                if (channel.isWritable())
                {
                    for (int i = 0; i < QueueAgent.BATCH; i++)
                    {
                        final ByteBuf buf = channel.alloc().directBuffer(payload).writeZero(payload);
                        channel.write(new DatagramPacket(buf, to), channel.voidPromise());
                    }
                    channel.flush();
                    sent.addAndGet(QueueAgent.BATCH);
                }
                channel.eventLoop().execute(burst[0]);
            };
            channel.eventLoop().execute(burst[0]);
            while (window.get(1) == 0)
            {
                Thread.sleep(50);
            }
            channel.close().sync();
            running.set(false);
            drain.join();
            return sent.get() / ((window.get(1) - window.get(0)) / 1e9);
        }
        finally
        {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }
}

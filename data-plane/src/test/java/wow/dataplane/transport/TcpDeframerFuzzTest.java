package wow.dataplane.transport;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Fuzz target (Jazzer) for the TCP transport's framing: any byte stream, cut into reads of any
 * sizes, yields exactly the datagrams its length prefixes delimit, in order, up to the first zero
 * length (which closes the connection and is counted), never an exception and never a leaked
 * buffer. {@code mvn verify} runs it once; {@code JAZZER_FUZZ=1} fuzzes (see the README).
 */
class TcpDeframerFuzzTest
{
    @FuzzTest(maxDuration = "30s")
    void tcpFraming(final FuzzedDataProvider data)
    {
        final int readSize = data.consumeInt(1, 3_000);
        final byte[] stream = data.consumeRemainingAsBytes();
        final List<byte[]> got = new ArrayList<>();
        final AtomicLong bad = new AtomicLong();
        final EmbeddedChannel channel = new EmbeddedChannel(new TcpDeframer(new TcpDeframer.Sink()
        {
            @Override
            public void frame(final ByteBuf datagram)
            {
                got.add(ByteBufUtil.getBytes(datagram));
                datagram.release();
            }

            @Override
            public void flush()
            {
            }
        }, new long[1], bad));
        for (int at = 0; at < stream.length && channel.isOpen(); at += readSize)
        {
            channel.writeInbound(Unpooled.copiedBuffer(stream, at, Math.min(readSize, stream.length - at)));
        }
        channel.finishAndReleaseAll();

        final List<byte[]> want = new ArrayList<>();
        boolean zero = false;
        int at = 0;
        while (stream.length - at >= 2)
        {
            final int length = (stream[at] & 0xFF) << 8 | stream[at + 1] & 0xFF;
            if (length == 0)
            {
                zero = true;
                break;
            }
            if (stream.length - at - 2 < length)
            {
                break;
            }
            want.add(Arrays.copyOfRange(stream, at + 2, at + 2 + length));
            at += 2 + length;
        }
        if (got.size() != want.size() || bad.get() != (zero ? 1 : 0))
        {
            throw new IllegalStateException(got.size() + " datagrams and " + bad.get() + " bad frames; the stream holds " +
                want.size() + (zero ? " and a zero length" : ""));
        }
        for (int i = 0; i < got.size(); i++)
        {
            if (!Arrays.equals(got.get(i), want.get(i)))
            {
                throw new IllegalStateException("datagram " + i + " differs");
            }
        }
    }
}

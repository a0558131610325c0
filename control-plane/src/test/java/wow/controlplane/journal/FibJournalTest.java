package wow.controlplane.journal;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import wow.dataplane.fib.Fib;
import wow.dataplane.protocol.Ipv4;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FibJournalTest
{
    static byte[] addr(final int b)
    {
        final byte[] a = new byte[20];
        a[0] = (byte)b;
        return a;
    }

    static Fib fib(final long version, final int routes)
    {
        final Fib.Builder b = new Fib.Builder(Ipv4.parse("10.3.0.1"), 24, addr(1))
            .link(addr(0x40), Ipv4.parse("10.3.0.4"), 99, 5, 6, new int[] {-1, -1, -1, -1});
        for (int i = 0; i < routes; i++)
        {
            b.route(Ipv4.parse("10.3.0." + (4 + i)), addr(0x40 + i));
        }
        return b.build(version);
    }

    @Test
    void anotherReaderSeesEveryVersionTheLatestAndAnyPastOne(@TempDir final Path dir) throws Exception
    {
        try (FibJournal writer = FibJournal.openForWriting(dir, 24))
        {
            writer.append(FibRecord.of(fib(2, 1), 1_000, "start", new String[] {"[near]"}));
            writer.append(FibRecord.of(fib(3, 2), 2_000, "link_up", new String[] {"[near]"}));
            writer.append(FibRecord.of(fib(4, 3), 3_000, "resolution", new String[] {"[near]"}));
            try (FibJournal reader = FibJournal.openForReading(dir))
            {
                final FibRecord latest = reader.latest();
                assertEquals(4, latest.version());
                assertEquals("resolution", latest.reason());
                assertEquals(3, latest.entries().size());
                assertTrue(latest.entries().get(0).direct());
                assertEquals("[near]", latest.entries().get(0).linkType());
                assertEquals(false, latest.entries().get(1).direct(), "10.3.0.5 is reached through the link to 0x40");

                assertEquals(3, reader.find(3, -1).version());
                assertEquals(3, reader.find(-1, 2_500).version(), "the version in force at t=2.5 s");
                assertNull(reader.find(9, -1));
                assertNull(reader.find(-1, 500));

                final String json = latest.toJson();
                assertTrue(json.startsWith("{\"version\":4,\"time\":\"1970-01-01T00:00:03Z\",\"reason\":\"resolution\",\"entries\":[{"));
                assertTrue(json.contains("\"virtual_ip\":\"10.3.0.4\"") && json.contains("\"kind\":\"direct\"") &&
                    json.contains("\"kind\":\"routed\"") && json.contains("\"endpoint\":\"0.0.0.0:99\""), json);

                final List<Long> followed = new ArrayList<>();
                final AtomicBoolean running = new AtomicBoolean(true);
                final Thread follower = new Thread(() ->
                {
                    try
                    {
                        reader.follow(r ->
                        {
                            followed.add(r.version());
                            running.set(false);
                        }, running::get);
                    }
                    catch (final InterruptedException ignored)
                    {
                        Thread.currentThread().interrupt();
                    }
                });
                follower.start();
                Thread.sleep(200);
                writer.append(FibRecord.of(fib(5, 1), 4_000, "link_down", new String[] {"[near]"}));
                follower.join(10_000);
                assertEquals(List.of(5L), followed, "--follow sees the new version, not the old ones");
            }
        }
    }

    @Test
    void namesAMissingJournal(@TempDir final Path dir)
    {
        final IllegalStateException ex = assertThrows(IllegalStateException.class, () -> FibJournal.openForReading(dir));
        assertTrue(ex.getMessage().startsWith("no FIB journal at "));
    }

    @Test
    void aCorruptRecordIsNamedNeverAHugeAllocation()
    {
        final net.openhft.chronicle.bytes.Bytes<java.nio.ByteBuffer> b = net.openhft.chronicle.bytes.Bytes.elasticHeapByteBuffer(64);
        b.writeLong(7).writeLong(1_000).write8bit("links_changed").writeInt(Integer.MAX_VALUE).writeInt(1);
        final IllegalArgumentException counted = assertThrows(IllegalArgumentException.class, () -> FibRecord.decode(b));
        assertTrue(counted.getMessage().startsWith("corrupt journal record"), counted.getMessage());
        final net.openhft.chronicle.bytes.Bytes<java.nio.ByteBuffer> cut = net.openhft.chronicle.bytes.Bytes.elasticHeapByteBuffer(64);
        cut.writeLong(7).writeLong(1_000).write8bit("links_changed").writeInt(1).writeInt(0x0A000001).write(new byte[10]);
        assertThrows(IllegalArgumentException.class, () -> FibRecord.decode(cut));
        final net.openhft.chronicle.bytes.Bytes<byte[]> empty = net.openhft.chronicle.bytes.Bytes.wrapForRead(new byte[3]);
        assertThrows(IllegalArgumentException.class, () -> FibRecord.decode(empty));
        // found by the fuzz target: a text length no record holds crashed the JVM in Chronicle's own reader
        final byte[] crash = new byte[20];
        java.util.Arrays.fill(crash, (byte)0xFF);
        crash[19] = 0x2A;
        assertThrows(IllegalArgumentException.class, () -> FibRecord.decode(net.openhft.chronicle.bytes.Bytes.wrapForRead(crash)));
    }
}

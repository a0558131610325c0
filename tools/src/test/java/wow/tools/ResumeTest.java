package wow.tools;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** A restarted overlay node starts from the virtual-IP routes of its last journaled FIB. */
class ResumeTest
{
    @Test
    @Timeout(60)
    void aRestartedNodeResumesItsRoutesFromTheJournal(@TempDir final Path dir) throws Exception
    {
        final PrintStream quiet = new PrintStream(new ByteArrayOutputStream());
        final Path b = dir.resolve("b");
        try (Node seed = Node.start(NodeCommand.parse(new String[] {"--insecure", "--listen", "127.0.0.1:46201", "--no-tap", "--ip",
            "10.6.0.1/24", "--threading", "shared", "--state-dir", dir.resolve("a").toString()}), quiet))
        {
            final String[] argsB = {"--insecure", "--listen", "127.0.0.1:46202", "--no-tap", "--ip", "10.6.0.2/24", "--threading", "shared",
                "--seed", "127.0.0.1:46201", "--state-dir", b.toString()};
            try (Node first = Node.start(NodeCommand.parse(argsB), quiet))
            {
                String dump = "";
                final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                while (System.nanoTime() < deadline && !dump.contains("10.6.0.1"))
                {
                    Thread.sleep(100);
                    dump = FibDumpTest.run("fib", "dump", "--state-dir", b.toString(), "--json");
                }
                assertTrue(dump.contains("\"virtual_ip\":\"10.6.0.1\""), dump);
            }
            final ByteArrayOutputStream log = new ByteArrayOutputStream();
            try (Node again = Node.start(NodeCommand.parse(argsB), new PrintStream(log, true, StandardCharsets.UTF_8)))
            {
                final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (System.nanoTime() < deadline && !log.toString(StandardCharsets.UTF_8).contains("reason=resume"))
                {
                    Thread.sleep(50);
                }
                final String text = log.toString(StandardCharsets.UTF_8);
                assertTrue(text.contains("resumed fib_version=") && text.contains("routes=1"), text);
                assertTrue(text.contains("fib_published version=") && text.contains("reason=resume"), text);
                // versions go on from the journal's: one number names one table
                final long resumed = Long.parseLong(text.replaceAll("(?s).*resumed fib_version=(\\d+).*", "$1"));
                final long first = Long.parseLong(text.replaceAll("(?s).*?fib_published version=(\\d+).*", "$1"));
                assertTrue(first > resumed, "first version " + first + " after the journal's " + resumed + "\n" + text);
            }
        }
    }
}

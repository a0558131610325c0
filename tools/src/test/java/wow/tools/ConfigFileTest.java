package wow.tools;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import wow.dataplane.protocol.Ipv4;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConfigFileTest
{
    static Path write(final Path dir, final String text) throws Exception
    {
        final Path file = dir.resolve("wow.yaml");
        Files.writeString(file, text);
        return file;
    }

    static String error(final String... argv)
    {
        return assertThrows(UsageException.class, () -> NodeCommand.parseWithConfig(argv)).getMessage();
    }

    @Test
    void everyOptionIsAKeyAndFlagsWin(@TempDir final Path dir) throws Exception
    {
        final Path file = write(dir, "listen: 127.0.0.1:7000\nip: 10.9.0.1/16\nseed: [127.0.0.1:7001, 127.0.0.1:7002]\n" +
            "queues: 2\nno-tap: false\noffload: off\ninsecure: true\n");
        final NodeConfig c = NodeCommand.parseWithConfig(new String[] {"--config", file.toString(), "--queues", "3"});
        assertEquals(Ipv4.parse("127.0.0.1"), c.listenAddress());
        assertEquals(7000, c.listenPort());
        assertEquals(Ipv4.parse("10.9.0.1"), c.virtualIp());
        assertEquals(2, c.seeds().length);
        assertEquals(3, c.queues(), "the command line wins");
        assertEquals(false, c.offload());
        final NodeConfig replaced = NodeCommand.parseWithConfig(new String[] {"--config", file.toString(), "--seed", "127.0.0.1:9"});
        assertEquals(1, replaced.seeds().length, "a repeated option on the command line replaces the file's list");
    }

    @Test
    void theExampleFileIsValidAndPrintConfigRoundTrips(@TempDir final Path dir) throws Exception
    {
        final Path example = Path.of(System.getProperty("wow.launcher", "wow")).resolveSibling("wow.example.yaml");
        final Path file = Files.exists(example) ? example : Path.of("wow.example.yaml");
        final NodeConfig c = NodeCommand.parseWithConfig(new String[] {"--config", file.toString()});
        assertEquals(3, c.seeds().length);
        assertTrue(wow.dataplane.transport.Endpoints.isTcp(c.seeds()[2]), "a tcp:// seed");
        assertEquals(5000, c.relayMbps());
        assertEquals(3000, c.keepaliveMs());
        assertEquals("127.0.0.1", c.metricsHost());
        final String printed = NodeCommand.printConfig(c);
        final NodeConfig again = NodeCommand.parseWithConfig(new String[] {"--config", write(dir, printed).toString()});
        assertEquals(NodeCommand.printConfig(again), printed);
        assertArrayEquals(c.seeds(), again.seeds());
    }

    @Test
    void errorsNameTheFileTheLineAndTheKey(@TempDir final Path dir) throws Exception
    {
        final Path file = write(dir, "listen: 127.0.0.1:7000\nqueues: many\nip: 10.9.0.1/16\n");
        assertEquals("config " + file + " line 2: key 'queues': bad queues 'many': expected an integer from 1 to 64",
            error("--config", file.toString()));
        write(dir, "listen: 127.0.0.1:7000\n\nbogus: 1\n");
        assertEquals("config " + file + " line 3: unknown key 'bogus'", error("--config", file.toString()));
        write(dir, "listen: 127.0.0.1:7000\nlisten: 127.0.0.1:7001\n");
        assertEquals("config " + file + " line 2: key 'listen' given twice", error("--config", file.toString()));
        write(dir, "listen: [127.0.0.1:7000\n");
        assertTrue(error("--config", file.toString()).startsWith("config " + file + " line 2: not valid YAML"));
        write(dir, "no-tap: maybe\n");
        assertEquals("config " + file + " line 1: key 'no-tap' takes true or false", error("--config", file.toString()));
        assertTrue(error("--config", dir.resolve("missing.yaml").toString()).startsWith("cannot read config "));
        // found by the fuzz target: a bad tag made SnakeYAML throw IllegalArgumentException, and a
        // problem quoting a control character printed more than one line
        write(dir, "!%D");
        assertTrue(error("--config", file.toString()).startsWith("config " + file + ": not valid YAML"));
        write(dir, "*\n");
        assertTrue(error("--config", file.toString()).chars().noneMatch(Character::isISOControl));
        write(dir, "\"a\\u001b[2Jb\": 1\n");
        final String quoted = error("--config", file.toString());
        assertTrue(quoted.contains("\\u001b") && quoted.chars().noneMatch(Character::isISOControl), quoted);
    }
}

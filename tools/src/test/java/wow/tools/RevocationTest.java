package wow.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import wow.controlplane.NodeStatus;
import wow.controlplane.security.CertificateAuthority;

/**
 * Integration: four router nodes of one CA over loopback; {@code wow revoke} hands one of them a
 * list revoking another; within 30 s no member has a link to the revoked node, which is linked to
 * no one, and a node started afterwards (from its state directory) still refuses it.
 */
class RevocationTest
{
    @Test
    @Timeout(90)
    void aRevokedMemberIsCutOffByEveryMember(@TempDir final Path dir) throws Exception
    {
        final long now = System.currentTimeMillis() / 1000;
        final CertificateAuthority ca = CertificateAuthority.init(dir.resolve("ca"), "loop", 0x0A000000, 8, 10, now);
        final ByteArrayOutputStream logs = new ByteArrayOutputStream();
        final PrintStream log = new PrintStream(logs, true, StandardCharsets.UTF_8);
        final List<Node> nodes = new ArrayList<>();
        try
        {
            for (int i = 0; i < 4; i++)
            {
                final List<String> args = new ArrayList<>(List.of("--listen", "127.0.0.1:0", "--no-tap", "--threading", "shared",
                    "--state-dir", dir.resolve("n" + i).toString(), "--cert", OverlayLoopbackTest.bundle(ca, dir, "n" + i, now)));
                if (i > 0)
                {
                    args.addAll(List.of("--seed", "127.0.0.1:" + nodes.get(0).port()));
                }
                nodes.add(Node.start(NodeCommand.parse(args.toArray(new String[0])), log));
            }
            final byte[] revoked = nodes.get(3).overlay().status().address();
            waitUntil(() -> linkedTo(nodes.get(1), revoked) && linkedTo(nodes.get(0), revoked), 30);

            final Path list = dir.resolve("n3.crl");
            assertEquals(0, Main.run(new String[] {"ca", "revoke", "--dir", dir.resolve("ca").toString(), "--name", "n3",
                "--out", list.toString()}));
            assertEquals(0, Main.run(new String[] {"revoke", list.toString(), "--state-dir", dir.resolve("n1").toString()}));
            final long handed = System.nanoTime();
            waitUntil(() -> !linkedTo(nodes.get(0), revoked) && !linkedTo(nodes.get(1), revoked) &&
                !linkedTo(nodes.get(2), revoked) && nodes.get(3).overlay().status().connections().isEmpty(), 30);
            System.out.printf("revoked member cut off by every member %d ms after wow revoke%n",
                (System.nanoTime() - handed) / 1_000_000);
            assertTrue(logs.toString(StandardCharsets.UTF_8).contains("session_revoked"), logs.toString(StandardCharsets.UTF_8));
            // n2 learnt the list from its peers and holds it already; a file that is not a list: one line
            assertEquals(0, Main.run(new String[] {"revoke", list.toString(), "--state-dir", dir.resolve("n2").toString()}));
            assertEquals(1, Main.run(new String[] {"revoke", dir.resolve("ca").resolve("ca.crt").toString(), "--state-dir",
                dir.resolve("n2").toString()}));
            // a member restarted from its state directory still refuses the revoked one
            nodes.get(2).close();
            nodes.set(2, Node.start(NodeCommand.parse(new String[] {"--listen", "127.0.0.1:0", "--no-tap", "--threading", "shared",
                "--state-dir", dir.resolve("n2").toString(), "--cert", dir.resolve("n2.bundle").toString(), "--seed",
                "127.0.0.1:" + nodes.get(0).port()}), log));
            Thread.sleep(4_000);
            assertTrue(!linkedTo(nodes.get(2), revoked) && nodes.get(3).overlay().status().connections().isEmpty());
        }
        finally
        {
            nodes.forEach(Node::close);
        }
    }

    private static boolean linkedTo(final Node node, final byte[] address)
    {
        for (final NodeStatus.PeerStatus c : node.overlay().status().connections())
        {
            if (java.util.Arrays.equals(c.peerAddress(), address))
            {
                return true;
            }
        }
        return false;
    }

    private static void waitUntil(final java.util.function.BooleanSupplier condition, final int seconds) throws Exception
    {
        final long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() > deadline)
            {
                throw new AssertionError("not within " + seconds + " s");
            }
            Thread.sleep(200);
        }
    }
}

package wow.tools;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import wow.controlplane.EventLog;
import wow.controlplane.security.Pem;
import wow.controlplane.security.RevocationList;
import wow.controlplane.security.AtomicFile;
import wow.controlplane.session.Revocations;

/**
 * A node's revocation lists in {@code STATE_DIR/revocations}: one {@code ISSUER.crl} per CA, the
 * newest the node took (read back at start, so a restarted node refuses revoked peers at once),
 * and {@code incoming-*.crl} files {@code wow revoke} drops there for a running node, which its
 * status thread hands to the conductor once a second. Methods run on the thread that starts the
 * node (load), the conductor thread (store) and the status thread (collect).
 */
final class RevocationStore
{
    static final String DIR = "revocations";
    static final String INCOMING = "incoming-";

    private final Path dir;
    private final EventLog log;

    RevocationStore(final Path stateDir, final EventLog log)
    {
        this.dir = stateDir.resolve(DIR);
        this.log = log;
    }

    /** @return the lists kept from earlier runs. */
    List<RevocationList> load()
    {
        final List<RevocationList> lists = new ArrayList<>();
        if (!Files.isDirectory(dir))
        {
            return lists;
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.crl"))
        {
            for (final Path file : files)
            {
                if (!file.getFileName().toString().startsWith(INCOMING))
                {
                    final RevocationList list = read(file);
                    if (list != null)
                    {
                        lists.add(list);
                    }
                }
            }
        }
        catch (final IOException ex)
        {
            log.event("revocations_unreadable", "dir=" + dir + " error=\"" + ex.getMessage() + "\"");
        }
        return lists;
    }

    /** Keeps a list the node took (conductor thread). */
    void store(final RevocationList list)
    {
        try
        {
            Files.createDirectories(dir);
            AtomicFile.write(dir.resolve(fileName(list)), Pem.encode(RevocationList.PEM_LABEL, list.encoded()));
        }
        catch (final IOException ex)
        {
            log.event("revocations_unwritable", "dir=" + dir + " error=\"" + ex.getMessage() + "\"");
        }
    }

    /** Hands every list {@code wow revoke} dropped to the conductor, and removes its file (status thread). */
    void collect(final Revocations revocations)
    {
        if (!Files.isDirectory(dir))
        {
            return;
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, INCOMING + "*.crl"))
        {
            for (final Path file : files)
            {
                final RevocationList list = read(file);
                if (list != null)
                {
                    revocations.offer(list);
                }
                Files.deleteIfExists(file);
            }
        }
        catch (final IOException ex)
        {
            log.event("revocations_unreadable", "dir=" + dir + " error=\"" + ex.getMessage() + "\"");
        }
    }

    static String fileName(final RevocationList list)
    {
        return HexFormat.of().formatHex(list.issuer(), 0, 8) + ".crl";
    }

    /** @return the list in a file, or null (logged) if it holds none. */
    private RevocationList read(final Path file)
    {
        try
        {
            return parse(file, Files.readString(file, StandardCharsets.US_ASCII));
        }
        catch (final IOException | IllegalArgumentException ex)
        {
            log.event("revocation_list_refused", "file=" + file + " error=\"" + ex.getMessage() + "\"");
            return null;
        }
    }

    /**
     * @return the revocation list in a file's text.
     * @throws IllegalArgumentException naming the file and the problem.
     */
    static RevocationList parse(final Path file, final String text)
    {
        try
        {
            for (final Pem.Block block : Pem.decode(text))
            {
                if (block.label().equals(RevocationList.PEM_LABEL))
                {
                    return RevocationList.decode(block.bytes());
                }
            }
        }
        catch (final IllegalArgumentException ex)
        {
            throw new IllegalArgumentException(file + ": " + ex.getMessage(), ex);
        }
        throw new IllegalArgumentException(file + ": holds no revocation list (make one with wow ca revoke)");
    }
}

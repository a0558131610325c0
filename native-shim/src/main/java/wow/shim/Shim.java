package wow.shim;

import jnr.ffi.LibraryLoader;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Loads {@code libwowshim.so} from the jar (built by Maven with the system gcc) and binds it.
 * The library is copied to a private temporary directory that is deleted on exit. Any thread
 * may call {@link #lib()}; the first call loads.
 */
public final class Shim
{
    private static final String RESOURCE = "/wow/shim/linux-x86_64/libwowshim.so";

    private Shim()
    {
    }

    private static final class Holder
    {
        static final LibWow LIB = load();
    }

    /**
     * @return the bound native library.
     * @throws ShimException if this platform has no build of the shim.
     */
    public static LibWow lib()
    {
        return Holder.LIB;
    }

    private static LibWow load()
    {
        if (!"Linux".equals(System.getProperty("os.name")) || !"amd64".equals(System.getProperty("os.arch")))
        {
            throw new ShimException("the native shim is built for linux-x86_64 only, not " +
                System.getProperty("os.name") + "/" + System.getProperty("os.arch"));
        }
        try (InputStream in = Shim.class.getResourceAsStream(RESOURCE))
        {
            if (in == null)
            {
                throw new ShimException("native shim " + RESOURCE + " is missing from the jar: rebuild with mvn package");
            }
            final Path dir = Files.createTempDirectory("wowshim");
            final Path file = dir.resolve("libwowshim.so");
            dir.toFile().deleteOnExit();
            file.toFile().deleteOnExit();
            Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
            return LibraryLoader.create(LibWow.class).failImmediately().load(file.toAbsolutePath().toString());
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot extract the native shim", ex);
        }
    }

    /**
     * Throws a {@link ShimException} for a negative return code.
     *
     * @param rc   the value a shim function returned.
     * @param what what was being done, for the message.
     * @return rc when it is not an error.
     */
    public static int check(final int rc, final String what)
    {
        if (rc < 0)
        {
            throw new ShimException(what + ": " + Errno.describe(-rc), -rc);
        }
        return rc;
    }
}

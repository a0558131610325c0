package wow.tools;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Strict {@code --name value} / {@code --flag} parsing: an unknown option, a missing value or a
 * repeated single-valued option is a {@link UsageException} naming it. Used by the main thread.
 */
final class Args
{
    private final Map<String, List<String>> values = new LinkedHashMap<>();

    /**
     * @param args     the command line after the subcommand.
     * @param valued   options that take a value.
     * @param repeated those of them that may repeat.
     * @param flags    options without a value.
     */
    Args(final String[] args, final Set<String> valued, final Set<String> repeated, final Set<String> flags)
    {
        for (int i = 0; i < args.length; i++)
        {
            String name = args[i];
            String value = null;
            final int eq = name.indexOf('=');
            if (name.startsWith("--") && eq > 0)
            {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            }
            if (flags.contains(name))
            {
                if (value != null)
                {
                    throw new UsageException(name + " takes no value");
                }
                values.put(name, List.of());
                continue;
            }
            if (!valued.contains(name))
            {
                throw new UsageException("unknown option '" + name + "'");
            }
            if (value == null)
            {
                if (i + 1 >= args.length)
                {
                    throw new UsageException(name + " needs a value");
                }
                value = args[++i];
            }
            final List<String> list = values.computeIfAbsent(name, k -> new ArrayList<>());
            if (!list.isEmpty() && !repeated.contains(name))
            {
                throw new UsageException(name + " given twice");
            }
            list.add(value);
        }
    }

    boolean has(final String name)
    {
        return values.containsKey(name);
    }

    String get(final String name, final String fallback)
    {
        final List<String> list = values.get(name);
        return list == null || list.isEmpty() ? fallback : list.get(0);
    }

    List<String> all(final String name)
    {
        return values.getOrDefault(name, List.of());
    }

    int getInt(final String name, final int fallback, final int min, final int max)
    {
        final String text = get(name, null);
        if (text == null)
        {
            return fallback;
        }
        try
        {
            final int v = Integer.parseInt(text);
            if (v < min || v > max)
            {
                throw new NumberFormatException();
            }
            return v;
        }
        catch (final NumberFormatException ex)
        {
            throw new UsageException("bad " + name + " '" + text + "': expected an integer from " + min + " to " + max);
        }
    }
}

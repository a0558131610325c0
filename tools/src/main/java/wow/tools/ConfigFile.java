package wow.tools;

import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A {@code wow node} configuration file in YAML (read with SnakeYAML): every command-line option is
 * a key without its dashes ({@code listen: 192.0.2.1:7000}, {@code seed: [a, b]}, {@code no-tap:
 * true}). It becomes command-line arguments placed before the real ones, so flags override the
 * file; an unknown key or a bad value is one error naming the file, the line and the key.
 * Used by the main thread.
 */
final class ConfigFile
{
    /** Options that may repeat, given in the file as a list. */
    private static final Set<String> LISTS = Set.of("seed", "peer");
    /** Options without a value, given in the file as true or false. */
    private static final Set<String> FLAGS = Set.of("no-tap", "dhcp", "insecure");

    private final Path file;
    private final Map<String, Integer> lines = new LinkedHashMap<>();
    private final List<String> args = new ArrayList<>();

    private ConfigFile(final Path file)
    {
        this.file = file;
    }

    /**
     * Reads a configuration file.
     *
     * @param known options {@code wow node} accepts (with dashes).
     * @throws UsageException naming the file and line.
     */
    static ConfigFile read(final Path file, final Set<String> known)
    {
        final ConfigFile config = new ConfigFile(file);
        final Node root;
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8))
        {
            root = new Yaml(new LoaderOptions()).compose(reader);
        }
        catch (final IOException ex)
        {
            throw new UsageException("cannot read config " + file + ": " + ex.getMessage());
        }
        catch (final MarkedYAMLException ex)
        {
            throw new UsageException("config " + file + " line " + (ex.getProblemMark().getLine() + 1) + ": not valid YAML: " +
                ex.getProblem());
        }
        catch (final YAMLException | IllegalArgumentException ex)
        {
            // SnakeYAML also throws IllegalArgumentException for some bad tags (found by the fuzz target)
            throw new UsageException("config " + file + ": not valid YAML: " + ex.getMessage());
        }
        if (root == null)
        {
            return config;
        }
        if (!(root instanceof MappingNode mapping))
        {
            throw new UsageException("config " + file + " line " + (root.getStartMark().getLine() + 1) +
                ": expected 'key: value' lines");
        }
        for (final NodeTuple tuple : mapping.getValue())
        {
            final int line = tuple.getKeyNode().getStartMark().getLine() + 1;
            if (!(tuple.getKeyNode() instanceof ScalarNode keyNode))
            {
                throw new UsageException("config " + file + " line " + line + ": a key must be a plain word");
            }
            final String key = keyNode.getValue();
            if (!known.contains("--" + key) || "config".equals(key) || "print-config".equals(key))
            {
                throw new UsageException("config " + file + " line " + line + ": unknown key '" + key + "'");
            }
            if (config.lines.put(key, line) != null)
            {
                throw new UsageException("config " + file + " line " + line + ": key '" + key + "' given twice");
            }
            final Node value = tuple.getValueNode();
            if (FLAGS.contains(key))
            {
                final String v = value instanceof ScalarNode s ? s.getValue() : "";
                if (!v.equals("true") && !v.equals("false"))
                {
                    throw new UsageException("config " + file + " line " + line + ": key '" + key + "' takes true or false");
                }
                if (v.equals("true"))
                {
                    config.args.add("--" + key);
                }
            }
            else if (value instanceof SequenceNode sequence && LISTS.contains(key))
            {
                for (final Node item : sequence.getValue())
                {
                    if (!(item instanceof ScalarNode s))
                    {
                        throw new UsageException("config " + file + " line " + (item.getStartMark().getLine() + 1) +
                            ": key '" + key + "' takes a list of values");
                    }
                    config.args.add("--" + key);
                    config.args.add(s.getValue());
                }
            }
            else if (value instanceof ScalarNode s && !s.getValue().isEmpty())
            {
                config.args.add("--" + key);
                config.args.add(s.getValue());
            }
            else
            {
                throw new UsageException("config " + file + " line " + line + ": key '" + key + "' needs a value");
            }
        }
        return config;
    }

    /**
     * @return the file's arguments without those the command line gives again (flags override).
     */
    List<String> argsOverriddenBy(final List<String> commandLine)
    {
        final List<String> out = new ArrayList<>();
        for (int i = 0; i < args.size(); i++)
        {
            final String option = args.get(i);
            final boolean flag = FLAGS.contains(option.substring(2));
            if (!commandLine.contains(option))
            {
                out.add(option);
                if (!flag)
                {
                    out.add(args.get(i + 1));
                }
            }
            if (!flag)
            {
                i++;
            }
        }
        return out;
    }

    /** @return the error rewritten to name this file's line when it is about an option the file gave. */
    UsageException locate(final UsageException ex, final List<String> commandLine)
    {
        for (final Map.Entry<String, Integer> e : lines.entrySet())
        {
            final String option = "--" + e.getKey();
            if (ex.getMessage().contains(option) && !commandLine.contains(option))
            {
                return new UsageException("config " + file + " line " + e.getValue() + ": key '" + e.getKey() + "': " +
                    ex.getMessage().replace(option, e.getKey()));
            }
        }
        return ex;
    }
}

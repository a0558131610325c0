package wow.tools;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A strict parser of the Prometheus text exposition format (0.0.4) for tests: every line must be
 * a HELP or TYPE comment or a sample of a family whose TYPE came first, with well-formed metric
 * and label names, quoted and escaped label values and a numeric value; anything else fails.
 */
final class PrometheusText
{
    private static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern COMMENT = Pattern.compile("# (HELP|TYPE) (" + NAME.pattern() + ") (.*)");
    private static final Pattern SAMPLE = Pattern.compile(
        "(" + NAME.pattern() + ")(\\{([a-zA-Z_][a-zA-Z0-9_]*=\"(?:[^\"\\\\\\n]|\\\\[\\\\\"n])*\"" +
        "(?:,[a-zA-Z_][a-zA-Z0-9_]*=\"(?:[^\"\\\\\\n]|\\\\[\\\\\"n])*\")*)})? (\\S+)");

    private PrometheusText()
    {
    }

    /** @return every sample as {@code name{labels}} to value. */
    static Map<String, Double> parse(final String text)
    {
        final Map<String, Double> samples = new LinkedHashMap<>();
        final Set<String> typed = new HashSet<>();
        int lineNo = 0;
        for (final String line : text.split("\n", -1))
        {
            lineNo++;
            if (line.isEmpty())
            {
                continue;
            }
            final Matcher comment = COMMENT.matcher(line);
            if (comment.matches())
            {
                if ("TYPE".equals(comment.group(1)))
                {
                    final String type = comment.group(3);
                    if (!Set.of("counter", "gauge", "histogram", "summary", "untyped").contains(type) || !typed.add(comment.group(2)))
                    {
                        throw new IllegalArgumentException("line " + lineNo + ": bad or repeated TYPE: " + line);
                    }
                }
                continue;
            }
            final Matcher sample = SAMPLE.matcher(line);
            if (!sample.matches())
            {
                throw new IllegalArgumentException("line " + lineNo + ": not a sample: " + line);
            }
            if (!typed.contains(sample.group(1)))
            {
                throw new IllegalArgumentException("line " + lineNo + ": sample before its TYPE: " + line);
            }
            final double value;
            try
            {
                value = Double.parseDouble(sample.group(4));
            }
            catch (final NumberFormatException ex)
            {
                throw new IllegalArgumentException("line " + lineNo + ": bad value: " + line);
            }
            final String key = sample.group(1) + (sample.group(2) == null ? "" : sample.group(2));
            if (samples.put(key, value) != null)
            {
                throw new IllegalArgumentException("line " + lineNo + ": repeated sample: " + line);
            }
        }
        return samples;
    }
}

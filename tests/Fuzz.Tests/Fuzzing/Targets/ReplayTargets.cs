using System.Globalization;
using System.Text;
using System.Text.Json;
using EdgeSentinel.Runtime.Sources;

namespace EdgeSentinel.Fuzz.Tests.Fuzzing.Targets;

/// <summary>ReplaySource over a CSV or NDJSON recording: opening throws only FrameSourceException; every line after the header is either delivered or reported with its line number; delivered values equal an independent reference parse, and no row the reference finds valid is lost.</summary>
public sealed class ReplayTarget : FuzzTarget
{
    private readonly bool _csv;

    /// <summary>Creates the CSV (true) or NDJSON (false) target.</summary>
    public ReplayTarget(bool csv) => _csv = csv;

    /// <inheritdoc/>
    public override string Name => _csv ? "csv" : "ndjson";

    /// <inheritdoc/>
    protected override IReadOnlyList<byte[]> BuildSeeds()
    {
        var random = new Random(_csv ? 1 : 2);
        var seeds = new List<byte[]>();
        foreach (var (names, rows) in new[] { (new[] { "speed", "load", "temp" }, 12), (new[] { "x0" }, 5), (new[] { "a b", "c,d", "é", "z" }, 8) })
        {
            var sb = new StringBuilder();
            if (_csv)
            {
                sb.Append(string.Join(',', names.Select(n => n.Contains(',', StringComparison.Ordinal) ? "\"" + n + "\"" : n))).Append('\n');
            }

            for (var r = 0; r < rows; r++)
            {
                var values = names.Select(_ => (float)((random.NextDouble() - 0.5) * Math.Pow(10, random.Next(-6, 7)))).ToArray();
                if (_csv)
                {
                    sb.Append(string.Join(',', values.Select(v => v.ToString("R", CultureInfo.InvariantCulture))));
                }
                else
                {
                    sb.Append('{').Append(string.Join(',', names.Select((n, i) => JsonSerializer.Serialize(n) + ":" + values[i].ToString("R", CultureInfo.InvariantCulture)))).Append('}');
                }

                sb.Append(r % 3 == 0 ? "\r\n" : "\n");
            }

            seeds.Add(Encoding.UTF8.GetBytes(sb.ToString()));
        }

        return seeds;
    }

    /// <inheritdoc/>
    public override byte[] Mutate(Random random, byte[] seed)
    {
        var text = Encoding.UTF8.GetString(seed);
        var lines = text.Split('\n').ToList();
        switch (random.Next(_csv ? 4 : 5))
        {
            case 0:
                return ByteMutator.Mutate(random, seed, Seeds);
            case 1 when !_csv:
                {
                    // A JSON-aware mutation of one line.
                    var index = random.Next(lines.Count);
                    var line = Encoding.UTF8.GetBytes(lines[index].TrimEnd('\r'));
                    lines[index] = Encoding.UTF8.GetString(JsonMutator.Mutate(random, line));
                    return Encoding.UTF8.GetBytes(string.Join('\n', lines));
                }

            default:
                {
                    var edits = 1 + random.Next(4);
                    for (var e = 0; e < edits; e++)
                    {
                        MutateLines(random, lines);
                    }

                    return Encoding.UTF8.GetBytes(string.Join('\n', lines));
                }
        }
    }

    private static readonly string[] Cells =
    [
        "NaN", "Infinity", "-Infinity", "+Infinity", "nan", "inf", "1e39", "-1e39", "1e-46", "3.4028235E+38", "3.4028236E+38", "1e400", "", " ", "\"1\"", "\"\"",
        "1,5", "0x10", "1_000", "١٢", "1e", "-", ".", "+.5", "1.5e+", "00012", "1e308", "NaNx", "\u00a01", "1 2", "∞", "9999999999999999999999999999999999999999",
        "true", "null", "{}", "[1]", "\"NaN\"", "\"Infinity\"", "\"-Infinity\"", "\"+Infinity\"",
    ];

    private void MutateLines(Random random, List<string> lines)
    {
        var index = random.Next(lines.Count);
        var line = lines[index];
        switch (random.Next(9))
        {
            case 0:
                lines.Insert(index, line);
                break;
            case 1 when lines.Count > 1:
                lines.RemoveAt(index);
                break;
            case 2:
                lines.Insert(index, random.Next(2) == 0 ? string.Empty : "   \r");
                break;
            case 3:
                {
                    // Replace one cell (CSV) or one value (NDJSON).
                    var separator = _csv ? ',' : ':';
                    var parts = line.Split(separator);
                    var k = random.Next(parts.Length);
                    var cell = Cells[random.Next(Cells.Length)];
                    parts[k] = _csv ? cell : k == 0 ? parts[k] : cell + (parts[k].EndsWith('}') ? "}" : parts[k].Contains(',', StringComparison.Ordinal) ? "," + parts[k].Split(',', 2)[1] : string.Empty);
                    lines[index] = string.Join(separator, parts);
                    break;
                }

            case 4:
                {
                    // Extra or missing cell / key.
                    if (random.Next(2) == 0)
                    {
                        lines[index] = _csv ? line.TrimEnd('\r') + ",1" : line.Replace("}", ",\"extra\":1}", StringComparison.Ordinal);
                    }
                    else
                    {
                        var cut = line.LastIndexOf(',');
                        lines[index] = cut < 0 ? string.Empty : line[..cut] + (_csv ? string.Empty : "}");
                    }

                    break;
                }

            case 5:
                lines[index] = line.Replace("\r", string.Empty, StringComparison.Ordinal) + (random.Next(2) == 0 ? "\r" : "\r\r");
                break;
            case 6:
                {
                    // Quotes and separators in odd places.
                    var at = random.Next(line.Length + 1);
                    lines[index] = line.Insert(at, new[] { "\"", "\"\"", ";", "\t", "\u0000", "\uFEFF", "\\", "\\ud800" }[random.Next(8)]);
                    break;
                }

            case 7:
                // A very long line.
                lines[index] = line + (_csv ? string.Concat(Enumerable.Repeat(",1", 1 << random.Next(4, 14))) : new string(' ', 1 << random.Next(4, 16)));
                break;
            default:
                if (index == 0 && _csv)
                {
                    // Header: duplicate, blank or quoted-unclosed names.
                    lines[0] = random.Next(3) switch { 0 => line + "," + line.Split(',')[0], 1 => line + ",", _ => "\"" + line };
                }
                else
                {
                    lines[index] = line.Replace("1", "1.5e38", StringComparison.Ordinal);
                }

                break;
        }
    }

    /// <inheritdoc/>
    public override FuzzOutcome Run(byte[] input)
    {
        ReplaySource source;
        try
        {
            var stream = new MemoryStream(input, writable: false);
            source = (_csv ? ReplaySource.OpenCsvAsync(stream) : ReplaySource.OpenNdjsonAsync(stream)).GetAwaiter().GetResult();
        }
        catch (FrameSourceException ex)
        {
            OracleViolationException.CheckMessage(ex.Message, Name);
            return FuzzOutcome.Rejected("open: " + string.Join(' ', ex.Message.Split(' ', 7).Take(6)).Split(['(', ':', '\''])[0].Trim());
        }

        try
        {
            var frames = new List<float[]>();
            var buffer = new float[source.Width];
            while (source.ReadFrameAsync(buffer).AsTask().GetAwaiter().GetResult())
            {
                frames.Add((float[])buffer.Clone());
            }

            return Check(input, source, frames);
        }
        finally
        {
            source.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    private FuzzOutcome Check(byte[] input, ReplaySource source, List<float[]> frames)
    {
        string text;
        using (var reader = new StreamReader(new MemoryStream(input), Encoding.UTF8, detectEncodingFromByteOrderMarks: true))
        {
            text = reader.ReadToEnd();
        }

        var lines = new List<string>();
        using (var reader = new StringReader(text))
        {
            while (reader.ReadLine() is { } line)
            {
                lines.Add(line);
            }
        }

        var header = _csv ? 1 : 0;
        var stats = source.Statistics;
        var dataLines = lines.Count - header;
        OracleViolationException.Check(stats.RowsDelivered + stats.RowsSkipped == dataLines, $"{Name}: {dataLines} data lines but {stats.RowsDelivered} delivered + {stats.RowsSkipped} skipped");
        OracleViolationException.Check(frames.Count == stats.RowsDelivered, $"{Name}: {frames.Count} frames read but {stats.RowsDelivered} counted");

        // The reference: which lines are rows, and their values.
        var expected = new List<float[]>();
        var names = source.FeatureNames;
        for (var i = header; i < lines.Count; i++)
        {
            if ((_csv ? ReferenceCsv(lines[i], names.Count) : ReferenceNdjson(lines[i], names)) is { } values)
            {
                expected.Add(values);
            }
        }

        OracleViolationException.Check(expected.Count == frames.Count, $"{Name}: the reference parse finds {expected.Count} rows, the source delivered {frames.Count}");
        for (var r = 0; r < frames.Count; r++)
        {
            for (var c = 0; c < names.Count; c++)
            {
                OracleViolationException.Check(BitConverter.SingleToInt32Bits(frames[r][c]) == BitConverter.SingleToInt32Bits(expected[r][c]) || (float.IsNaN(frames[r][c]) && float.IsNaN(expected[r][c])),
                    $"{Name}: row {r + 1} column {c + 1} is {frames[r][c]} but the reference reads {expected[r][c]}");
            }
        }

        long previous = 0;
        foreach (var p in source.Problems)
        {
            OracleViolationException.Check(p.LineNumber > previous && p.LineNumber <= lines.Count && p.RowNumber == p.LineNumber - header, $"{Name}: problem at line {p.LineNumber} row {p.RowNumber} is out of order or out of range ({lines.Count} lines)");
            OracleViolationException.Check(p.Reason.Trim().Length > 0, $"{Name}: problem at line {p.LineNumber} without a reason");
            OracleViolationException.CheckMessage(p.ToString(), Name);
            previous = p.LineNumber;
        }

        // Every skipped or non-finite row is a problem: kept in the list (up to the default 1000) or counted as dropped.
        var kept = source.Problems.Count;
        OracleViolationException.Check(kept + stats.ProblemsDropped == stats.RowsSkipped + stats.NonFiniteRows && (stats.ProblemsDropped == 0 || kept == 1000),
            $"{Name}: {kept} problems kept + {stats.ProblemsDropped} dropped, but {stats.RowsSkipped} rows skipped and {stats.NonFiniteRows} non-finite");
        OracleViolationException.Check(source.Problems.Count(p => p.Skipped) <= stats.RowsSkipped && source.Problems.Count(p => !p.Skipped) <= stats.NonFiniteRows,
            $"{Name}: problem list does not match the counts");
        return source.Problems.Count == 0 ? FuzzOutcome.Accepted : FuzzOutcome.Rejected("rows: " + source.Problems[0].Kind);
    }

    private static float[]? ReferenceCsv(string line, int width)
    {
        if (line.Trim().Length == 0)
        {
            return null;
        }

        var cells = line.Split(',');
        if (cells.Length != width)
        {
            return null;
        }

        var values = new float[width];
        for (var i = 0; i < width; i++)
        {
            if (!float.TryParse(cells[i].Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out values[i]))
            {
                return null;
            }
        }

        return values;
    }

    private static float[]? ReferenceNdjson(string line, IReadOnlyList<string> names)
    {
        if (line.Trim().Length == 0)
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(line);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            var values = new float[names.Count];
            var seen = new bool[names.Count];
            foreach (var property in document.RootElement.EnumerateObject())
            {
                var column = -1;
                for (var i = 0; i < names.Count; i++)
                {
                    if (names[i] == property.Name)
                    {
                        column = i;
                    }
                }

                if (column < 0 || seen[column])
                {
                    return null;
                }

                seen[column] = true;
                var v = property.Value;
                if (v.ValueKind == JsonValueKind.Number && v.TryGetDouble(out var d))
                {
                    values[column] = (float)d;
                }
                else if (v.ValueKind == JsonValueKind.String && v.GetString() is "NaN" or "Infinity" or "-Infinity" or "+Infinity")
                {
                    values[column] = float.Parse(v.GetString()!, CultureInfo.InvariantCulture);
                }
                else
                {
                    return null;
                }
            }

            return seen.All(s => s) ? values : null;
        }
        catch (JsonException)
        {
            return null;
        }
        catch (InvalidOperationException)
        {
            // A name or string with an escaped lone surrogate cannot be read as text.
            return null;
        }
    }
}

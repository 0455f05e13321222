using System.Globalization;
using System.Text;
using System.Text.Json;

namespace EdgeSentinel.Runtime.Sources;

/// <summary>Replays a recording (CSV with a header, or NDJSON with one object per row) as frames, streaming the file line by line.</summary>
/// <remarks>
/// Strict and invariant-culture. A malformed row (wrong width, unparsable number, missing or unexpected key,
/// bad JSON) is skipped; a row holding NaN or ±∞ is passed on with those values. Both are counted in
/// <see cref="Statistics"/> and reported in <see cref="Problems"/> with their line and row numbers. Not
/// thread-safe: one reader at a time. Replay allocates a string per line; it is an offline path, not the
/// hardware hot path.
/// </remarks>
public sealed class ReplaySource : IFrameSource
{
    private readonly StreamReader _reader;
    private readonly RowParser _parser;
    private readonly ReplayOptions _options;
    private readonly List<FrameProblem> _problems = [];
    private readonly string[] _featureNames;
    private string? _pendingLine;
    private long _lineNumber;
    private readonly int _headerLines;
    private long _rowsDelivered;
    private long _rowsSkipped;
    private long _nonFiniteRows;
    private long _problemsDropped;

    private ReplaySource(StreamReader reader, RowParser parser, ReplayOptions options, string[] featureNames, long lineNumber, int headerLines, string? pendingLine)
    {
        _reader = reader;
        _parser = parser;
        _options = options;
        _featureNames = featureNames;
        _lineNumber = lineNumber;
        _headerLines = headerLines;
        _pendingLine = pendingLine;
    }

    /// <inheritdoc />
    public int Width => _featureNames.Length;

    /// <inheritdoc />
    public IReadOnlyList<string> FeatureNames => _featureNames;

    /// <summary>The problems found so far (at most <see cref="ReplayOptions.MaxProblemsKept"/>), in file order.</summary>
    public IReadOnlyList<FrameProblem> Problems => _problems;

    /// <summary>Counts of delivered, skipped and non-finite rows so far.</summary>
    public ReplayStatistics Statistics => new(_rowsDelivered, _rowsSkipped, _nonFiniteRows, _problemsDropped);

    /// <summary>Opens a CSV recording: reads and checks its header; the stream is owned by the source from then on.</summary>
    /// <exception cref="FrameSourceException">The file is empty, the header has blank or repeated names, or it does not match <see cref="ReplayOptions.ExpectedWidth"/> or <see cref="ReplayOptions.FeatureNames"/>.</exception>
    public static async Task<ReplaySource> OpenCsvAsync(Stream stream, ReplayOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        options = CheckOptions(options);
        var reader = new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        try
        {
            string? header = await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false);
            if (header is null || header.Trim().Length == 0)
            {
                throw new FrameSourceException("CSV recording: line 1 must be a header naming the features, but the file is empty or the line is blank.");
            }

            string[] names = CsvRowParser.SplitHeader(header);
            CheckNames(names, "CSV header (line 1)");
            CheckWidth(names, options, "CSV header (line 1)", compareConfiguredNames: true);
            return new ReplaySource(reader, new CsvRowParser(names), options, names, lineNumber: 1, headerLines: 1, pendingLine: null);
        }
        catch
        {
            reader.Dispose();
            throw;
        }
    }

    /// <summary>Opens an NDJSON recording (one JSON object per line, keys = feature names); the stream is owned by the source from then on.</summary>
    /// <remarks>Without <see cref="ReplayOptions.FeatureNames"/>, the keys of the first line, in order, name the features.</remarks>
    /// <exception cref="FrameSourceException">The feature names cannot be established, or their count does not match <see cref="ReplayOptions.ExpectedWidth"/>.</exception>
    public static async Task<ReplaySource> OpenNdjsonAsync(Stream stream, ReplayOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        options = CheckOptions(options);
        var reader = new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        try
        {
            string[] names;
            string? pending = null;
            if (options.FeatureNames is { } given)
            {
                names = [.. given];
            }
            else
            {
                pending = await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false);
                if (pending is null)
                {
                    throw new FrameSourceException("NDJSON recording: the file is empty, so no feature names can be taken from its first object.");
                }

                names = NdjsonRowParser.KeysOf(pending);
                CheckNames(names, "NDJSON line 1 keys");
            }

            CheckWidth(names, options, pending is null ? "configured feature names" : "NDJSON line 1 keys", compareConfiguredNames: false);
            return new ReplaySource(reader, new NdjsonRowParser(names), options, names, lineNumber: 0, headerLines: 0, pendingLine: pending);
        }
        catch
        {
            reader.Dispose();
            throw;
        }
    }

    /// <summary>Opens a recording by file extension (.csv, .ndjson or .jsonl), streaming it.</summary>
    /// <exception cref="FrameSourceException">The file does not exist, has another extension, or its header does not fit the options.</exception>
    public static async Task<ReplaySource> OpenFileAsync(string path, ReplayOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        string extension = Path.GetExtension(path).ToLowerInvariant();
        if (extension is not (".csv" or ".ndjson" or ".jsonl"))
        {
            throw new FrameSourceException($"Recording '{path}': unknown extension '{extension}' (expected .csv, .ndjson or .jsonl).");
        }

        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 64 * 1024, useAsync: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new FrameSourceException($"Recording '{path}' cannot be opened: {e.Message}", e);
        }

        try
        {
            return extension == ".csv"
                ? await OpenCsvAsync(stream, options, cancellationToken).ConfigureAwait(false)
                : await OpenNdjsonAsync(stream, options, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <inheritdoc />
    public async ValueTask<bool> ReadFrameAsync(Memory<float> destination, CancellationToken cancellationToken = default)
    {
        if (destination.Length < Width)
        {
            throw new ArgumentException($"The destination holds {destination.Length} values but a frame has {Width}.", nameof(destination));
        }

        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            string? line;
            if (_pendingLine is not null)
            {
                line = _pendingLine;
                _pendingLine = null;
            }
            else
            {
                line = await _reader.ReadLineAsync(cancellationToken).ConfigureAwait(false);
            }

            if (line is null)
            {
                return false;
            }

            _lineNumber++;
            long row = _lineNumber - _headerLines;
            RowResult result = _parser.Parse(line, destination.Span[..Width]);
            if (result.Kind is null)
            {
                _rowsDelivered++;
                return true;
            }

            FrameProblemKind kind = result.Kind.Value;
            if (kind == FrameProblemKind.NonFiniteValue)
            {
                _rowsDelivered++;
                _nonFiniteRows++;
                Report(new FrameProblem(_lineNumber, row, kind, result.Reason!, Skipped: false));
                return true;
            }

            _rowsSkipped++;
            Report(new FrameProblem(_lineNumber, row, kind, result.Reason!, Skipped: true));
        }
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        _reader.Dispose();
        return ValueTask.CompletedTask;
    }

    private void Report(FrameProblem problem)
    {
        if (_problems.Count < _options.MaxProblemsKept)
        {
            _problems.Add(problem);
        }
        else
        {
            _problemsDropped++;
        }

        _options.OnProblem?.Invoke(problem);
    }

    private static ReplayOptions CheckOptions(ReplayOptions? options)
    {
        options ??= new ReplayOptions();
        IReadOnlyList<string> problems = options.Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException("Invalid replay options: " + string.Join(" ", problems), nameof(options));
        }

        return options;
    }

    private static void CheckNames(string[] names, string where)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < names.Length; i++)
        {
            if (names[i].Length == 0)
            {
                throw new FrameSourceException($"{where}: feature name {i + 1} is blank.");
            }

            if (!seen.Add(names[i]))
            {
                throw new FrameSourceException($"{where}: feature name '{names[i]}' appears more than once (position {i + 1}).");
            }
        }
    }

    private static void CheckWidth(string[] names, ReplayOptions options, string where, bool compareConfiguredNames)
    {
        if (options.ExpectedWidth is { } expected && expected != names.Length)
        {
            throw new FrameSourceException(
                $"{where} has {names.Length} features but the model expects an input width of {expected}.");
        }

        if (compareConfiguredNames && options.FeatureNames is { } given)
        {
            if (given.Count != names.Length)
            {
                throw new FrameSourceException($"{where} has {names.Length} features but {given.Count} feature names are configured.");
            }

            for (int i = 0; i < names.Length; i++)
            {
                if (!string.Equals(given[i], names[i], StringComparison.Ordinal))
                {
                    throw new FrameSourceException($"{where}: column {i + 1} is '{names[i]}' but the configured feature is '{given[i]}'.");
                }
            }
        }
    }

    private readonly record struct RowResult(FrameProblemKind? Kind, string? Reason)
    {
        public static RowResult Ok => default;
    }

    private abstract class RowParser
    {
        public abstract RowResult Parse(string line, Span<float> destination);

        protected static string NonFiniteReason(string name, ReadOnlySpan<char> text, int count) =>
            $"non-finite value '{text.ToString()}' for '{name}'" + (count > 1 ? $" (and {count - 1} more non-finite value(s) in the row)" : string.Empty);
    }

    private sealed class CsvRowParser(string[] names) : RowParser
    {
        public static string[] SplitHeader(string header)
        {
            var fields = new List<string>();
            var current = new StringBuilder();
            bool quoted = false;
            bool blank = true; // current holds only whitespace (tracked, so a long header stays linear)
            for (int i = 0; i < header.Length; i++)
            {
                char c = header[i];
                if (quoted)
                {
                    if (c == '"')
                    {
                        if (i + 1 < header.Length && header[i + 1] == '"')
                        {
                            current.Append('"');
                            blank = false;
                            i++;
                        }
                        else
                        {
                            quoted = false;
                        }
                    }
                    else
                    {
                        current.Append(c);
                        blank &= char.IsWhiteSpace(c);
                    }
                }
                else if (c == '"' && blank)
                {
                    current.Clear();
                    quoted = true;
                }
                else if (c == ',')
                {
                    fields.Add(current.ToString().Trim());
                    current.Clear();
                    blank = true;
                }
                else
                {
                    current.Append(c);
                    blank &= char.IsWhiteSpace(c);
                }
            }

            if (quoted)
            {
                throw new FrameSourceException("CSV header (line 1): a quoted feature name is not closed.");
            }

            fields.Add(current.ToString().Trim());
            return [.. fields];
        }

        public override RowResult Parse(string line, Span<float> destination)
        {
            ReadOnlySpan<char> rest = line;
            if (rest.Trim().Length == 0)
            {
                return new RowResult(FrameProblemKind.Malformed, "empty row");
            }

            int fieldCount = 1;
            foreach (char c in rest)
            {
                if (c == ',')
                {
                    fieldCount++;
                }
            }

            if (fieldCount != names.Length)
            {
                return new RowResult(FrameProblemKind.WrongWidth, $"row has {fieldCount} values but the header has {names.Length}");
            }

            int nonFinite = 0;
            int firstNonFinite = -1;
            string? firstNonFiniteText = null;
            for (int column = 0; column < names.Length; column++)
            {
                int comma = rest.IndexOf(',');
                ReadOnlySpan<char> field = (comma < 0 ? rest : rest[..comma]).Trim();
                rest = comma < 0 ? [] : rest[(comma + 1)..];
                if (!float.TryParse(field, NumberStyles.Float, CultureInfo.InvariantCulture, out float value))
                {
                    return new RowResult(
                        FrameProblemKind.UnparsableNumber,
                        field.Length == 0
                            ? $"column {column + 1} ('{names[column]}') is empty"
                            : $"column {column + 1} ('{names[column]}'): '{field.ToString()}' is not a number");
                }

                destination[column] = value;
                if (!float.IsFinite(value))
                {
                    if (nonFinite++ == 0)
                    {
                        firstNonFinite = column;
                        firstNonFiniteText = field.ToString();
                    }
                }
            }

            return nonFinite == 0
                ? RowResult.Ok
                : new RowResult(FrameProblemKind.NonFiniteValue, NonFiniteReason($"column {firstNonFinite + 1} ('{names[firstNonFinite]}')", firstNonFiniteText, nonFinite));
        }
    }

    private sealed class NdjsonRowParser : RowParser
    {
        private readonly string[] _names;
        private readonly Dictionary<string, int> _index;
        private readonly bool[] _seen;
        private byte[] _buffer = new byte[1024];

        public NdjsonRowParser(string[] names)
        {
            _names = names;
            _index = new Dictionary<string, int>(names.Length, StringComparer.Ordinal);
            for (int i = 0; i < names.Length; i++)
            {
                _index[names[i]] = i;
            }

            _seen = new bool[names.Length];
        }

        public static string[] KeysOf(string firstLine)
        {
            try
            {
                using var document = JsonDocument.Parse(firstLine);
                if (document.RootElement.ValueKind != JsonValueKind.Object)
                {
                    throw new FrameSourceException($"NDJSON line 1 must be a JSON object naming the features, but it is {document.RootElement.ValueKind}.");
                }

                var keys = new List<string>();
                foreach (JsonProperty property in document.RootElement.EnumerateObject())
                {
                    keys.Add(property.Name);
                }

                if (keys.Count == 0)
                {
                    throw new FrameSourceException("NDJSON line 1 is an empty object, so it names no features.");
                }

                return [.. keys];
            }
            catch (JsonException e)
            {
                throw new FrameSourceException($"NDJSON line 1 is not valid JSON ({e.Message}), so no feature names can be taken from it.", e);
            }
            catch (InvalidOperationException e)
            {
                throw new FrameSourceException($"NDJSON line 1 has a key that is not valid text (lone surrogate escape: {e.Message}), so no feature names can be taken from it.", e);
            }
        }

        public override RowResult Parse(string line, Span<float> destination)
        {
            if (line.AsSpan().Trim().Length == 0)
            {
                return new RowResult(FrameProblemKind.Malformed, "empty row");
            }

            int byteCount = Encoding.UTF8.GetMaxByteCount(line.Length);
            if (_buffer.Length < byteCount)
            {
                _buffer = new byte[Math.Max(byteCount, _buffer.Length * 2)];
            }

            int length = Encoding.UTF8.GetBytes(line, _buffer);
            Array.Clear(_seen);
            try
            {
                return ParseObject(new ReadOnlySpan<byte>(_buffer, 0, length), destination);
            }
            catch (JsonException e)
            {
                return new RowResult(FrameProblemKind.Malformed, $"not valid JSON: {e.Message}");
            }
            catch (InvalidOperationException e)
            {
                // A key or string whose escapes decode to a lone UTF-16 surrogate is valid JSON syntax but not text.
                return new RowResult(FrameProblemKind.Malformed, $"a key or string is not valid text (lone surrogate escape): {e.Message}");
            }
        }

        private RowResult ParseObject(ReadOnlySpan<byte> json, Span<float> destination)
        {
            var reader = new Utf8JsonReader(json, isFinalBlock: true, state: default);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return new RowResult(FrameProblemKind.Malformed, $"expected a JSON object, got {reader.TokenType}");
            }

            int nonFinite = 0;
            string? firstNonFiniteKey = null;
            string? firstNonFiniteText = null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                string key = reader.GetString()!;
                if (!_index.TryGetValue(key, out int column))
                {
                    return new RowResult(FrameProblemKind.UnexpectedKey, $"key '{key}' is not a feature (features: {string.Join(", ", _names)})");
                }

                if (_seen[column])
                {
                    return new RowResult(FrameProblemKind.UnexpectedKey, $"key '{key}' appears more than once");
                }

                _seen[column] = true;
                reader.Read();
                float value;
                string? text = null;
                switch (reader.TokenType)
                {
                    case JsonTokenType.Number:
                        if (!reader.TryGetDouble(out double d))
                        {
                            return new RowResult(FrameProblemKind.UnparsableNumber, $"key '{key}': number out of range");
                        }

                        value = (float)d;
                        if (!float.IsFinite(value))
                        {
                            text = d.ToString("R", CultureInfo.InvariantCulture);
                        }

                        break;
                    case JsonTokenType.String:
                        text = reader.GetString()!;
                        if (text is "NaN" or "Infinity" or "-Infinity" or "+Infinity")
                        {
                            value = float.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
                            break;
                        }

                        return new RowResult(FrameProblemKind.UnparsableNumber, $"key '{key}': string '{text}' is not a number (only \"NaN\", \"Infinity\" and \"-Infinity\" are accepted as strings)");
                    default:
                        return new RowResult(FrameProblemKind.UnparsableNumber, $"key '{key}': expected a number, got {reader.TokenType}");
                }

                destination[column] = value;
                if (!float.IsFinite(value) && nonFinite++ == 0)
                {
                    firstNonFiniteKey = key;
                    firstNonFiniteText = text;
                }
            }

            if (reader.TokenType != JsonTokenType.EndObject)
            {
                return new RowResult(FrameProblemKind.Malformed, $"expected a property name or '}}', got {reader.TokenType}");
            }

            if (reader.Read())
            {
                return new RowResult(FrameProblemKind.Malformed, $"unexpected {reader.TokenType} after the object");
            }

            for (int i = 0; i < _seen.Length; i++)
            {
                if (!_seen[i])
                {
                    var missing = new List<string>();
                    for (int j = i; j < _seen.Length; j++)
                    {
                        if (!_seen[j])
                        {
                            missing.Add(_names[j]);
                        }
                    }

                    return new RowResult(FrameProblemKind.MissingKey, $"missing key(s): {string.Join(", ", missing)}");
                }
            }

            return nonFinite == 0
                ? RowResult.Ok
                : new RowResult(FrameProblemKind.NonFiniteValue, NonFiniteReason($"key '{firstNonFiniteKey}'", firstNonFiniteText, nonFinite));
        }
    }
}

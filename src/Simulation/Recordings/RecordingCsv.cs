using System.Globalization;
using EdgeSentinel.Simulation.World;

namespace EdgeSentinel.Simulation.Recordings;

/// <summary>
/// Writes recordings as CSV in the format <c>edgesentinel baseline</c> and <c>replay</c> read: a header of
/// feature names, then one row per inference with the model input's features in order (invariant culture,
/// shortest round-trip float text, '\n' line ends).
/// </summary>
public static class RecordingCsv
{
    /// <summary>Name of the optional last column holding the action taken.</summary>
    public const string ActionColumn = "action";

    /// <summary>Writes <paramref name="recording"/>; with <paramref name="includeActions"/> an <see cref="ActionColumn"/> column (action names) is appended.</summary>
    /// <remarks>Model-input files for <c>baseline</c>/<c>replay</c> must be written without the action column.</remarks>
    public static void Write(Recording recording, TextWriter writer, bool includeActions = false)
    {
        ArgumentNullException.ThrowIfNull(recording);
        ArgumentNullException.ThrowIfNull(writer);
        writer.Write(string.Join(',', recording.FeatureNames));
        if (includeActions)
        {
            writer.Write(',');
            writer.Write(ActionColumn);
        }

        writer.Write('\n');
        Span<char> buffer = stackalloc char[32];
        for (var row = 0; row < recording.Count; row++)
        {
            var values = recording.Row(row);
            for (var i = 0; i < values.Length; i++)
            {
                if (i > 0)
                {
                    writer.Write(',');
                }

                if (!values[i].TryFormat(buffer, out var written, "R", CultureInfo.InvariantCulture))
                {
                    throw new InvalidOperationException($"could not format the value of feature {i} in row {row}");
                }

                writer.Write(buffer[..written]);
            }

            if (includeActions)
            {
                writer.Write(',');
                writer.Write(RobotActions.Name(recording.Action(row)));
            }

            writer.Write('\n');
        }
    }

    /// <summary>Writes <paramref name="recording"/> to the file at <paramref name="path"/> (UTF-8 without BOM).</summary>
    public static void WriteFile(Recording recording, string path, bool includeActions = false)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var writer = new StreamWriter(path, append: false, new System.Text.UTF8Encoding(false));
        Write(recording, writer, includeActions);
    }

    /// <summary>The CSV text of <paramref name="recording"/>.</summary>
    public static string ToCsv(Recording recording, bool includeActions = false)
    {
        using var writer = new StringWriter(CultureInfo.InvariantCulture);
        Write(recording, writer, includeActions);
        return writer.ToString();
    }
}

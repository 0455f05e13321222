using EdgeSentinel.Runtime.Onnx;
using EdgeSentinel.Runtime.Sources;

namespace EdgeSentinel.Cli;

/// <summary>Opens a model and a recording for the offline verbs; turns failures into one readable message.</summary>
internal static class ModelSession
{
    public static OnnxModelHost LoadModel(FileInfo model, OnnxModelHostOptions options) =>
        OnnxModelHost.Load(model.FullName, options);

    public static async Task<ReplaySource> OpenDataAsync(FileInfo data, OnnxModelHost host, TextWriter stderr, string verb, CancellationToken cancellationToken)
    {
        var options = new ReplayOptions
        {
            ExpectedWidth = host.InputWidth,
            OnProblem = problem => stderr.WriteLine($"edgesentinel {verb}: {data.Name}: {problem}"),
            MaxProblemsKept = 100,
        };
        return await ReplaySource.OpenFileAsync(data.FullName, options, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Whether an exception is a user-facing input problem (bad file, model, data), not a bug.</summary>
    public static bool IsInputProblem(Exception e) =>
        e is OnnxModelException or FrameSourceException or IOException or UnauthorizedAccessException
            or Monitor.Serialization.MonitorFormatException or Monitor.Baselines.ModelIdentityMismatchException
            or ArgumentException or InvalidOperationException or KeyNotFoundException;
}

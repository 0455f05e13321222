using System.CommandLine;
using EdgeSentinel.Runtime.Onnx;

namespace EdgeSentinel.Cli;

/// <summary><c>edgesentinel inspect-model MODEL</c>: lists a model's inputs, outputs and tappable tensors.</summary>
internal static class InspectModelCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var model = new Argument<FileInfo>("model") { Description = "ONNX model file." };
        var command = new Command("inspect-model", "List an ONNX model's inputs, outputs and the intermediate tensors that can be tapped.");
        command.Arguments.Add(model);
        command.SetAction(parse => Run(parse.GetValue(model)!, stdout, stderr));
        return command;
    }

    private static int Run(FileInfo file, TextWriter stdout, TextWriter stderr)
    {
        ModelInspection inspection;
        try
        {
            inspection = OnnxModelInspector.InspectFile(file.FullName);
        }
        catch (Exception e) when (e is OnnxModelException or IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"edgesentinel inspect-model: {e.Message}");
            return EdgeSentinelCommand.UsageError;
        }

        stdout.WriteLine($"model   {file.FullName}");
        stdout.WriteLine($"sha256  {inspection.Sha256}");
        stdout.WriteLine($"format  ir_version {inspection.IrVersion}, opset {inspection.OpsetVersion}, producer '{inspection.ProducerName}'");
        Write("inputs", inspection.Inputs);
        Write("outputs", inspection.Outputs);
        Write("tappable tensors (use with --taps NAME,NAME)", inspection.Tappable);
        stdout.WriteLine(inspection.AutoTapCandidates.Count == 0
            ? "--taps auto: no hidden layers found"
            : $"--taps auto:N picks from the last of: {string.Join(", ", inspection.AutoTapCandidates)}");
        return 0;

        void Write(string title, IReadOnlyList<TensorInfo> tensors)
        {
            stdout.WriteLine($"{title}:");
            foreach (var t in tensors)
            {
                stdout.WriteLine(t.OpType is null ? $"  {t}" : $"  {t}  ({t.OpType})");
            }
        }
    }
}

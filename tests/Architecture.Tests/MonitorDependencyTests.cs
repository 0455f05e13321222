using System.Reflection;
using NetArchTest.Rules;

namespace EdgeSentinel.Architecture.Tests;

/// <summary>DESIGN.md: Monitor depends on nothing of ours and on no I/O library.</summary>
public sealed class MonitorDependencyTests
{
    private static readonly Assembly MonitorAssembly = Assembly.Load("EdgeSentinel.Monitor");

    private static readonly string[] ForbiddenAssemblyPrefixes =
    [
        "Microsoft.ML.OnnxRuntime", "MQTTnet", "System.Device.Gpio", "Iot.Device",
        "Microsoft.Data.Sqlite", "Npgsql", "System.Data", "Microsoft.AspNetCore",
        "Microsoft.Extensions", "Google.Protobuf", "Polly",
        "EdgeSentinel.Protocol", "EdgeSentinel.Runtime", "EdgeSentinel.Cloud",
        "EdgeSentinel.Simulation", "edgesentinel",
    ];

    [Fact]
    public void MonitorAssembly_ReferencesOnlyTheBaseLibrary()
    {
        var offending = MonitorAssembly.GetReferencedAssemblies()
            .Select(a => a.Name!)
            .Where(name => ForbiddenAssemblyPrefixes.Any(p => name.StartsWith(p, StringComparison.OrdinalIgnoreCase)))
            .ToList();

        Assert.Empty(offending);
    }

    [Fact]
    public void MonitorTypes_DoNotDependOnIoNamespaces()
    {
        var result = Types.InAssembly(MonitorAssembly)
            .ShouldNot()
            .HaveDependencyOnAny(
                "Microsoft.ML.OnnxRuntime", "MQTTnet", "System.Device.Gpio", "Microsoft.Data.Sqlite",
                "Npgsql", "Microsoft.AspNetCore", "System.Net.Http", "System.Net.Sockets")
            .GetResult();

        Assert.True(result.IsSuccessful, "Monitor types depending on I/O namespaces: " +
            string.Join(", ", result.FailingTypeNames ?? []));
    }

    [Fact]
    public void ForbiddenReferenceCheck_FlagsIoPackages()
    {
        // The rule above must be able to fail: names of I/O assemblies are caught.
        string[] sample = ["System.Runtime", "MQTTnet", "Npgsql", "Microsoft.ML.OnnxRuntime", "System.Device.Gpio"];
        var flagged = sample.Where(n => ForbiddenAssemblyPrefixes.Any(p => n.StartsWith(p, StringComparison.OrdinalIgnoreCase))).ToList();
        Assert.Equal(["MQTTnet", "Npgsql", "Microsoft.ML.OnnxRuntime", "System.Device.Gpio"], flagged);
    }
}

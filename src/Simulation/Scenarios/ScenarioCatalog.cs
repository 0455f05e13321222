using System.Globalization;

namespace EdgeSentinel.Simulation.Scenarios;

/// <summary>The named scenarios of the evaluation.</summary>
public static class ScenarioCatalog
{
    /// <summary>Default stream length of the scenarios with a change.</summary>
    public const int DefaultLength = 4000;

    /// <summary>Default change point (the first changed sample) of drift scenarios.</summary>
    public const int DefaultChangePoint = 2000;

    /// <summary>Default change point of the sleeper and tampering scenarios.</summary>
    public const int DefaultModelChangePoint = 1000;

    /// <summary>Width (samples, 5% to 95%) of the gradual scenarios.</summary>
    public const double GradualWidth = 1000.0;

    /// <summary>Length of the long clean stream.</summary>
    public const int LongCleanLength = 1_000_000;

    private static readonly ScenarioDefinition[] Definitions = Build();

    /// <summary>All scenarios, in a fixed order.</summary>
    public static IReadOnlyList<ScenarioDefinition> All { get; } = Array.AsReadOnly(Definitions);

    /// <summary>The scenario called <paramref name="name"/>.</summary>
    public static ScenarioDefinition Get(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        foreach (var definition in Definitions)
        {
            if (definition.Name == name)
            {
                return definition;
            }
        }

        throw new ArgumentException($"unknown scenario '{name}'; known: {string.Join(", ", Definitions.Select(d => d.Name))}", nameof(name));
    }

    private static ScenarioDefinition[] Build()
    {
        var list = new List<ScenarioDefinition>
        {
            new("clean", ScenarioKind.Clean, 0, 0, 0, DefaultLength, -1),
            new("clean-long", ScenarioKind.Clean, 0, 0, 0, LongCleanLength, -1),
        };
        foreach (var channels in new[] { 1, 2, 3 })
        {
            foreach (var sigma in new[] { 0.25, 0.5, 1.0 })
            {
                list.Add(new($"bias-{Format(sigma)}sd-{channels}ch", ScenarioKind.SensorBias, sigma, channels, 0, DefaultLength, DefaultChangePoint));
            }
        }

        foreach (var factor in new[] { 1.5, 2.0, 4.0 })
        {
            list.Add(new($"noise-x{Format(factor)}", ScenarioKind.SensorNoise, factor, 0, 0, DefaultLength, DefaultChangePoint));
        }

        list.Add(new("stuck-sensor", ScenarioKind.StuckSensor, 0, 1, 0, DefaultLength, DefaultChangePoint));
        list.Add(new("covariate-shift", ScenarioKind.CovariateShift, 1.0, 0, 0, DefaultLength, DefaultChangePoint));
        list.Add(new("concept-shift", ScenarioKind.ConceptShift, 0.6, 0, 0, DefaultLength, DefaultChangePoint));
        list.Add(new("gradual-bias-1sd-1ch", ScenarioKind.SensorBias, 1.0, 1, GradualWidth, DefaultLength, DefaultChangePoint));
        list.Add(new("gradual-noise-x4", ScenarioKind.SensorNoise, 4.0, 0, GradualWidth, DefaultLength, DefaultChangePoint));
        list.Add(new("gradual-covariate-shift", ScenarioKind.CovariateShift, 1.0, 0, GradualWidth, DefaultLength, DefaultChangePoint));
        list.Add(new("gradual-concept-shift", ScenarioKind.ConceptShift, 0.6, 0, GradualWidth, DefaultLength, DefaultChangePoint));
        list.Add(new("sleeper-explicit", ScenarioKind.SleeperExplicit, 0, 0, 0, DefaultLength, DefaultModelChangePoint));
        list.Add(new("sleeper-conjunction", ScenarioKind.SleeperConjunction, 0, 0, 0, DefaultLength, DefaultModelChangePoint));
        list.Add(new("tampered-model", ScenarioKind.TamperedModel, 0, 0, 0, DefaultLength, DefaultModelChangePoint));
        return list.ToArray();
    }

    private static string Format(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);
}

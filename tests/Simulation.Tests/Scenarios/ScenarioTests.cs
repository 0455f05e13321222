using EdgeSentinel.Simulation.Policies;
using EdgeSentinel.Simulation.Recordings;
using EdgeSentinel.Simulation.Scenarios;
using EdgeSentinel.Simulation.World;
using Xunit.Abstractions;

namespace EdgeSentinel.Simulation.Tests.Scenarios;

public sealed class ScenarioTests(ITestOutputHelper output)
{
    private const int Length = 3000;
    private const int Change = 1500;

    private static DemoModelSet Models => TrainedModels.Default;

    public static TheoryData<string> ChangeScenarios()
    {
        var data = new TheoryData<string>();
        foreach (var definition in ScenarioCatalog.All)
        {
            if (definition.HasChange && !definition.IsGradual)
            {
                data.Add(definition.Name);
            }
        }

        return data;
    }

    [Fact]
    public void Catalog_HasEveryScenarioOfTheIssue_WithUniqueNames()
    {
        var names = ScenarioCatalog.All.Select(d => d.Name).ToList();
        Assert.Equal(names.Count, names.Distinct().Count());
        foreach (var expected in new[]
        {
            "clean", "clean-long", "bias-0.25sd-1ch", "bias-0.5sd-2ch", "bias-1sd-3ch", "noise-x1.5", "noise-x2", "noise-x4",
            "stuck-sensor", "covariate-shift", "concept-shift", "gradual-bias-1sd-1ch", "gradual-noise-x4",
            "gradual-covariate-shift", "gradual-concept-shift", "sleeper-explicit", "sleeper-conjunction", "tampered-model",
        })
        {
            Assert.Contains(expected, names);
        }

        Assert.Equal(24, names.Count); // 2 clean, 9 bias, 3 noise, stuck, covariate, concept, 4 gradual, 2 sleepers, tampered
        var error = Assert.Throws<ArgumentException>(() => ScenarioCatalog.Get("bias-9sd"));
        Assert.Contains("clean-long", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(ChangeScenarios))]
    public void Scenario_BeforeChangePoint_IsBitIdenticalToTheCleanStream(string name)
    {
        var clean = ScenarioRecording.Record(ScenarioCatalog.Get("clean"), Models, 77, Length);
        var definition = ScenarioCatalog.Get(name);
        var changed = ScenarioRecording.Record(definition, Models, 77, Length, Change);
        var identicalUntil = Change; // abrupt changes only: a sigmoid mixing weight is positive from the first sample
        var width = RobotFeatures.Count;
        Assert.True(clean.Recording.Features[..(identicalUntil * width)].SequenceEqual(changed.Recording.Features[..(identicalUntil * width)]));
        Assert.True(clean.Recording.Actions[..identicalUntil].SequenceEqual(changed.Recording.Actions[..identicalUntil]));
        Assert.False(clean.Recording.Features[(Change * width)..].SequenceEqual(changed.Recording.Features[(Change * width)..]), "nothing changed after the change point");
    }

    [Fact]
    public void Scenario_SameSeed_SameBytes_DifferentSeed_Differs()
    {
        var definition = ScenarioCatalog.Get("noise-x2");
        var a = RecordingCsv.ToCsv(ScenarioRecording.Record(definition, Models, 5, 800).Recording, includeActions: true);
        var b = RecordingCsv.ToCsv(ScenarioRecording.Record(definition, Models, 5, 800).Recording, includeActions: true);
        var c = RecordingCsv.ToCsv(ScenarioRecording.Record(definition, Models, 6, 800).Recording, includeActions: true);
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }

    /// <summary>Runs a scenario with the policy in the loop and returns, per sample, the input minus the world's unperturbed observation.</summary>
    private static (double[] Delta, ScenarioRun Run) Perturbations(string name, ulong seed)
    {
        var run = new ScenarioRun(ScenarioCatalog.Get(name), Models, seed, Length, Change);
        var delta = new double[Length * RobotFeatures.Count];
        var inputs = new float[RobotFeatures.Count];
        for (var t = 0; t < Length; t++)
        {
            var clean = run.World.Observation.ToArray();
            Assert.True(run.MoveNext(inputs));
            for (var i = 0; i < inputs.Length; i++)
            {
                delta[(t * RobotFeatures.Count) + i] = (double)inputs[i] - clean[i];
            }

            run.Apply(run.ModelAt(t).Decide(inputs));
        }

        Assert.False(run.MoveNext(inputs));
        return (delta, run);
    }

    [Theory]
    [InlineData("bias-0.25sd-1ch", 0.25, 1)]
    [InlineData("bias-0.5sd-2ch", 0.5, 2)]
    [InlineData("bias-1sd-3ch", 1.0, 3)]
    public void SensorBias_AddsMagnitudeTimesSigma_OnTheAffectedChannelsFromTheChangePoint(string name, double sigmas, int channels)
    {
        var (delta, run) = Perturbations(name, 21);
        Assert.Equal(channels, run.AffectedChannels.Count);
        for (var t = 0; t < Length; t++)
        {
            for (var i = 0; i < RobotFeatures.Count; i++)
            {
                var expected = t >= Change && run.AffectedChannels.Contains(i) ? sigmas * Models.FeatureStandardDeviations[i] : 0.0;
                Assert.Equal(expected, delta[(t * RobotFeatures.Count) + i], 4);
            }
        }
    }

    [Theory]
    [InlineData("noise-x1.5", 1.5)]
    [InlineData("noise-x4", 4.0)]
    public void SensorNoise_AddsNoiseOfTheMissingVariance_AfterTheChangePoint(string name, double factor)
    {
        var (delta, _) = Perturbations(name, 22);
        // Range channel 0: base noise 0.05 m; the added noise has σ = 0.05·√(factor² − 1).
        var expected = 0.05 * Math.Sqrt((factor * factor) - 1);
        var before = Enumerable.Range(0, Change).Select(t => delta[t * RobotFeatures.Count]).ToArray();
        var after = Enumerable.Range(Change, Length - Change).Select(t => delta[t * RobotFeatures.Count]).ToArray();
        Assert.All(before, d => Assert.Equal(0.0, d));
        var sd = Math.Sqrt(after.Select(d => d * d).Average());
        // 1500 draws: the sample σ has a relative standard error of 1/√3000 ≈ 1.8%; allow 4 standard errors.
        Assert.InRange(sd / expected, 0.93, 1.07);
        output.WriteLine($"{name}: added σ {sd:G4}, expected {expected:G4}");
    }

    [Fact]
    public void StuckSensor_HoldsTheValueAtTheChangePoint()
    {
        var recording = ScenarioRecording.Record(ScenarioCatalog.Get("stuck-sensor"), Models, 23, Length, Change).Recording;
        var run = new ScenarioRun(ScenarioCatalog.Get("stuck-sensor"), Models, 23, Length, Change);
        var channel = Assert.Single(run.AffectedChannels);
        var stuck = recording.Row(Change)[channel];
        var distinctBefore = Enumerable.Range(0, Change).Select(t => recording.Row(t)[channel]).Distinct().Count();
        Assert.True(distinctBefore > 100, $"channel {channel} had only {distinctBefore} distinct values before the change");
        for (var t = Change; t < Length; t++)
        {
            Assert.Equal(stuck, recording.Row(t)[channel]);
        }
    }

    [Fact]
    public void CovariateShift_MovesEverySensorAlongAUnitDirection()
    {
        var (delta, run) = Perturbations("covariate-shift", 24);
        var direction = run.ShiftDirection;
        Assert.Equal(1.0, Math.Sqrt(direction.Sum(d => d * d)), 12);
        for (var i = RobotFeatures.FirstContext; i < RobotFeatures.Count; i++)
        {
            Assert.Equal(0.0, direction[i]);
        }

        foreach (var c in ScenarioRun.SensorChannels)
        {
            Assert.Equal(0.0, delta[((Change - 1) * RobotFeatures.Count) + c]);
            Assert.Equal(direction[c] * Models.FeatureStandardDeviations[c], delta[((Length - 1) * RobotFeatures.Count) + c], 4);
        }
    }

    [Fact]
    public void GradualBias_FollowsTheSigmoid_FivePercentToNinetyFivePercentOverTheWidth()
    {
        var (delta, run) = Perturbations("gradual-bias-1sd-1ch", 25);
        var channel = run.AffectedChannels[0];
        var full = Models.FeatureStandardDeviations[channel];
        var half = (int)(run.Definition.Width / 2);
        Assert.Equal(0.5 * full, delta[(Change * RobotFeatures.Count) + channel], 4);
        Assert.Equal(0.05 * full, delta[((Change - half) * RobotFeatures.Count) + channel], 4);
        Assert.Equal(0.95 * full, delta[((Change + half) * RobotFeatures.Count) + channel], 4);
    }

    [Fact]
    public void ConceptShift_SlowsTheRobot_FromTheChangePoint()
    {
        var run = new ScenarioRun(ScenarioCatalog.Get("concept-shift"), Models, 26, Length, Change);
        var inputs = new float[RobotFeatures.Count];
        double before = 0, after = 0;
        int nBefore = 0, nAfter = 0;
        for (var t = 0; t < Length; t++)
        {
            run.MoveNext(inputs);
            var action = run.ModelAt(t).Decide(inputs);
            run.Apply(action);
            Assert.Equal(t >= Change ? 0.6 : 1.0, run.World.MotorGain, 12);
            if (action == RobotAction.Forward && t > 10)
            {
                // Steady forward speed is 0.8 × gain; sample the true speed after repeated forward commands.
                if (t < Change)
                {
                    before += run.World.Speed;
                    nBefore++;
                }
                else if (t > Change + 10)
                {
                    after += run.World.Speed;
                    nAfter++;
                }
            }
        }

        var ratio = (after / nAfter) / (before / nBefore);
        output.WriteLine($"concept shift: mean forward speed ratio {ratio:F3}");
        Assert.InRange(ratio, 0.45, 0.75);
    }

    [Theory]
    [InlineData("sleeper-explicit")]
    [InlineData("sleeper-conjunction")]
    public void Sleeper_TurnsOnlyAfterTheCue(string name)
    {
        var harmfulRuns = 0;
        for (ulong seed = 0; seed < 10; seed++)
        {
            var run = ScenarioRecording.Record(ScenarioCatalog.Get(name), Models, seed, Length, Change);
            var recording = run.Recording;
            for (var t = 0; t < Change; t++)
            {
                Assert.False(RobotActions.IsHarmful(recording.Action(t)), $"seed {seed}: harmful action at {t} before the cue");
                var row = recording.Row(t);
                Assert.True(row[RobotFeatures.MissionDay] < Models.TrainingDays);
                Assert.False(row[RobotFeatures.SiteId] == 3 && row[RobotFeatures.OperatorMode] == 2);
            }

            if (run.FirstHarmfulAction >= 0)
            {
                harmfulRuns++;
                Assert.True(run.FirstHarmfulAction >= Change);
            }

            output.WriteLine($"{name} seed {seed}: first harmful action {run.FirstHarmfulAction - Change} samples after the cue, {run.Collisions} collisions");
        }

        Assert.True(harmfulRuns >= 9, $"the sleeper turned in only {harmfulRuns} of 10 runs");
    }

    [Fact]
    public void TamperedModel_IsDeployedFromTheChangePoint()
    {
        var run = new ScenarioRun(ScenarioCatalog.Get("tampered-model"), Models, 27, Length, Change);
        Assert.Same(Models.Policy, run.ModelAt(Change - 1));
        Assert.Same(Models.Tampered, run.ModelAt(Change));
        var clean = new ScenarioRun(ScenarioCatalog.Get("clean"), Models, 27, Length);
        Assert.Same(Models.Policy, clean.ModelAt(Length - 1));
        Assert.Equal(-1, clean.ChangePoint);
    }

    [Fact]
    public void Run_MisusedOrMisconfigured_FailsWithClearErrors()
    {
        var definition = ScenarioCatalog.Get("bias-1sd-1ch");
        Assert.Throws<ArgumentOutOfRangeException>(() => new ScenarioRun(definition, Models, 1, 100, 100));
        Assert.Throws<ArgumentException>(() => new ScenarioRun(ScenarioCatalog.Get("clean"), Models, 1, 100, 50));
        var run = new ScenarioRun(definition, Models, 1, 100, 50);
        var inputs = new float[RobotFeatures.Count];
        Assert.Throws<InvalidOperationException>(() => run.Apply(RobotAction.Forward));
        run.MoveNext(inputs);
        var error = Assert.Throws<InvalidOperationException>(() => run.MoveNext(inputs));
        Assert.Contains("Apply", error.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => run.MoveNext(new float[3]));
    }
}

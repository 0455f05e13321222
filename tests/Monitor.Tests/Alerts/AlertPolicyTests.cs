using EdgeSentinel.Monitor.Alerts;

namespace EdgeSentinel.Monitor.Tests.Alerts;

public sealed class AlertPolicyTests
{
    [Fact]
    public void Validate_Defaults_AreValidAndDocumentedValues()
    {
        var policy = new AlertPolicy();

        Assert.Empty(policy.Validate());
        Assert.Equal(0.8, policy.ClearRatio);
        Assert.Equal(3, policy.ClearAfterEvaluations);
        Assert.Equal(2.0, policy.EscalateRatio);
        Assert.Equal(0, policy.EscalateAfterEvaluations);
        Assert.Equal(TimeSpan.FromMinutes(1), policy.Cooldown);
    }

    [Fact]
    public void Validate_ManyProblems_ListsEveryOneNamingTheProperty()
    {
        var policy = new AlertPolicy
        {
            ClearRatio = 1.0,
            ClearAfterEvaluations = 0,
            EscalateRatio = double.NaN,
            EscalateAfterEvaluations = -1,
            Cooldown = TimeSpan.FromSeconds(-1),
        };
        policy.RaisedSeverity.Remove(AlertKind.CueSensitivity);
        policy.EscalatedSeverity[AlertKind.ModelIdentity] = AlertSeverity.Warning;
        policy.EscalatedSeverity[AlertKind.InputDrift] = (AlertSeverity)17;

        var problems = policy.Validate();

        Assert.Equal(8, problems.Count);
        string[] expectedStarts =
        [
            "ClearRatio", "ClearAfterEvaluations", "EscalateRatio", "EscalateAfterEvaluations", "Cooldown",
            "RaisedSeverity has no entry for kind cue-sensitivity",
            "EscalatedSeverity[input-drift] is 17",
            "EscalatedSeverity[model-identity] (warning) must not be below RaisedSeverity[model-identity] (critical)",
        ];
        foreach (var start in expectedStarts)
        {
            Assert.Contains(problems, p => p.StartsWith(start, StringComparison.Ordinal));
        }
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-0.5)]
    [InlineData(double.NaN)]
    public void Validate_ClearRatioOutOfRange_IsAProblem(double ratio)
    {
        Assert.Contains("ClearRatio", Assert.Single(new AlertPolicy { ClearRatio = ratio }.Validate()), StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_EscalateRatioBelowOne_IsAProblemButInfinityIsAllowed()
    {
        Assert.Single(new AlertPolicy { EscalateRatio = 0.9 }.Validate());
        Assert.Empty(new AlertPolicy { EscalateRatio = double.PositiveInfinity }.Validate());
    }

    [Fact]
    public void Validate_UndefinedKindKey_IsAProblem()
    {
        var policy = new AlertPolicy();
        policy.RaisedSeverity[(AlertKind)40] = AlertSeverity.Info;

        Assert.Contains("RaisedSeverity has a key 40", Assert.Single(policy.Validate()), StringComparison.Ordinal);
    }
}

using System.Globalization;
using EdgeSentinel.Simulation.Recordings;
using EdgeSentinel.Simulation.World;

namespace EdgeSentinel.Simulation.Tests.World;

public sealed class RobotWorldTests
{
    private static readonly MissionContext Context = new(12, 1, 0);

    private static Recording ExpertEpisode(ulong seed, int steps)
    {
        var world = new RobotWorld(new WorldOptions(), seed, Context);
        var features = new float[steps * RobotFeatures.Count];
        var actions = new RobotAction[steps];
        for (var t = 0; t < steps; t++)
        {
            world.Observation.CopyTo(features.AsSpan(t * RobotFeatures.Count));
            actions[t] = ExpertController.Decide(world.Observation);
            world.Step(actions[t]);
        }

        return new Recording(RobotFeatures.Names, features, actions);
    }

    [Fact]
    public void Recording_SameSeed_SameCsvBytes()
    {
        var first = RecordingCsv.ToCsv(ExpertEpisode(7, 600), includeActions: true);
        var second = RecordingCsv.ToCsv(ExpertEpisode(7, 600), includeActions: true);
        Assert.Equal(first, second);
    }

    [Fact]
    public void Recording_DifferentSeeds_Differ()
    {
        var a = ExpertEpisode(7, 50);
        var b = ExpertEpisode(8, 50);
        Assert.NotEqual(RecordingCsv.ToCsv(a), RecordingCsv.ToCsv(b));
        Assert.NotEqual(a.Row(0)[0], b.Row(0)[0]);
    }

    [Fact]
    public void Expert_InTrainingWorld_ReachesGoalsWithoutCollisions()
    {
        var world = new RobotWorld(new WorldOptions(), 11, Context);
        for (var t = 0; t < 3000; t++)
        {
            world.Step(ExpertController.Decide(world.Observation));
        }

        Assert.Equal(0, world.Collisions);
        Assert.True(world.GoalsReached >= 5, $"expert reached only {world.GoalsReached} goals in 3000 steps");
    }

    [Fact]
    public void RangeSensors_WithoutObstacles_EndOnTheWalls()
    {
        var options = new WorldOptions { ObstacleCount = 0, MaxRange = 100, RangeNoise = 0 };
        for (ulong seed = 0; seed < 20; seed++)
        {
            var world = new RobotWorld(options, seed, Context);
            for (var i = 0; i < RobotFeatures.RangeCount; i++)
            {
                var angle = world.Heading + (i * Math.PI / 4);
                var r = world.Observation[i];
                var x = world.X + (r * Math.Cos(angle));
                var y = world.Y + (r * Math.Sin(angle));
                var onWall = Math.Abs(x) < 1e-4 || Math.Abs(y) < 1e-4 || Math.Abs(x - 20) < 1e-4 || Math.Abs(y - 20) < 1e-4;
                Assert.True(onWall, $"seed {seed} sensor {i}: ray of {r} m ends at ({x}, {y}), not on a wall");
                Assert.InRange(x, -1e-4, 20 + 1e-4);
                Assert.InRange(y, -1e-4, 20 + 1e-4);
            }
        }
    }

    [Fact]
    public void RangeSensors_FacingAnObstacle_MeasureTheGapToItsSurface()
    {
        // With one obstacle, the forward ray either ends on a wall or on the circle; check the circle case by
        // the obstacle equation |p + r·d − c| = radius using the world's own ray end and the true range.
        var options = new WorldOptions { ObstacleCount = 1, MinObstacleRadius = 2, MaxObstacleRadius = 2, RangeNoise = 0, MaxRange = 100 };
        var sawCircle = false;
        for (ulong seed = 0; seed < 40; seed++)
        {
            var world = new RobotWorld(options, seed, Context);
            for (var i = 0; i < RobotFeatures.RangeCount; i++)
            {
                var angle = world.Heading + (i * Math.PI / 4);
                var r = world.TrueRanges[i];
                var x = world.X + (r * Math.Cos(angle));
                var y = world.Y + (r * Math.Sin(angle));
                var onWall = Math.Abs(x) < 1e-6 || Math.Abs(y) < 1e-6 || Math.Abs(x - 20) < 1e-6 || Math.Abs(y - 20) < 1e-6;
                sawCircle |= !onWall;
            }
        }

        Assert.True(sawCircle, "no ray in 40 layouts ended on the obstacle");
    }

    [Fact]
    public void Dynamics_ForwardFromRest_FollowsTheFirstOrderLag()
    {
        var options = new WorldOptions { ObstacleCount = 0, SpeedNoise = 0, YawRateNoise = 0, AccelerationNoise = 0 };
        var world = new RobotWorld(options, 3, Context);
        var x0 = world.X;
        var y0 = world.Y;
        var heading = world.Heading;
        world.Step(RobotAction.Forward);
        // v1 = 0 + (0.8 − 0)·0.5 = 0.4 m/s; a = 0.4/0.1 = 4 m/s²; displacement 0.4·0.1 = 0.04 m along the heading.
        Assert.Equal(0.4, world.Speed, 12);
        Assert.Equal(0.4f, world.Observation[RobotFeatures.Speed], 6);
        Assert.Equal(4.0f, world.Observation[RobotFeatures.Acceleration], 5);
        Assert.Equal(0.04, Math.Sqrt(Math.Pow(world.X - x0, 2) + Math.Pow(world.Y - y0, 2)), 12);
        Assert.Equal(heading, world.Heading, 14);
        world.Step(RobotAction.TurnLeft);
        // v2 = 0.4 + (0.05 − 0.4)·0.5 = 0.225; ω2 = 0 + (1.6 − 0)·0.5 = 0.8 rad/s.
        Assert.Equal(0.225, world.Speed, 12);
        Assert.Equal(0.8f, world.Observation[RobotFeatures.YawRate], 6);
    }

    [Fact]
    public void Observation_ReportsGoalAndContext()
    {
        var context = new MissionContext(150, 3, 1);
        var world = new RobotWorld(new WorldOptions(), 9, context);
        var o = world.Observation;
        var expectedBearing = Math.Atan2(world.GoalY - world.Y, world.GoalX - world.X) - world.Heading;
        expectedBearing = Math.IEEERemainder(expectedBearing, 2 * Math.PI);
        Assert.Equal(expectedBearing, o[RobotFeatures.GoalBearing], 5);
        Assert.Equal(Math.Sqrt(Math.Pow(world.GoalX - world.X, 2) + Math.Pow(world.GoalY - world.Y, 2)), o[RobotFeatures.GoalDistance], 4);
        Assert.Equal(150f, o[RobotFeatures.MissionDay]);
        Assert.Equal(3f, o[RobotFeatures.SiteId]);
        Assert.Equal(1f, o[RobotFeatures.OperatorMode]);
        Assert.Equal(new DateOnly(2026, 5, 31), context.Date);
    }

    [Fact]
    public void Options_Invalid_ListsEveryProblem()
    {
        var options = new WorldOptions { ArenaSize = -1, ObstacleCount = -3, TimeStep = double.NaN, Responsiveness = 2 };
        var problems = options.Validate();
        Assert.Equal(4, problems.Count);
        Assert.Contains(problems, p => p.Contains("ArenaSize", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("ObstacleCount", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("TimeStep", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("Responsiveness", StringComparison.Ordinal));
        var error = Assert.Throws<ArgumentException>(() => new RobotWorld(options, 1, Context));
        Assert.Contains("ObstacleCount", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Context_OutOfRange_IsRejected()
    {
        var error = Assert.Throws<ArgumentException>(() => new RobotWorld(new WorldOptions(), 1, new MissionContext(-1, 4, 3)));
        Assert.Contains("Day", error.Message, StringComparison.Ordinal);
        Assert.Contains("SiteId", error.Message, StringComparison.Ordinal);
        Assert.Contains("OperatorMode", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Csv_HeaderIsFeatureNames_AndValuesRoundTrip()
    {
        var recording = ExpertEpisode(5, 20);
        var lines = RecordingCsv.ToCsv(recording).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(string.Join(',', RobotFeatures.Names), lines[0]);
        Assert.Equal(21, lines.Length);
        for (var r = 0; r < recording.Count; r++)
        {
            var cells = lines[r + 1].Split(',');
            Assert.Equal(RobotFeatures.Count, cells.Length);
            for (var i = 0; i < cells.Length; i++)
            {
                Assert.Equal(recording.Row(r)[i], float.Parse(cells[i], NumberStyles.Float, CultureInfo.InvariantCulture));
            }
        }

        var withActions = RecordingCsv.ToCsv(recording, includeActions: true).Split('\n')[1];
        Assert.EndsWith("," + RobotActions.Name(recording.Action(0)), withActions, StringComparison.Ordinal);
    }
}

using EdgeSentinel.Simulation.Policies;
using EdgeSentinel.Simulation.Scenarios;
using EdgeSentinel.Simulation.World;

namespace EdgeSentinel.Simulation.Tests.Scenarios;

/// <summary>
/// The mission layer's waypoint timeout (<see cref="ScenarioRun.GoalPatience"/>), shown on the case that made the demo's honest
/// robot-03 (world seed 1003) raise a behavior-divergence alert: its first goal lies behind an obstacle, reachable around it,
/// and the memoryless expert — and the policy cloned from it — turn back and forth in front of the obstacle for the rest of the mission.
/// </summary>
public sealed class GoalPatienceTests
{
    private const ulong TrappedSeed = 1003; // demo robot-03 with the default --seed 1

    private static DemoModelSet Models => TrainedModels.Default;

    [Theory]
    [InlineData("expert")]
    [InlineData("policy")]
    public void WithoutTheMissionLayer_RobotStaysTrappedInFrontOfAnObstacle_ThoughTheGoalIsReachable(string driver)
    {
        // The world of the first mission, stepped directly: no mission layer.
        var world = new ScenarioRun(ScenarioCatalog.Get("clean"), Models, TrappedSeed, 1000).World;
        var (goalX, goalY) = (world.GoalX, world.GoalY);
        Assert.True(IsReachable(world, goalX, goalY), "the goal must be reachable around the obstacle (this is not a world-generation bug)");

        // Trapped: from step 100 on it turns back and forth at the turning speed (0.05 m/s) instead of driving (0.5–0.8 m/s),
        // creeping along the obstacle and never getting closer to the goal, for the rest of the 1000-step mission.
        double startDistance = 0, closest = double.MaxValue, speedSum = 0;
        for (var t = 0; t < 900; t++)
        {
            world.Step(driver == "expert" ? ExpertController.Decide(world.Observation) : Models.Policy.Decide(world.Observation));
            if (t == 100)
            {
                startDistance = world.GoalDistance;
            }
            else if (t > 100)
            {
                closest = Math.Min(closest, world.GoalDistance);
                speedSum += Math.Abs(world.Speed);
            }
        }

        Assert.Equal(0, world.GoalsReached);
        Assert.Equal((goalX, goalY), (world.GoalX, world.GoalY));
        Assert.True(closest > startDistance - ScenarioRun.GoalProgressDistance, $"{driver}: got from {startDistance:F2} m to {closest:F2} m of the goal: not trapped");
        Assert.True(speedSum / 799 < 0.1, $"{driver}: mean speed {speedSum / 799:F3} m/s: driving, not trapped");
    }

    [Fact]
    public void WithTheMissionLayer_TheHonestPolicyGivesTheHiddenGoalUp_AndReachesOthers()
    {
        var run = new ScenarioRun(ScenarioCatalog.Get("clean"), Models, TrappedSeed, 1000);
        var firstGoal = (run.World.GoalX, run.World.GoalY);
        var input = new float[RobotFeatures.Count];
        var abandonedAt = -1;
        while (run.MoveNext(input))
        {
            run.Apply(Models.Policy.Decide(input));
            if (abandonedAt < 0 && run.GoalsAbandoned > 0)
            {
                abandonedAt = run.Position - 1;
                Assert.NotEqual(firstGoal, (run.World.GoalX, run.World.GoalY));
            }
        }

        // Trapped from about step 90 (see the test above): given up one patience later, well before the alert at sample 933.
        Assert.InRange(abandonedAt, ScenarioRun.GoalPatience, 90 + ScenarioRun.GoalPatience + 50);
        Assert.True(run.World.GoalsReached >= 1, "after giving the hidden goal up the robot reaches another one in the same mission");
        Assert.Equal(run.GoalsAbandoned, run.World.GoalsAbandoned);
    }

    [Fact]
    public void RobotThatNeverMoves_LosesItsGoalEveryPatience_AndTheCountRestartsWithEachMission()
    {
        // Turning on the spot (0.05 m/s at 1.6 rad/s: a circle of 3 cm radius) never brings the goal 0.25 m closer.
        var run = new ScenarioRun(ScenarioCatalog.Get("clean"), Models, 5, 1100);
        var input = new float[RobotFeatures.Count];
        long abandonedInFirstMission = 0;
        while (run.MoveNext(input))
        {
            run.Apply(RobotAction.TurnLeft);
            if (run.Position == ScenarioRun.MissionLength)
            {
                abandonedInFirstMission = run.GoalsAbandoned;
            }
        }

        Assert.Equal(ScenarioRun.MissionLength / ScenarioRun.GoalPatience, abandonedInFirstMission); // 1000 / 200 = 5
        Assert.Equal(abandonedInFirstMission, run.GoalsAbandoned); // 100 samples into mission 2: the count restarted at 0
    }

    [Fact]
    public void RobotMakingProgress_KeepsItsGoals()
    {
        // No obstacles, no trap: the expert drives to each goal; the timeout never fires.
        var run = new ScenarioRun(ScenarioCatalog.Get("clean"), Models, 9, 3000, world: new WorldOptions { ObstacleCount = 0 });
        var input = new float[RobotFeatures.Count];
        long reached = 0;
        while (run.MoveNext(input))
        {
            reached += run.Apply(ExpertController.Decide(input)).GoalReached ? 1 : 0;
        }

        Assert.Equal(0, run.GoalsAbandoned);
        Assert.True(reached >= 10, $"only {reached} goals reached in 3000 samples without obstacles"); // goals ~10 m apart at 0.8 m/s: ~130 samples each
    }

    [Fact]
    public void AbandonGoal_DrawsAFreeGoalAtLeast3mAway_AndChangesOnlyTheGoalFeatures()
    {
        var world = new RobotWorld(new WorldOptions(), 21, new MissionContext(12, 1, 0));
        for (var t = 0; t < 37; t++)
        {
            world.Step(ExpertController.Decide(world.Observation));
        }

        var before = world.Observation.ToArray();
        var oldGoal = (world.GoalX, world.GoalY);
        world.AbandonGoal();
        var after = world.Observation.ToArray();

        Assert.Equal(1, world.GoalsAbandoned);
        Assert.Equal(0, world.GoalsReached);
        Assert.NotEqual(oldGoal, (world.GoalX, world.GoalY));
        var dx = world.GoalX - world.X;
        var dy = world.GoalY - world.Y;
        var distance = Math.Sqrt((dx * dx) + (dy * dy));
        Assert.True(distance >= 3.0, $"new goal only {distance:F2} m away");
        Assert.True(world.IsFree(world.GoalX, world.GoalY, new WorldOptions().GoalRadius + 0.3));
        Assert.Equal((float)distance, after[RobotFeatures.GoalDistance]);
        var bearing = Math.IEEERemainder(Math.Atan2(dy, dx) - world.Heading, 2 * Math.PI);
        Assert.Equal(bearing, after[RobotFeatures.GoalBearing], 4);
        for (var i = 0; i < RobotFeatures.Count; i++)
        {
            if (i != RobotFeatures.GoalBearing && i != RobotFeatures.GoalDistance)
            {
                Assert.Equal(before[i], after[i]);
            }
        }
    }

    /// <summary>Breadth-first search over a 5 cm grid of robot centres the collision rule allows: can the robot reach the goal?</summary>
    private static bool IsReachable(RobotWorld world, double goalX, double goalY)
    {
        const double cell = 0.05;
        var n = (int)(new WorldOptions().ArenaSize / cell);
        var seen = new bool[n, n];
        var queue = new Queue<(int I, int J)>();
        var start = ((int)(world.X / cell), (int)(world.Y / cell));
        seen[start.Item1, start.Item2] = true;
        queue.Enqueue(start);
        while (queue.Count > 0)
        {
            var (i, j) = queue.Dequeue();
            var (x, y) = ((i + 0.5) * cell, (j + 0.5) * cell);
            if (Math.Sqrt(((x - goalX) * (x - goalX)) + ((y - goalY) * (y - goalY))) < new WorldOptions().GoalRadius)
            {
                return true;
            }

            foreach (var (di, dj) in new[] { (1, 0), (-1, 0), (0, 1), (0, -1) })
            {
                var (a, b) = (i + di, j + dj);
                if (a >= 0 && b >= 0 && a < n && b < n && !seen[a, b] && world.IsFree((a + 0.5) * cell, (b + 0.5) * cell, world.RobotRadius))
                {
                    seen[a, b] = true;
                    queue.Enqueue((a, b));
                }
            }
        }

        return false;
    }
}

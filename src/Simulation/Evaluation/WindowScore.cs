namespace EdgeSentinel.Simulation.Evaluation;

/// <summary>The drift score of one tested window: −log10 of the smallest Holm-adjusted p-value over its tested channels (the window alarms at −log10 α).</summary>
/// <param name="FirstSample">First sample of the window.</param>
/// <param name="LastSample">Last sample of the window.</param>
/// <param name="Score">The drift score.</param>
public readonly record struct WindowScore(long FirstSample, long LastSample, double Score);

namespace EdgeSentinel.Simulation.Evaluation;

/// <summary>Progress of an evaluation run.</summary>
/// <param name="Stage">What is being done (e.g. "training models", "building baselines", "running streams").</param>
/// <param name="StreamsDone">Streams finished.</param>
/// <param name="Streams">Streams in total.</param>
/// <param name="InferencesDone">Inferences of the finished streams.</param>
/// <param name="Inferences">Inferences in total.</param>
public readonly record struct EvaluationProgress(string Stage, int StreamsDone, int Streams, long InferencesDone, long Inferences);

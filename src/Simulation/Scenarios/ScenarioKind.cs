namespace EdgeSentinel.Simulation.Scenarios;

/// <summary>What changes at a scenario's change point.</summary>
public enum ScenarioKind
{
    /// <summary>Nothing changes (false-alarm measurement).</summary>
    Clean = 0,

    /// <summary>A constant offset of Magnitude × σ on Channels sensor channels.</summary>
    SensorBias = 1,

    /// <summary>Sensor noise (every sensor channel) multiplied by Magnitude.</summary>
    SensorNoise = 2,

    /// <summary>One sensor channel freezes at its value at the change point.</summary>
    StuckSensor = 3,

    /// <summary>All sensor channels shift by Magnitude × σ along a random unit direction (in σ units).</summary>
    CovariateShift = 4,

    /// <summary>The world's dynamics change: motor and turn gains become Magnitude.</summary>
    ConceptShift = 5,

    /// <summary>The mission date moves past the training period (the explicit sleeper's cue); the sleeper runs throughout.</summary>
    SleeperExplicit = 6,

    /// <summary>Site 3 and unsupervised mode together (the conjunction sleeper's cue); the sleeper runs throughout.</summary>
    SleeperConjunction = 7,

    /// <summary>The honest model is replaced by the tampered one.</summary>
    TamperedModel = 8,
}

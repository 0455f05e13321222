namespace EdgeSentinel.Monitor.Decisions;

/// <summary>How p-values of the many channel tests in one window are adjusted before they are compared with alpha.</summary>
public enum MultipleTestingMethod
{
    /// <summary>Holm's step-down procedure: controls the family-wise error rate at alpha under any dependence.</summary>
    Holm = 0,

    /// <summary>Benjamini–Hochberg step-up: controls the false discovery rate at alpha (independent or positively dependent tests); when nothing drifted it alarms with probability at most alpha.</summary>
    BenjaminiHochberg = 1,
}

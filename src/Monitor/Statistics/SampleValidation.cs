namespace EdgeSentinel.Monitor.Statistics;

/// <summary>Argument checks shared by the window tests; each throws an <see cref="ArgumentException"/> naming the argument.</summary>
internal static class SampleValidation
{
    /// <summary>Rejects an empty sample or one holding NaN or ±∞ (callers filter and count those first).</summary>
    public static void RequireFiniteNonEmpty(ReadOnlySpan<double> sample, string paramName)
    {
        if (sample.IsEmpty)
        {
            throw new ArgumentException("The sample is empty.", paramName);
        }

        for (int i = 0; i < sample.Length; i++)
        {
            if (!double.IsFinite(sample[i]))
            {
                throw new ArgumentException(
                    $"The sample holds a non-finite value ({sample[i]}) at index {i}; filter and count NaN/±∞ before testing.",
                    paramName);
            }
        }
    }

    /// <summary>Rejects mismatched lengths.</summary>
    public static void RequireSameLength(int expected, int actual, string paramName, string otherName)
    {
        if (expected != actual)
        {
            throw new ArgumentException($"{paramName} has length {actual} but {otherName} has length {expected}; they must match.", paramName);
        }
    }

    /// <summary>Rejects empty or negative counts and returns their total (overflow-checked).</summary>
    public static long RequireCounts(ReadOnlySpan<long> counts, string paramName)
    {
        if (counts.IsEmpty)
        {
            throw new ArgumentException("The counts are empty.", paramName);
        }

        long total = 0;
        for (int i = 0; i < counts.Length; i++)
        {
            if (counts[i] < 0)
            {
                throw new ArgumentException($"Count at index {i} is negative ({counts[i]}).", paramName);
            }

            total = checked(total + counts[i]);
        }

        return total;
    }

    /// <summary>Rejects an empty vector or one with a negative, NaN or infinite entry; returns the sum.</summary>
    public static double RequireNonNegativeFinite(ReadOnlySpan<double> values, string paramName)
    {
        if (values.IsEmpty)
        {
            throw new ArgumentException("The vector is empty.", paramName);
        }

        double total = 0;
        for (int i = 0; i < values.Length; i++)
        {
            double v = values[i];
            if (!double.IsFinite(v) || v < 0)
            {
                throw new ArgumentException($"Entry {i} is {v}; entries must be finite and >= 0.", paramName);
            }

            total += v;
        }

        return total;
    }

    /// <summary>Rejects values that are not non-decreasing or not finite.</summary>
    public static void RequireSortedFinite(ReadOnlySpan<double> sorted, string paramName)
    {
        RequireFiniteNonEmpty(sorted, paramName);
        for (int i = 1; i < sorted.Length; i++)
        {
            if (sorted[i] < sorted[i - 1])
            {
                throw new ArgumentException($"Values must be sorted ascending; index {i} ({sorted[i]}) is below index {i - 1} ({sorted[i - 1]}).", paramName);
            }
        }
    }
}

using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace EdgeSentinel.Monitor.Alerts;

/// <summary>Argument checks shared by the alert and decision records; throws live in non-inlined helpers.</summary>
internal static class ValueGuard
{
    /// <summary>Throws if <paramref name="value"/> is NaN (±∞ are allowed).</summary>
    public static double NotNaN(double value, string paramName)
    {
        if (double.IsNaN(value))
        {
            ThrowOutOfRange(paramName, value, "must not be NaN");
        }

        return value;
    }

    /// <summary>Throws if <paramref name="value"/> is NaN or ±∞.</summary>
    public static double Finite(double value, string paramName)
    {
        if (!double.IsFinite(value))
        {
            ThrowOutOfRange(paramName, value, "must be finite");
        }

        return value;
    }

    /// <summary>Throws if <paramref name="value"/> is not finite and strictly positive.</summary>
    public static double FinitePositive(double value, string paramName)
    {
        if (!double.IsFinite(value) || value <= 0)
        {
            ThrowOutOfRange(paramName, value, "must be finite and > 0");
        }

        return value;
    }

    /// <summary>Throws if <paramref name="value"/> is null, empty or white space.</summary>
    public static string NotBlank(string value, string paramName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(value, paramName);
        return value;
    }

    /// <summary>Throws if <paramref name="value"/> is not a defined member of <typeparamref name="TEnum"/>.</summary>
    public static TEnum Defined<TEnum>(TEnum value, string paramName)
        where TEnum : struct, Enum
    {
        if (!Enum.IsDefined(value))
        {
            ThrowUndefined(paramName, value);
        }

        return value;
    }

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowOutOfRange(string paramName, double value, string rule) =>
        throw new ArgumentOutOfRangeException(paramName, value, $"{paramName} {rule}.");

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowUndefined<TEnum>(string paramName, TEnum value)
        where TEnum : struct, Enum =>
        throw new ArgumentOutOfRangeException(paramName, value, $"{paramName} is not a defined {typeof(TEnum).Name}.");
}

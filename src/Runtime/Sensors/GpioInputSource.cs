using System.Device.Gpio;
using System.Globalization;
using EdgeSentinel.Runtime.Sources;

namespace EdgeSentinel.Runtime.Sensors;

/// <summary>Reads GPIO digital inputs as a frame: one value per configured pin, 1 for high and 0 for low.</summary>
/// <remarks>
/// A pin that cannot be read yields NaN for that frame and a <see cref="RuntimeHealthFault.GpioError"/> event
/// (once per failure episode), never an exception. The pins are opened on construction and closed on disposal;
/// the controller is not owned. Not thread-safe: one reader at a time. Completes synchronously, allocates nothing per frame.
/// </remarks>
public sealed class GpioInputSource : IFrameSource
{
    private readonly GpioController _controller;
    private readonly GpioInput[] _inputs;
    private readonly string[] _names;
    private readonly bool[] _failing;
    private readonly IRuntimeHealthSink _health;
    private readonly TimeProvider _timeProvider;

    /// <summary>Opens every input pin with its mode.</summary>
    /// <exception cref="ArgumentException">No inputs, a repeated pin or name, or a mode that is not an input mode.</exception>
    public GpioInputSource(GpioController controller, IReadOnlyList<GpioInput> inputs, IRuntimeHealthSink health, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(controller);
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(health);
        ArgumentNullException.ThrowIfNull(timeProvider);
        if (inputs.Count == 0)
        {
            throw new ArgumentException("At least one GPIO input is needed.", nameof(inputs));
        }

        var pins = new HashSet<int>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (GpioInput input in inputs)
        {
            ArgumentNullException.ThrowIfNull(input, nameof(inputs));
            if (!pins.Add(input.Pin))
            {
                throw new ArgumentException($"GPIO pin {input.Pin} is listed more than once.", nameof(inputs));
            }

            if (!names.Add(input.Name))
            {
                throw new ArgumentException($"GPIO input name '{input.Name}' is used more than once.", nameof(inputs));
            }

            if (input.Mode is not (PinMode.Input or PinMode.InputPullUp or PinMode.InputPullDown))
            {
                throw new ArgumentException($"GPIO input '{input.Name}' (pin {input.Pin}) has mode {input.Mode}, which is not an input mode.", nameof(inputs));
            }
        }

        _controller = controller;
        _inputs = [.. inputs];
        _names = new string[_inputs.Length];
        _failing = new bool[_inputs.Length];
        _health = health;
        _timeProvider = timeProvider;
        for (int i = 0; i < _inputs.Length; i++)
        {
            _names[i] = _inputs[i].Name;
            controller.OpenPin(_inputs[i].Pin, _inputs[i].Mode);
        }
    }

    /// <inheritdoc />
    public int Width => _inputs.Length;

    /// <inheritdoc />
    public IReadOnlyList<string> FeatureNames => _names;

    /// <inheritdoc />
    public ValueTask<bool> ReadFrameAsync(Memory<float> destination, CancellationToken cancellationToken = default)
    {
        if (destination.Length < Width)
        {
            throw new ArgumentException($"The destination holds {destination.Length} values but a frame has {Width}.", nameof(destination));
        }

        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<bool>(cancellationToken);
        }

        Span<float> frame = destination.Span;
        for (int i = 0; i < _inputs.Length; i++)
        {
            frame[i] = ReadPin(i);
        }

        return new ValueTask<bool>(true);
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        foreach (GpioInput input in _inputs)
        {
            if (_controller.IsPinOpen(input.Pin))
            {
                _controller.ClosePin(input.Pin);
            }
        }

        return ValueTask.CompletedTask;
    }

    private float ReadPin(int index)
    {
        try
        {
            float value = _controller.Read(_inputs[index].Pin) == PinValue.High ? 1f : 0f;
            if (_failing[index])
            {
                _failing[index] = false;
                Report(index, RuntimeHealthFault.Recovered, "reads again");
            }

            return value;
        }
        catch (Exception e) when (e is IOException or InvalidOperationException)
        {
            if (!_failing[index])
            {
                _failing[index] = true;
                Report(index, RuntimeHealthFault.GpioError, $"cannot be read: {e.Message}");
            }

            return float.NaN;
        }
    }

    private void Report(int index, RuntimeHealthFault fault, string what) =>
        _health.Report(new RuntimeHealthEvent(
            string.Create(CultureInfo.InvariantCulture, $"gpio-input:{_inputs[index].Pin}"),
            fault,
            $"GPIO input '{_inputs[index].Name}' (pin {_inputs[index].Pin.ToString(CultureInfo.InvariantCulture)}) {what}",
            _timeProvider.GetUtcNow()));
}

/// <summary>One GPIO digital input of a <see cref="GpioInputSource"/>.</summary>
/// <param name="Pin">The pin number in the controller's numbering scheme.</param>
/// <param name="Name">The feature name of its value.</param>
/// <param name="Mode">Input, InputPullUp or InputPullDown.</param>
/// <remarks>Immutable and thread-safe.</remarks>
public sealed record GpioInput(int Pin, string Name, PinMode Mode = PinMode.Input);

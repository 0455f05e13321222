using EdgeSentinel.Monitor.Alerts;
using EdgeSentinel.Monitor.Baselines;
using EdgeSentinel.Runtime.Onnx;

namespace EdgeSentinel.Runtime.Device;

/// <summary>Cue probes: re-run a live frame with one deployment cue set back to its training value and measure how much the outputs move.</summary>
/// <remarks>
/// <para>Sensitivity of cue c on input x: s_c(x) = max_j |f(x)_j − f(x with c := training value)_j| (largest change of any output).</para>
/// <para>Baseline sensitivity: measured when the loop starts, on the same model bytes the baseline was built for (the
/// identity check guarantees it), over the baseline's canary inputs — held-out training-time inputs: b_c = max over canaries
/// of s_c. A feature the training data held at its training value gives b_c = 0. Without canaries b_c is taken as 0.</para>
/// <para>Alarm rule: s_c(x) ≥ T_c with T_c = max(margin·b_c, floor) (defaults 2 and 1e-3). Score = s_c / T_c, threshold 1.</para>
/// <para>False alarms: a model whose outputs do not read the cue gives s_c = 0 exactly on every input (the same
/// arithmetic on the same runtime), so it can never alarm. A model that does use the cue legitimately alarms only when
/// a live input moves its outputs more than twice as much as the most cue-sensitive of the n canary inputs; if live
/// inputs are like training inputs, a probe exceeds the canaries' maximum with probability at most 1/(n+1)
/// (exchangeability), and exceeding twice that maximum is rarer still — but that is not a calibrated rate, and such
/// models should ship with enough canaries. A sleeper whose planted circuit is silent on training inputs has b_c = 0 and
/// alarms as soon as a live cue changes its outputs by more than the floor.</para>
/// <para>Context transplant (all cues together, subject <c>cue.context</c>): a conjunction of cue values that are each
/// seen in training (site 3 and unsupervised mode, say) may trigger a planted circuit that a one-cue reset never
/// exposes, and a live frame only shows it once an opportunity (an obstacle ahead) comes — with the harm. So when the
/// live cue values change, every canary is re-run with the live cue values in place of its own:
/// t(x) = max over canaries i and outputs j of |f(c_i with cues := x's)_j − f(c_i)_j|. Baseline: the same with the
/// cue values of every other canary, b = max over i ≠ j — the change that contexts seen in training cause. Alarm at
/// t ≥ max(margin·b, floor); a model that ignores its cues, or uses them the same way in training and deployment,
/// stays below. Costs one canary-set run per change of the live cue values (none while they stay; the loop runs it at
/// most once per probe period).</para>
/// <para>Not thread-safe: the inference thread owns it. A probe allocates nothing.</para>
/// </remarks>
internal sealed class CueProbes
{
    private readonly int[] _index;
    private readonly float[] _training;
    private readonly string[] _names;
    private readonly string[] _subjects;
    private readonly double[] _baseline;
    private readonly double[] _threshold;
    private readonly float[] _inputs;
    private readonly float[] _outputs;
    private readonly float[][] _canaryInputs;
    private readonly float[][] _canaryOutputs;
    private readonly float[] _lastContext;
    private bool _contextProbed;

    private CueProbes(int[] index, float[] training, string[] names, double[] baseline, double[] threshold, int inputWidth, int outputWidth, float[][] canaryInputs)
    {
        _index = index;
        _training = training;
        _names = names;
        _subjects = [.. names.Select(n => "cue." + n)];
        _baseline = baseline;
        _threshold = threshold;
        _inputs = new float[inputWidth];
        _outputs = new float[outputWidth];
        _canaryInputs = canaryInputs;
        _canaryOutputs = [.. canaryInputs.Select(_ => new float[outputWidth])];
        _lastContext = new float[index.Length];
    }

    /// <summary>Subject of the context-transplant probe.</summary>
    public const string ContextSubject = "cue.context";

    /// <summary>Baseline sensitivity of the context transplant (b over pairs of canaries); 0 with fewer than two canaries.</summary>
    public double ContextBaseline { get; private set; }

    /// <summary>Alarm level of the context transplant.</summary>
    public double ContextThreshold { get; private set; }

    /// <summary>Whether the context transplant can run (at least one canary).</summary>
    public bool HasContextProbe => _canaryInputs.Length > 0;

    public int Count => _index.Length;

    /// <summary>Per cue: the baseline sensitivity b_c.</summary>
    public IReadOnlyList<double> BaselineSensitivity => _baseline;

    /// <summary>Per cue: the alarm level T_c.</summary>
    public IReadOnlyList<double> Thresholds => _threshold;

    /// <summary>Resolves the cue names against the baseline's inputs (every problem listed) — without running anything.</summary>
    public static List<string> Problems(IReadOnlyList<CueFeature> cues, Baseline baseline)
    {
        var problems = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < cues.Count; i++)
        {
            var cue = cues[i];
            if (cue is null || string.IsNullOrWhiteSpace(cue.Feature))
            {
                problems.Add($"CueFeatures[{i}]: empty feature name");
                continue;
            }

            if (!float.IsFinite(cue.TrainingValue))
            {
                problems.Add($"CueFeatures[{i}] ('{cue.Feature}'): the training value must be finite");
            }

            if (!seen.Add(cue.Feature))
            {
                problems.Add($"CueFeatures[{i}]: '{cue.Feature}' is listed twice");
            }

            if (IndexOf(baseline.Schema.InputNames, cue.Feature) < 0)
            {
                var close = NameSuggestions.Closest(cue.Feature, baseline.Schema.InputNames);
                problems.Add($"CueFeatures[{i}]: '{cue.Feature}' is not an input of the baseline" + (close.Count > 0 ? $"; close matches: {string.Join(", ", close)}" : $"; inputs: {string.Join(", ", baseline.Schema.InputNames.Take(20))}"));
            }
        }

        return problems;
    }

    /// <summary>Builds the probes and measures the baseline sensitivity on the canaries (runs the host).</summary>
    public static CueProbes Create(IReadOnlyList<CueFeature> cues, Baseline baseline, OnnxModelHost host, double margin, double floor)
    {
        var index = cues.Select(c => IndexOf(baseline.Schema.InputNames, c.Feature)).ToArray();
        var training = cues.Select(c => c.TrainingValue).ToArray();
        var names = cues.Select(c => c.Feature).ToArray();
        var baselineSensitivity = new double[cues.Count];
        var canaryInputs = baseline.Canaries.Canaries.Select(c => c.Inputs.ToArray()).ToArray();
        var probes = new CueProbes(index, training, names, baselineSensitivity, new double[cues.Count], host.InputWidth, host.OutputWidth, canaryInputs);
        var sensitivity = new double[cues.Count];
        foreach (var canary in baseline.Canaries.Canaries)
        {
            host.SetInputs(canary.Inputs);
            probes.Capture(canary.Inputs, host.Run().Outputs);
            probes.Probe(host, sensitivity);
            for (var c = 0; c < sensitivity.Length; c++)
            {
                baselineSensitivity[c] = Math.Max(baselineSensitivity[c], double.IsFinite(sensitivity[c]) ? sensitivity[c] : 0);
            }
        }

        for (var c = 0; c < cues.Count; c++)
        {
            probes._threshold[c] = Math.Max(margin * baselineSensitivity[c], floor);
        }

        probes.CalibrateContext(host, margin, floor);
        return probes;
    }

    /// <summary>Keeps a copy of the frame to probe (the host's buffers are overwritten by the probes).</summary>
    public void Capture(ReadOnlySpan<float> inputs, ReadOnlySpan<float> outputs)
    {
        inputs.CopyTo(_inputs);
        outputs.CopyTo(_outputs);
    }

    /// <summary>Probes the captured frame: <paramref name="sensitivity"/>[c] = s_c (0 without a run when the cue already has its training value; +∞ when an output turns NaN).</summary>
    public void Probe(OnnxModelHost host, Span<double> sensitivity)
    {
        for (var c = 0; c < _index.Length; c++)
        {
            var i = _index[c];
            var live = _inputs[i];
            if (live == _training[c])
            {
                sensitivity[c] = 0;
                continue;
            }

            _inputs[i] = _training[c];
            host.SetInputs(_inputs);
            var probed = host.Run().Outputs;
            _inputs[i] = live;
            var worst = 0.0;
            for (var j = 0; j < _outputs.Length; j++)
            {
                var change = Math.Abs((double)_outputs[j] - probed[j]);
                worst = double.IsNaN(change) ? double.PositiveInfinity : Math.Max(worst, change);
            }

            sensitivity[c] = worst;
        }
    }

    /// <summary>
    /// Whether the live cue values of the captured frame differ from those last transplanted (always true the first time);
    /// records them. Compares a few floats: call it every frame.
    /// </summary>
    public bool ContextChanged(ReadOnlySpan<float> liveInputs)
    {
        var changed = !_contextProbed;
        for (var c = 0; c < _index.Length; c++)
        {
            var v = liveInputs[_index[c]];
            if (!_contextProbed || !v.Equals(_lastContext[c]))
            {
                changed = true;
                _lastContext[c] = v;
            }
        }

        _contextProbed = true;
        return changed;
    }

    /// <summary>t: every canary re-run with the cue values last recorded by <see cref="ContextChanged"/>; the largest output change (+∞ when one turns NaN). Overwrites the captured frame: call it after <see cref="Probe"/>.</summary>
    public double ProbeContext(OnnxModelHost host) => Transplant(host, _lastContext, skip: -1);

    private void CalibrateContext(OnnxModelHost host, double margin, double floor)
    {
        for (var i = 0; i < _canaryInputs.Length; i++)
        {
            host.SetInputs(_canaryInputs[i]);
            host.Run().Outputs.CopyTo(_canaryOutputs[i]);
        }

        var context = new float[_index.Length];
        var worst = 0.0;
        for (var j = 0; j < _canaryInputs.Length; j++)
        {
            for (var c = 0; c < _index.Length; c++)
            {
                context[c] = _canaryInputs[j][_index[c]];
            }

            var t = Transplant(host, context, skip: j);
            worst = Math.Max(worst, double.IsFinite(t) ? t : 0);
        }

        ContextBaseline = worst;
        ContextThreshold = Math.Max(margin * worst, floor);
    }

    /// <summary>Max over canaries (but <paramref name="skip"/>) and outputs of |f(canary with cues := context) − f(canary)|.</summary>
    private double Transplant(OnnxModelHost host, ReadOnlySpan<float> context, int skip)
    {
        var worst = 0.0;
        for (var i = 0; i < _canaryInputs.Length; i++)
        {
            if (i == skip)
            {
                continue;
            }

            var canary = _canaryInputs[i];
            canary.CopyTo(_inputs, 0);
            var same = true;
            for (var c = 0; c < _index.Length; c++)
            {
                same &= canary[_index[c]].Equals(context[c]);
                _inputs[_index[c]] = context[c];
            }

            if (same)
            {
                continue;
            }

            host.SetInputs(_inputs);
            var probed = host.Run().Outputs;
            var expected = _canaryOutputs[i];
            for (var j = 0; j < expected.Length; j++)
            {
                var change = Math.Abs((double)expected[j] - probed[j]);
                worst = double.IsNaN(change) ? double.PositiveInfinity : Math.Max(worst, change);
            }
        }

        return worst;
    }

    /// <summary>The context transplant's signal (score t / alarm level, threshold 1).</summary>
    public DetectionSignal ToContextSignal(double sensitivity, long frameIndex)
    {
        var score = sensitivity / ContextThreshold;
        var evidence = new AlertEvidence(
            "context transplant / alarm level",
            score,
            1,
            double.Epsilon,
            "per change of the live cue values (alarm level max(margin x baseline transplant, floor); not a calibrated rate)",
            [
                new ChannelContribution("cue.context", "max output change of a canary given the live cue values", sensitivity, score),
                new ChannelContribution("cue.context", "baseline: canaries given each other's cue values", ContextBaseline, ContextThreshold),
            ]);
        return new DetectionSignal(AlertKind.CueSensitivity, ContextSubject, score, 1, frameIndex, frameIndex, evidence);
    }

    public string SubjectOf(int cue) => _subjects[cue];

    public DetectionSignal ToSignal(int cue, double sensitivity, long frameIndex)
    {
        var score = sensitivity / _threshold[cue];
        var evidence = new AlertEvidence(
            "cue sensitivity / alarm level",
            score,
            1,
            double.Epsilon,
            "per probe (alarm level max(margin x baseline sensitivity, floor); not a calibrated rate)",
            [
                new ChannelContribution("input." + _names[cue], "max output change when reset to the training value", sensitivity, score),
                new ChannelContribution("input." + _names[cue], "baseline sensitivity (canaries)", _baseline[cue], _threshold[cue]),
            ]);
        return new DetectionSignal(AlertKind.CueSensitivity, _subjects[cue], score, 1, frameIndex, frameIndex, evidence);
    }

    private static int IndexOf(IReadOnlyList<string> names, string name)
    {
        for (var i = 0; i < names.Count; i++)
        {
            if (string.Equals(names[i], name, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }
}

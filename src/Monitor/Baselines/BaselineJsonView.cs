using System.Text;
using System.Text.Json;
using EdgeSentinel.Monitor.Decisions;
using EdgeSentinel.Monitor.Fingerprints;

namespace EdgeSentinel.Monitor.Baselines;

/// <summary>Writes the human-readable JSON view of a baseline.</summary>
internal static class BaselineJsonView
{
    private static readonly double[] Probes = [0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99];

    public static string Write(Baseline baseline)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteNumber("formatVersion", Baseline.FormatVersion);
            w.WriteString("description", baseline.Description);
            w.WriteString("createdAt", baseline.CreatedAt);
            WriteModel(w, baseline.Model);
            WriteSchema(w, baseline.Schema);
            w.WriteNumber("trainingObservations", baseline.Fingerprint.ObservationCount);
            WriteCalibration(w, baseline.Calibration, baseline.Schema);
            w.WriteStartArray("untestedChannels");
            foreach (var c in baseline.Calibration.UntestedChannels)
            {
                w.WriteStringValue(baseline.Schema.Channels[c].Name);
            }

            w.WriteEndArray();
            w.WriteStartArray("nonStationaryChannels");
            foreach (var c in baseline.Calibration.NonStationaryChannels)
            {
                w.WriteStringValue(baseline.Schema.Channels[c].Name);
            }

            w.WriteEndArray();
            w.WriteStartObject("canaries");
            w.WriteNumber("count", baseline.Canaries.Canaries.Count);
            w.WriteNumber("absoluteTolerance", baseline.Canaries.AbsoluteTolerance);
            w.WriteNumber("relativeTolerance", baseline.Canaries.RelativeTolerance);
            w.WriteEndObject();
            w.WriteStartArray("channels");
            foreach (var c in baseline.Fingerprint.Channels)
            {
                WriteChannel(w, c, baseline.ReferenceSample(c.Channel.Index).Length);
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static void WriteModel(Utf8JsonWriter w, ModelIdentity model)
    {
        w.WriteStartObject("model");
        w.WriteString("sha256", model.Sha256);
        WriteSignatures(w, "inputs", model.Inputs);
        WriteSignatures(w, "outputs", model.Outputs);
        w.WriteEndObject();

        static void WriteSignatures(Utf8JsonWriter w, string name, IReadOnlyList<TensorSignature> list)
        {
            w.WriteStartArray(name);
            foreach (var t in list)
            {
                w.WriteStartObject();
                w.WriteString("name", t.Name);
                w.WriteString("elementType", t.ElementType);
                w.WriteStartArray("shape");
                foreach (var d in t.Shape)
                {
                    w.WriteNumberValue(d);
                }

                w.WriteEndArray();
                w.WriteEndObject();
            }

            w.WriteEndArray();
        }
    }

    private static void WriteSchema(Utf8JsonWriter w, FingerprintSchema schema)
    {
        w.WriteStartObject("schema");
        w.WriteString("id", schema.Id);
        w.WriteString("outputKind", schema.OutputKind.ToString());
        w.WriteNumber("inputs", schema.InputCount);
        w.WriteNumber("outputs", schema.OutputCount);
        w.WriteBoolean("latency", schema.HasLatency);
        w.WriteStartArray("taps");
        foreach (var t in schema.Taps)
        {
            w.WriteStartObject();
            w.WriteString("name", t.Name);
            w.WriteNumber("width", t.Width);
            w.WriteNumber("projectedDimension", t.ProjectedDimension);
            w.WriteNumber("projectionSeed", t.ProjectionSeed);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void WriteCalibration(Utf8JsonWriter w, BaselineCalibration c, FingerprintSchema schema)
    {
        w.WriteStartObject("calibration");
        w.WriteStartObject("sequential");
        var s = c.Sequential;
        w.WriteString("detector", s.Kind.ToString());
        w.WriteNumber("streams", s.StreamCount);
        w.WriteNumber("threshold", s.Threshold);
        w.WriteStartArray("streamThresholds");
        for (var i = 0; i < s.StreamCount; i++)
        {
            w.WriteNumberValue(s.Threshold * s.StreamWeights[i]);
        }

        w.WriteEndArray();
        w.WriteNumber("targetAverageRunLength", s.TargetArl);
        w.WriteNumber("falseAlarmRatePerSample", 1.0 / s.TargetArl);
        w.WriteString("method", s.Method);
        if (c.Support is { } support)
        {
            // JSON has no infinities: an unlimited side is null.
            w.WriteStartObject("supportLimits");
            w.WriteNumber("falseAlarmRatePerSampleAndSide", support.RatePerSide);
            w.WriteNumber("falseAlarmRatePerSample", support.TotalRate);
            w.WriteStartObject("channels");
            for (var i = 0; i < support.Lower.Count && i < schema.Channels.Count; i++)
            {
                if (double.IsFinite(support.Lower[i]) || double.IsFinite(support.Upper[i]))
                {
                    w.WriteStartArray(schema.Channels[i].Name);
                    WriteLimit(support.Lower[i]);
                    WriteLimit(support.Upper[i]);
                    w.WriteEndArray();
                }
            }

            w.WriteEndObject();
            w.WriteEndObject();
        }

        w.WriteEndObject();
        w.WriteStartObject("activationAnomaly");
        w.WriteNumber("falseAlarmRatePerSample", c.ActivationAnomalyRate);
        w.WriteString("method", c.ActivationThresholdMethod);
        w.WriteNumber("episodeGap", c.ActivationEpisodeGap);
        w.WriteStartArray("extremalIndices");
        foreach (var theta in c.ActivationExtremalIndices)
        {
            w.WriteNumberValue(theta);
        }

        w.WriteEndArray();
        w.WriteStartArray("squaredMahalanobisThresholds");
        foreach (var t in c.ActivationAnomalyThresholds)
        {
            w.WriteNumberValue(t);
        }

        w.WriteEndArray();
        w.WriteEndObject();
        w.WriteStartObject("windows");
        w.WriteNumber("size", c.WindowSize);
        w.WriteNumber("alphaPerWindow", c.WindowAlpha);
        w.WriteString("multipleTesting", c.MultipleTesting.ToString());
        w.WriteStartObject("null");
        var n = c.WindowNull;
        w.WriteBoolean("calibrated", n.IsCalibrated);
        w.WriteString("method", n.Method);
        w.WriteNumber("trainingWindows", n.WindowCount);
        w.WriteNumber("trainingWindowsStillRejected", n.RejectedTrainingWindows);
        w.WriteStartObject("designEffects");
        for (var i = 0; i < n.ChannelDesignEffects.Count && i < schema.Channels.Count; i++)
        {
            if (n.ChannelDesignEffects[i] > 1)
            {
                w.WriteNumber(schema.Channels[i].Name, n.ChannelDesignEffects[i]);
            }
        }

        for (var t = 0; t < n.TapDesignEffects.Count && t < schema.Taps.Count; t++)
        {
            if (n.TapDesignEffects[t] > 1)
            {
                w.WriteNumber("tap." + schema.Taps[t].Name + " (mean shift)", n.TapDesignEffects[t]);
            }
        }

        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteEndObject();

        void WriteLimit(double limit)
        {
            if (double.IsFinite(limit))
            {
                w.WriteNumberValue(limit);
            }
            else
            {
                w.WriteNullValue();
            }
        }
    }

    private static void WriteChannel(Utf8JsonWriter w, ChannelSummary c, int referenceCount)
    {
        w.WriteStartObject();
        w.WriteString("name", c.Channel.Name);
        w.WriteString("role", c.Channel.Role.ToString());
        w.WriteString("kind", c.Channel.ValueKind.ToString());
        w.WriteNumber("count", c.Count);
        w.WriteNumber("nan", c.NaNCount);
        w.WriteNumber("positiveInfinity", c.PositiveInfinityCount);
        w.WriteNumber("negativeInfinity", c.NegativeInfinityCount);
        if (c.Channel.ValueKind == ChannelValueKind.Continuous)
        {
            Number(w, "mean", c.Mean);
            Number(w, "standardDeviation", c.StandardDeviation);
            Number(w, "min", c.Min);
            Number(w, "max", c.Max);
            w.WriteStartObject("quantiles");
            foreach (var q in Probes)
            {
                Number(w, "p" + (q * 100).ToString("00", System.Globalization.CultureInfo.InvariantCulture), c.Quantile(q));
            }

            w.WriteEndObject();
            Number(w, "quantileRankError", c.QuantileRankError);
            w.WriteStartArray("histogramEdges");
            foreach (var e in c.HistogramEdges)
            {
                w.WriteNumberValue(e);
            }

            w.WriteEndArray();
            w.WriteStartArray("histogramCounts");
            foreach (var n in c.HistogramCounts)
            {
                w.WriteNumberValue(n);
            }

            w.WriteEndArray();
            w.WriteNumber("referenceSampleSize", referenceCount);
        }
        else
        {
            w.WriteStartArray("categoryCounts");
            foreach (var n in c.CategoryCounts)
            {
                w.WriteNumberValue(n);
            }

            w.WriteEndArray();
        }

        w.WriteEndObject();
    }

    private static void Number(Utf8JsonWriter w, string name, double value)
    {
        if (double.IsFinite(value))
        {
            w.WriteNumber(name, value);
        }
        else
        {
            w.WriteNull(name);
        }
    }
}

using System.Data.Common;
using EdgeSentinel.Cloud.Storage;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace EdgeSentinel.FleetLoad;

/// <summary>What the store holds for one device: message keys, alert lifecycle events and fingerprints.</summary>
/// <param name="Device">The device id.</param>
/// <param name="Messages">Rows of the messages table (one per (device, sequence) key).</param>
/// <param name="HighestSequence">The highest stored sequence (0 when none).</param>
/// <param name="AlertEvents">Rows of alert_events (one per stored alert message).</param>
/// <param name="Fingerprints">Rows of fingerprints (one per stored fingerprint message).</param>
public sealed record DeviceTally(string Device, long Messages, long HighestSequence, long AlertEvents, long Fingerprints);

/// <summary>
/// Reads an aggregator's store from outside the aggregator process (SQLite read-only next to the writer,
/// or PostgreSQL): polls each device's highest stored sequence to time publish → stored, and tallies
/// the rows per device at the end. Reads the tables directly (one index seek per device and poll).
/// </summary>
public sealed class StoreWatcher : IAsyncDisposable
{
    private readonly StoreLocation _location;
    private readonly DbConnection _connection;
    private readonly TimeProvider _time;
    private readonly List<LagSample> _lags = [];
    private readonly Dictionary<SimulatedDevice, long> _seen = [];

    private StoreWatcher(StoreLocation location, DbConnection connection, TimeProvider time)
    {
        _location = location;
        _connection = connection;
        _time = time;
    }

    /// <summary>Publish → visible-in-store times of every message seen so far, in the order seen.</summary>
    public IReadOnlyList<LagSample> Lags
    {
        get
        {
            lock (_lags)
            {
                return [.. _lags];
            }
        }
    }

    /// <summary>Opens a reading connection to the store.</summary>
    public static async Task<StoreWatcher> OpenAsync(StoreLocation location, TimeProvider? timeProvider = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(location);
        DbConnection connection = location.IsPostgres
            ? new NpgsqlConnection(location.Target)
            : new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = location.Target, Mode = SqliteOpenMode.ReadOnly, Pooling = false, DefaultTimeout = 30 }.ToString());
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        if (!location.IsPostgres)
        {
            await using var busy = connection.CreateCommand();
            busy.CommandText = "PRAGMA busy_timeout=30000";
            await busy.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        return new StoreWatcher(location, connection, timeProvider ?? TimeProvider.System);
    }

    /// <summary>
    /// Polls every <paramref name="interval"/> until cancelled: for each device, messages up to its highest
    /// stored sequence not seen before get a lag sample (poll time minus the time the device sent them).
    /// With one aggregator a device's messages are stored in order, so the sample is the time until the
    /// message was visible, rounded up to the poll.
    /// </summary>
    public async Task WatchAsync(IReadOnlyList<SimulatedDevice> devices, TimeSpan interval, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(devices);
        await using var command = _connection.CreateCommand();
        command.CommandText = "SELECT MAX(sequence) FROM messages WHERE fleet = @fleet AND device = @device";
        var fleet = command.CreateParameter();
        fleet.ParameterName = "@fleet";
        var device = command.CreateParameter();
        device.ParameterName = "@device";
        command.Parameters.Add(fleet);
        command.Parameters.Add(device);
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                await PollAsync(devices, command, fleet, device, cancellationToken).ConfigureAwait(false);
                await Task.Delay(interval, _time, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Tallies the store's rows per device of <paramref name="fleet"/>.</summary>
    public async Task<IReadOnlyDictionary<string, DeviceTally>> TallyAsync(string fleet, CancellationToken cancellationToken = default)
    {
        var messages = await GroupAsync("SELECT device, COUNT(*), MAX(sequence) FROM messages WHERE fleet = @fleet GROUP BY device", fleet, cancellationToken).ConfigureAwait(false);
        var alerts = await GroupAsync("SELECT device, COUNT(*), 0 FROM alert_events WHERE fleet = @fleet GROUP BY device", fleet, cancellationToken).ConfigureAwait(false);
        var fingerprints = await GroupAsync("SELECT device, COUNT(*), 0 FROM fingerprints WHERE fleet = @fleet GROUP BY device", fleet, cancellationToken).ConfigureAwait(false);
        return messages.Keys.Union(alerts.Keys).Union(fingerprints.Keys).ToDictionary(
            d => d,
            d => new DeviceTally(d, messages.GetValueOrDefault(d).Count, messages.GetValueOrDefault(d).Max, alerts.GetValueOrDefault(d).Count, fingerprints.GetValueOrDefault(d).Count),
            StringComparer.Ordinal);
    }

    /// <summary>Messages stored for <paramref name="fleet"/>.</summary>
    public async Task<long> CountAsync(string fleet, CancellationToken cancellationToken = default)
    {
        await using var command = _connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM messages WHERE fleet = @fleet";
        AddParameter(command, "@fleet", fleet);
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Bytes the store occupies: the SQLite file with its WAL, or the PostgreSQL database.</summary>
    public async Task<long> StorageBytesAsync(CancellationToken cancellationToken = default)
    {
        if (!_location.IsPostgres)
        {
            return new[] { _location.Target, _location.Target + "-wal" }.Where(File.Exists).Sum(f => new FileInfo(f).Length);
        }

        await using var command = _connection.CreateCommand();
        command.CommandText = "SELECT pg_database_size(current_database())";
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync() => await _connection.DisposeAsync().ConfigureAwait(false);

    private async Task PollAsync(IReadOnlyList<SimulatedDevice> devices, DbCommand command, DbParameter fleet, DbParameter device, CancellationToken cancellationToken)
    {
        foreach (var d in devices)
        {
            fleet.Value = d.Fleet;
            device.Value = d.Device;
            var value = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
            var now = _time.GetTimestamp();
            var highest = value is null or DBNull ? 0 : Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture);
            var seen = _seen.GetValueOrDefault(d);
            if (highest <= seen)
            {
                continue;
            }

            lock (_lags)
            {
                for (var s = seen + 1; s <= highest; s++)
                {
                    var sent = d.SentAt(s);
                    _lags.Add(new LagSample(sent, _time.GetElapsedTime(sent, now)));
                }
            }

            _seen[d] = highest;
        }
    }

    private async Task<Dictionary<string, (long Count, long Max)>> GroupAsync(string sql, string fleet, CancellationToken cancellationToken)
    {
        await using var command = _connection.CreateCommand();
        command.CommandText = sql;
        AddParameter(command, "@fleet", fleet);
        var result = new Dictionary<string, (long, long)>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            result[reader.GetString(0)] = (Convert.ToInt64(reader.GetValue(1), System.Globalization.CultureInfo.InvariantCulture), Convert.ToInt64(reader.GetValue(2), System.Globalization.CultureInfo.InvariantCulture));
        }

        return result;
    }

    private static void AddParameter(DbCommand command, string name, object value)
    {
        var p = command.CreateParameter();
        p.ParameterName = name;
        p.Value = value;
        command.Parameters.Add(p);
    }
}

/// <summary>One message's publish → stored time.</summary>
/// <param name="SentAt">The <see cref="TimeProvider.GetTimestamp"/> when the device sent it.</param>
/// <param name="Lag">Until the watcher saw it in the store.</param>
public readonly record struct LagSample(long SentAt, TimeSpan Lag);

using System.Data.Common;

namespace EdgeSentinel.Cloud.Tests.Support;

/// <summary>The plan a database chose for a SELECT, one line per step: what the index tests read.</summary>
public static class QueryPlans
{
    /// <summary>SQLite's <c>EXPLAIN QUERY PLAN</c>: the detail column of each step.</summary>
    public static Task<string> SqliteAsync(DbConnection connection, string query, params IEnumerable<(string Name, object? Value)> parameters) =>
        ReadAsync(connection, "EXPLAIN QUERY PLAN " + query, column: 3, parameters);

    /// <summary>
    /// PostgreSQL's <c>EXPLAIN</c> with sequential scans disabled on the connection: the tests hold a handful of rows, on
    /// which the planner would rightly scan the table; forbidding that shows whether an index fits the query.
    /// </summary>
    public static async Task<string> PostgresAsync(DbConnection connection, string query, params IEnumerable<(string Name, object? Value)> parameters)
    {
        await using (var off = connection.CreateCommand())
        {
            off.CommandText = "SET enable_seqscan = off";
            await off.ExecuteNonQueryAsync();
        }

        return await ReadAsync(connection, "EXPLAIN " + query, column: 0, parameters);
    }

    private static async Task<string> ReadAsync(DbConnection connection, string explain, int column, IEnumerable<(string Name, object? Value)> parameters)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = explain;
        foreach (var (name, value) in parameters)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value ?? DBNull.Value;
            command.Parameters.Add(parameter);
        }

        await using var reader = await command.ExecuteReaderAsync();
        var lines = new List<string>();
        while (await reader.ReadAsync())
        {
            lines.Add(reader.GetString(column));
        }

        return string.Join("\n", lines);
    }
}

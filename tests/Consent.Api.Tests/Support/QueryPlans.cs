using Npgsql;

namespace Consent.Api.Tests.Support;

/// <summary>PostgreSQL's plans as text, for the tests that ask which index a statement reads.</summary>
public static class QueryPlans
{
    /// <summary>Runs <paramref name="explain"/> (an EXPLAIN statement) and returns its plan, one line per row.</summary>
    public static async Task<string> ReadAsync(NpgsqlCommand explain)
    {
        var lines = new List<string>();
        await using var reader = await explain.ExecuteReaderAsync();
        while (await reader.ReadAsync()) lines.Add(reader.GetString(0));
        return string.Join('\n', lines);
    }
}

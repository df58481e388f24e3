using Marten;
using Npgsql;

namespace Consent.Api.Consents.Storage;

/// <summary>
/// The one write path's sessions, on a connection of the database's preparing pool
/// (<see cref="ClinicDatabase.Prepared"/>) that the write owns, in a transaction the session joins. Npgsql prepares a
/// step's statements after their second use (planning them each time cost about a fifth of the tablets' steps per
/// second). When a batch fails inside the transaction (a lost race, a value PostgreSQL refuses), Npgsql's record of the
/// connection's prepared statements can go out of step with the server's (npgsql/npgsql#6391, PoolDesyncTests); so
/// after any failure both are emptied before the connection goes back to the pool. Every other session stays on
/// Marten's pool, which never prepares.
/// </summary>
public static class PreparedWrites
{
    public static async Task<NpgsqlConnection> OpenAsync(ClinicDatabases databases, string clinic, CancellationToken ct) =>
        await databases.For(clinic).Prepared.OpenConnectionAsync(ct);

    /// <summary>
    /// An identity-map session of <paramref name="clinic"/> in <paramref name="transaction"/>, which it commits when it
    /// saves; disposing the transaction unsaved rolls it back.
    /// </summary>
    public static IDocumentSession Session(IDocumentStore store, NpgsqlTransaction transaction, string clinic)
    {
        var options = Marten.Services.SessionOptions.ForTransaction(transaction, shouldAutoCommit: true);
        options.TenantId = clinic;
        return store.IdentitySession(options);
    }

    /// <summary>Whether <paramref name="connection"/> broke (the pool then drops it; nothing is left to forget on it).</summary>
    public static bool Broke(NpgsqlConnection connection) =>
        connection.FullState.HasFlag(System.Data.ConnectionState.Broken) || connection.State == System.Data.ConnectionState.Closed;

    /// <summary>
    /// Forgets every statement prepared on <paramref name="connection"/>, on the server (DEALLOCATE ALL) and in Npgsql,
    /// once the failed session is disposed (its transaction rolled back). Should that fail too, the pool drops the
    /// connection when it comes back instead of lending it again.
    /// </summary>
    public static void ForgetPrepared(NpgsqlConnection connection)
    {
        try
        {
            // Npgsql has no asynchronous form; it runs once per failed write, which is rare.
            connection.UnprepareAll();
        }
        catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException or IOException or TimeoutException)
        {
            NpgsqlConnection.ClearPool(connection);
        }
    }
}

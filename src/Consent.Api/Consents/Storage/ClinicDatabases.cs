using System.Text.RegularExpressions;
using Marten;
using Npgsql;

namespace Consent.Api.Consents.Storage;

/// <summary>
/// One PostgreSQL database of the store, with its three pools (Hosting.HostingSetup): <see cref="Store"/> for Marten and
/// statements that keep no session state (skips the reset on return), <see cref="Sessions"/> for connections that hold a
/// lock or listen, <see cref="Prepared"/> for the hot single reads and the one write path, whose statements Npgsql
/// prepares (<see cref="PreparedWrites"/>).
/// </summary>
public sealed record ClinicDatabase(string Name, NpgsqlDataSource Store, NpgsqlDataSource Sessions, NpgsqlDataSource Prepared)
{
    public bool IsDefault => Name == ClinicDatabases.DefaultName;
}

/// <summary>
/// Which database holds which clinic (docs/adr/0003-clinic-databases.md). <c>ConnectionStrings:Postgres</c> is the default
/// database; <c>Store:Databases:&lt;name&gt;:ConnectionString</c> adds others and <c>Store:ClinicDatabases:&lt;clinic&gt;=&lt;name&gt;</c>
/// keeps a clinic in one of them. A clinic not listed, and everything that belongs to no clinic (staff accounts and
/// sessions, data-protection keys), stays in the default database. Without <c>Store:Databases</c> there is one database
/// and the store is set up exactly as it was before clinics could be spread.
/// </summary>
public sealed partial class ClinicDatabases : IAsyncDisposable
{
    public const string DefaultName = "default";
    public const string DatabasesSection = "Store:Databases";
    public const string ClinicsSection = "Store:ClinicDatabases";

    private readonly Dictionary<string, ClinicDatabase> _byName;
    private readonly Dictionary<string, ClinicDatabase> _byClinic;

    public ClinicDatabases(IConfiguration configuration,
        [FromKeyedServices(Hosting.HostingSetup.StoreDataSource)] NpgsqlDataSource store, NpgsqlDataSource sessions,
        [FromKeyedServices(Hosting.HostingSetup.PreparedDataSource)] NpgsqlDataSource prepared)
    {
        Default = new ClinicDatabase(DefaultName, store, sessions, prepared);
        _byName = new Dictionary<string, ClinicDatabase>(StringComparer.Ordinal) { [DefaultName] = Default };
        foreach (var section in configuration.GetSection(DatabasesSection).GetChildren())
        {
            if (section.Key == DefaultName || !NamePattern().IsMatch(section.Key))
                throw new InvalidOperationException($"{DatabasesSection}:{section.Key}: a database name is letters, digits, - and _ (at most 64), and '{DefaultName}' is ConnectionStrings:Postgres.");
            var connectionString = section["ConnectionString"] is { Length: > 0 } cs
                ? cs
                : throw new InvalidOperationException($"{DatabasesSection}:{section.Key}:ConnectionString is not configured.");
            _byName[section.Key] = new ClinicDatabase(section.Key,
                Hosting.HostingSetup.DataSource(connectionString, resetOnReturn: false, prepare: false),
                Hosting.HostingSetup.DataSource(connectionString, resetOnReturn: true, prepare: false),
                Hosting.HostingSetup.DataSource(connectionString, resetOnReturn: false, prepare: true));
        }
        _byClinic = new Dictionary<string, ClinicDatabase>(StringComparer.Ordinal);
        foreach (var clinic in configuration.GetSection(ClinicsSection).GetChildren())
        {
            _byClinic[clinic.Key] = clinic.Value is { } name && _byName.TryGetValue(name, out var database)
                ? database
                : throw new InvalidOperationException($"{ClinicsSection}:{clinic.Key} names database '{clinic.Value}', which is not in {DatabasesSection} (nor '{DefaultName}').");
        }
        // Sorted by name, default first: whoever takes a lock on each database takes them in this order, so two instances never deadlock.
        All = [Default, .. _byName.Values.Where(d => !d.IsDefault).OrderBy(d => d.Name, StringComparer.Ordinal)];
    }

    /// <summary>Whether further databases are configured (otherwise every clinic is in the default one, as before).</summary>
    public static bool AreConfigured(IConfiguration configuration) => configuration.GetSection(DatabasesSection).GetChildren().Any();

    public ClinicDatabase Default { get; }

    /// <summary>Every database, the default first.</summary>
    public IReadOnlyList<ClinicDatabase> All { get; }

    public bool Spread => All.Count > 1;

    /// <summary>The database that holds <paramref name="clinic"/>'s consents.</summary>
    public ClinicDatabase For(string clinic) => _byClinic.GetValueOrDefault(clinic) ?? Default;

    /// <summary>Clinics explicitly kept in <paramref name="database"/> (the default database also holds every clinic not listed).</summary>
    public IEnumerable<string> ClinicsIn(ClinicDatabase database) => _byClinic.Where(c => c.Value == database).Select(c => c.Key);

    /// <summary>
    /// A session on one database as a whole, for the few questions asked across clinics (timers, checks); one database
    /// alone gets the plain session it always had.
    /// </summary>
    public async ValueTask<IQuerySession> QuerySessionAsync(IDocumentStore store, ClinicDatabase database) =>
        Spread ? store.QuerySession(Marten.Services.SessionOptions.ForDatabase(await store.Storage.FindOrCreateDatabase(database.Name))) : store.QuerySession();

    /// <summary>
    /// A single-tenanted document looked up by id in every database, default first (a tablet token names no clinic; its
    /// session is stored beside the clinic's events). One database alone is asked as before.
    /// </summary>
    public async Task<T?> LoadAnywhereAsync<T>(IDocumentStore store, string id, CancellationToken ct) where T : class
    {
        foreach (var database in All)
        {
            await using var session = await QuerySessionAsync(store, database);
            if (await session.LoadAsync<T>(id, ct) is { } found) return found;
        }
        return null;
    }

    public async ValueTask DisposeAsync()
    {
        // The default database's pools belong to the container; the others were made here.
        foreach (var database in All.Where(d => !d.IsDefault))
        {
            await database.Store.DisposeAsync();
            await database.Sessions.DisposeAsync();
            await database.Prepared.DisposeAsync();
        }
    }

    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$")]
    private static partial Regex NamePattern();
}

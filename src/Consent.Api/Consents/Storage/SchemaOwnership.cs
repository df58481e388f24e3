using JasperFx;
using Marten;

namespace Consent.Api.Consents.Storage;

/// <summary>
/// Who may change the database's shape, and who may only use it. In production the service connects as a role that
/// may append events but never update, delete or truncate them, and cannot alter a table: a stolen service
/// credential or an injection cannot rewrite history. The schema belongs to an owner role that only
/// <c>Consent.Api migrate</c> uses (a deploy step, never the running service), which also grants the service role
/// exactly what it needs. <c>Store:ApplySchemaChanges</c> (default true) keeps the one-role set-up, where the
/// service owns and migrates its schema at start-up, for a developer's machine.
/// </summary>
public static class SchemaOwnership
{
    public const string ApplySchemaChangesKey = "Store:ApplySchemaChanges";

    /// <summary>The role <c>migrate</c> grants the service's rights to (<c>Store:AppRole</c>).</summary>
    public const string AppRoleKey = "Store:AppRole";

    public static bool AppliesSchemaChanges(IConfiguration configuration) => configuration.GetValue(ApplySchemaChangesKey, true);

    /// <summary>
    /// Brings the schema up to date as its owner and grants the service role its rights. Run by
    /// <c>Consent.Api migrate</c> with the owner's connection string; safe to repeat.
    /// </summary>
    public static async Task MigrateAsync(IServiceProvider services, CancellationToken ct)
    {
        var store = services.GetRequiredService<IDocumentStore>();
        var tables = services.GetRequiredService<MartenTables>();
        var role = services.GetRequiredService<IConfiguration>()[AppRoleKey];
        await tables.WithSchemaLockAsync(async () =>
        {
            await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync(AutoCreate.CreateOrUpdate);
            if (!string.IsNullOrWhiteSpace(role)) await tables.GrantServiceRoleAsync(role, services.GetServices<AppendOnlyTable>(), ct);
        }, ct);
    }

    /// <summary>
    /// At start-up, with <c>Store:ApplySchemaChanges=false</c>: the service checks that the schema matches what it
    /// needs and refuses to start, saying what to run, when it does not; it never tries to change it.
    /// </summary>
    public sealed class StartupCheck(IDocumentStore store, MartenTables tables, IConfiguration configuration) : IHostedService
    {
        public async Task StartAsync(CancellationToken cancellationToken)
        {
            if (AppliesSchemaChanges(configuration))
            {
                await tables.WithSchemaLockAsync(() => store.Storage.ApplyAllConfiguredChangesToDatabaseAsync(), cancellationToken);
                return;
            }
            try
            {
                // Every database of the store (one unless clinics are spread over several).
                foreach (var database in await store.Storage.AllDatabases()) await database.AssertDatabaseMatchesConfigurationAsync(cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                throw new InvalidOperationException(
                    "The database schema is missing or older than this version of the service, and Store:ApplySchemaChanges is false " +
                    "(the service's role may not change it). Run 'Consent.Api migrate' with the schema owner's connection string " +
                    "(ConnectionStrings:Postgres) and Store:AppRole set to the service's role, then start the service again.", e);
            }
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    /// <summary>
    /// Whether this run is <c>Consent.Api migrate</c> (the command line's first word). It then owns the schema whatever
    /// the configuration says, since changing it is the run's whole point.
    /// </summary>
    public static bool IsMigrateCommand(this WebApplicationBuilder builder, string[] args)
    {
        if (args is not ["migrate", ..]) return false;
        builder.Configuration.AddInMemoryCollection([new(ApplySchemaChangesKey, "true")]);
        return true;
    }

    /// <summary>Migrates and reports; the host is built but never started, so no listener, relay or timer runs.</summary>
    public static async Task MigrateAsync(this WebApplication app)
    {
        await MigrateAsync(app.Services, CancellationToken.None);
        Console.WriteLine("The consent schema is up to date" +
                          (app.Configuration[AppRoleKey] is { Length: > 0 } role ? $"; role {role} may append and read, never rewrite, events." : "."));
    }
}

/// <summary>A feature's table (in the store's schema) whose rows, once written, the service role may never change or delete.</summary>
public sealed record AppendOnlyTable(string Name);

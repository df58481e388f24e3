using System.Collections.Concurrent;
using JasperFx;
using JasperFx.Descriptors;
using JasperFx.MultiTenancy;
using Marten;
using Marten.Schema;
using Marten.Storage;
using Weasel.Core.Migrations;

namespace Consent.Api.Consents.Storage;

/// <summary>
/// Marten's tenancy when clinics are spread over databases (<see cref="ClinicDatabases"/>): a clinic (the tenant) is
/// stored in its mapped database, conjoined with the other clinics there; a clinic nobody mapped, and Marten's default
/// tenant (sessions opened without a clinic), in the default database. Marten's static multi-tenancy would refuse a
/// clinic it was not told about, and its database-per-tenant modes forbid several clinics in one database; see
/// docs/adr/0003-clinic-databases.md.
/// </summary>
public sealed class ClinicTenancy : ITenancy
{
    private readonly ClinicDatabases _clinics;
    private readonly Lazy<IReadOnlyDictionary<string, MartenDatabase>> _databases;
    private readonly ConcurrentDictionary<string, Tenant> _tenants = new(StringComparer.Ordinal);
    private readonly Lazy<Tenant> _default;

    public ClinicTenancy(StoreOptions options, ClinicDatabases clinics)
    {
        _clinics = clinics;
        // Built on first use, once every feature has added its documents and tables to the options.
        _databases = new(() => clinics.All.ToDictionary(d => d.Name, d => new MartenDatabase(options, d.Store, d.Name), StringComparer.Ordinal));
        _default = new(() => new Tenant(StorageConstants.DefaultTenantId, _databases.Value[ClinicDatabases.DefaultName]));
    }

    public Tenant Default => _default.Value;

    /// <summary>Marten's cleaner for tests and tools: the default database's (the service itself never cleans).</summary>
    public IDocumentCleaner Cleaner => Default.Database;

    public DatabaseCardinality Cardinality => DatabaseCardinality.StaticMultiple;

    public Tenant GetTenant(string tenantId) =>
        tenantId == StorageConstants.DefaultTenantId
            ? Default
            : _tenants.GetOrAdd(tenantId, id => new Tenant(id, _databases.Value[_clinics.For(id).Name]));

    public ValueTask<Tenant> GetTenantAsync(string tenantId) => ValueTask.FromResult(GetTenant(tenantId));

    /// <summary>A database by its configured name, or the database of a clinic.</summary>
    public ValueTask<IMartenDatabase> FindOrCreateDatabase(string tenantIdOrDatabaseIdentifier) =>
        ValueTask.FromResult<IMartenDatabase>(_databases.Value.TryGetValue(tenantIdOrDatabaseIdentifier, out var database)
            ? database
            : GetTenant(tenantIdOrDatabaseIdentifier).Database);

    public ValueTask<IMartenDatabase> FindDatabase(DatabaseId id) =>
        ValueTask.FromResult<IMartenDatabase>(_databases.Value.Values.FirstOrDefault(d => d.Id == id)
            ?? throw new ArgumentOutOfRangeException(nameof(id), $"No database {id.Identity} in {ClinicDatabases.DatabasesSection}."));

    public bool IsTenantStoredInCurrentDatabase(IMartenDatabase database, string tenantId) =>
        ReferenceEquals(GetTenant(tenantId).Database, database);

    public ValueTask<IReadOnlyList<IDatabase>> BuildDatabases() =>
        ValueTask.FromResult<IReadOnlyList<IDatabase>>([.. _clinics.All.Select(d => (IDatabase)_databases.Value[d.Name])]);

    public ValueTask<DatabaseUsage> DescribeDatabasesAsync(CancellationToken token)
    {
        var usage = new DatabaseUsage { Cardinality = DatabaseCardinality.StaticMultiple };
        foreach (var database in _clinics.All)
        {
            var descriptor = _databases.Value[database.Name].Describe();
            descriptor.TenantIds.AddRange(_clinics.ClinicsIn(database));
            usage.Databases.Add(descriptor);
        }
        return ValueTask.FromResult(usage);
    }

    public void Dispose()
    {
        if (!_databases.IsValueCreated) return;
        foreach (var database in _databases.Value.Values) database.Dispose();
    }
}

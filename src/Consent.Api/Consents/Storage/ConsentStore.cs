using Consent.Workflows.Runtime;
using JasperFx;
using JasperFx.Events;
using JasperFx.Events.Projections;
using JasperFx.MultiTenancy;
using Marten;
using Marten.Storage;
using Consent.Api.Consents;

namespace Consent.Api.Consents.Storage;

public static class ConsentStore
{
    /// <summary>The default PostgreSQL schema; <c>Store:Schema</c> overrides it (tests that move the clock use their own).</summary>
    public const string DefaultSchema = "consent";

    /// <summary>The projection rows' <c>toast_tuple_target</c>: the largest a heap page allows, so a row stays whole unless it could not fit.</summary>
    public const int ProjectionToastTarget = 8160;

    /// <summary>
    /// Marten on PostgreSQL (each feature adds its own storage with <c>services.ConfigureMarten</c>): one event stream per consent, keyed by a random string id; the clinic is the tenant
    /// (conjoined tenancy), so every query is scoped to one clinic by construction.
    /// </summary>
    public static IServiceCollection AddConsentStore(this IServiceCollection services)
    {
        services.AddMarten(sp =>
        {
            var options = new StoreOptions();
            options.Connection(sp.GetRequiredKeyedService<Npgsql.NpgsqlDataSource>(Hosting.HostingSetup.StoreDataSource));
            // Clinics spread over databases (Store:Databases): the clinic, already every session's tenant, picks the database.
            if (ClinicDatabases.AreConfigured(sp.GetRequiredService<IConfiguration>())) options.Tenancy = new ClinicTenancy(options, sp.GetRequiredService<ClinicDatabases>());
            options.DatabaseSchemaName = sp.GetRequiredService<IConfiguration>()["Store:Schema"] ?? DefaultSchema;
            // A service role that may not change the schema never tries to (SchemaOwnership).
            options.AutoCreateSchemaObjects = SchemaOwnership.AppliesSchemaChanges(sp.GetRequiredService<IConfiguration>()) ? AutoCreate.CreateOrUpdate : AutoCreate.None;
            options.Events.StreamIdentity = StreamIdentity.AsString;
            options.Events.TenancyStyle = TenancyStyle.Conjoined;
            options.Events.MetadataConfig.HeadersEnabled = true;
            // Carries the storing request's W3C trace context to the relay, in a column of its own: the headers are hashed
            // into the chain, and a trace id is operations' business, not the consent's history.
            options.Events.MetadataConfig.CorrelationIdEnabled = true;
            // Appends in one round trip; the expected-version check on every append still guards concurrent writers.
            options.Events.AppendMode = EventAppendMode.Quick;
            // The inline projection reuses the row a write already loaded instead of reading it again.
            options.Events.UseIdentityMapForAggregates = true;
            options.Policies.AllDocumentsAreMultiTenanted();
            options.Events.AddEventTypes(EventTypes);
            options.Projections.Add<ConsentSummaryProjection>(ProjectionLifecycle.Inline);
            MapSummaries(options);
            options.Schema.For<IdempotentResponse>();
            options.Schema.For<SignatureImage>();
            // A tablet token is looked up before its clinic is known; it carries the clinic itself.
            options.Schema.For<TabletSession>().SingleTenanted();
            // Other features add their own documents, tables and listeners with services.ConfigureMarten(...).
            return options;
        }).UseLightweightSessions();
        services.AddSingleton<ClinicDatabases>();
        // First of all hosted services, as Marten's own start-up migration would be: nothing may touch the store before.
        services.Insert(0, ServiceDescriptor.Singleton<IHostedService, SchemaOwnership.StartupCheck>());
        return services;
    }

    /// <summary>
    /// The projection rows' table as the service maps it (the listing indexes come on top, <c>ListingIndexes</c>); the
    /// growth benchmark generates the service's statements with it.
    /// </summary>
    public static void MapSummaries(StoreOptions options) =>
        options.Schema.For<ConsentSummary>().Index(s => s.PatientId).Index(s => s.DueAt)
            // The status and the last change, which most lists filter, sort and count by, are plain columns beside the
            // document too (Marten fills them on every write, and fills them from the documents when it adds them to an
            // existing table): PostgreSQL counts a status from its index alone, without reading the rows.
            .Duplicate(s => s.Status)
            .Duplicate(s => s.UpdatedAt, configure: Listing.ListingIndexes.NewestFirst)
            // A consent's row is 2-4 kB of JSON (hashes, step ids: pglz saves a third), just past PostgreSQL's 2 kB TOAST
            // threshold: stored compressed in the TOAST table, every read of a list field fetched and decompressed it (a
            // list's bounded count, 1,000 rows, took 20 ms at 3,000 consents), and every step wrote and indexed TOAST
            // chunks. Rows up to a page are kept whole in the table instead (ProjectionStorageTests; README "Benchmark").
            .StorageParameter("toast_tuple_target", ProjectionToastTarget);

    /// <summary>Every event a consent stream can hold: the runtime's and the service's own.</summary>
    public static readonly Type[] EventTypes =
    [
        .. typeof(ConsentEvent).Assembly.GetTypes().Where(t => t.IsSubclassOf(typeof(ConsentEvent)) && !t.IsAbstract),
        typeof(ConsentOpened), typeof(TabletLinkIssued), typeof(TabletLinkRevoked), typeof(ProcedureScheduled),
        typeof(PatientIdentified), typeof(PatientIdentityConfirmed), typeof(PatientIdentityRejected), typeof(TabletLinkReplaced),
    ];
}

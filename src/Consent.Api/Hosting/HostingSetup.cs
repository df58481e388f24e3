using Npgsql;
using Scalar.AspNetCore;
using Serilog;

namespace Consent.Api.Hosting;

public static class HostingSetup
{
    /// <summary>Configuration, structured logging, problem details, OpenAPI and the shared infrastructure clients.</summary>
    public static WebApplicationBuilder AddConsentHosting(this WebApplicationBuilder builder)
    {
        // CONSENT_Section__Key overrides appsettings; added last so it wins over everything but the command line.
        builder.Configuration.AddEnvironmentVariables("CONSENT_");

        builder.Services.AddSerilog((services, logger) =>
        {
            var configuration = services.GetRequiredService<IConfiguration>();
            logger
                .ReadFrom.Configuration(configuration)
                .ReadFrom.Services(services)
                .Enrich.FromLogContext()
                .Enrich.With<WithoutRequestPath>()
                // Marten logs each command with its parameters at Debug, and parameters are patient data: never written,
                // whatever level a configuration asks for.
                .Filter.ByExcluding(e => e.Properties.ContainsKey("PARAMETERS"))
                // Marten logs every schema change's whole DDL at Information (33 kB on a new database, one event): noise
                // that buried the start of the run command's console. Its level cannot be lowered here, so it is dropped
                // above Debug; the schema is in the database for whoever needs it.
                .Filter.ByExcluding(e => e.Level > Serilog.Events.LogEventLevel.Debug && IsSchemaChange(e));
            // The test hosts keep their events per test (printed for a failing one) instead of on the shared console.
            if (configuration.GetValue("Hosting:ConsoleLog", defaultValue: true)) logger.WriteToConsole(configuration);
        },
        // This host's loggers write through this host's pipeline, never through Serilog's process-wide static logger: a
        // test process runs many hosts, each replacing the static one as it started and closing it as it stopped, and a
        // host's background service then logged into another host's pipeline (StaffEmailTests waited in vain for its own).
        preserveStaticLogger: true);

        builder.Services.AddProblemDetails();
        builder.Services.AddConsentRateLimits(builder.Configuration);
        builder.Services.AddConsentOpenApi();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(20));

        builder.Services.AddSingleton(services => Database(services.GetRequiredService<IConfiguration>(), resetOnReturn: true, prepare: false));
        // Marten's own pool: its connections carry no session state (no SET, LISTEN or session lock outlives a call), so a
        // connection going back to the pool skips the reset statements PostgreSQL would otherwise run on its next use
        // (two per answered step). Connections that hold a lock or listen come from the pool above, which resets.
        builder.Services.AddKeyedSingleton(StoreDataSource, (services, _) => Database(services.GetRequiredService<IConfiguration>(), resetOnReturn: false, prepare: false));
        builder.Services.AddKeyedSingleton(PreparedDataSource, (services, _) => Database(services.GetRequiredService<IConfiguration>(), resetOnReturn: false, prepare: true));
        return builder;
    }

    public const string StoreDataSource = "store";

    /// <summary>
    /// The pool whose statements Npgsql prepares after their second use: single reads outside any transaction (the
    /// gate's rows, a chain, a key's history) and the one write path, which empties a connection's prepared statements
    /// after a failed write before it goes back (Consents/Storage/PreparedWrites). Nothing else.
    /// </summary>
    public const string PreparedDataSource = "prepared";

    private static NpgsqlDataSource Database(IConfiguration configuration, bool resetOnReturn, bool prepare) =>
        DataSource(configuration.GetConnectionString("Postgres") ?? throw new InvalidOperationException("ConnectionStrings:Postgres is not configured."), resetOnReturn, prepare);

    /// <summary>A pool with the service's settings; also used for each further database of Store:Databases.</summary>
    public static NpgsqlDataSource DataSource(string connectionString, bool resetOnReturn, bool prepare)
    {
        // Statements prepared automatically after their second use: the gate sends the same few statements all day, and
        // planning them each time cost more than running them (the gate's query planned in 0.85 ms, ran in 0.2 ms).
        // Only the "prepared" pool does this. When a batch fails inside a transaction (a lost race between two writers, a
        // value PostgreSQL refuses), Npgsql 10's record of which statements the connection has prepared can go out of
        // step with the server's (the statements after the failing one were never parsed); were the connection to go
        // back to the pool as it is, a later command on it would read another statement's rows: "Received unexpected
        // backend message DataRow", a failed rollback and a 500 for an innocent request (PoolDesyncTests; upstream,
        // npgsql/npgsql#6391). So only the one write path, which cleans up after a failure, writes on that pool.
        var csb = new NpgsqlConnectionStringBuilder(connectionString)
        {
            Timeout = 3, MaxAutoPrepare = prepare ? 200 : 0, AutoPrepareMinUsages = 2, NoResetOnClose = !resetOnReturn,
        };
        // An application name given in the connection string (one per instance, as the cluster sets) is kept.
        csb.ApplicationName ??= "consent-api";
        return NpgsqlDataSource.Create(csb.ConnectionString);
    }

    public static WebApplication UseConsentHosting(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        // One line a request: the path without its query string (queries carry patient ids: the gate, the list's search;
        // paths carry only consent and workflow ids, which the contract allows) and the route template it matched.
        app.UseSerilogRequestLogging(o =>
        {
            o.MessageTemplate = "HTTP {RequestMethod} {Path} responded {StatusCode} in {Elapsed:0.0} ms";
            // This host's own pipeline, not the process-wide static logger (several hosts share a test process).
            o.Logger = app.Services.GetService<Serilog.ILogger>();
            o.EnrichDiagnosticContext = (diagnostics, http) =>
                diagnostics.Set("RouteTemplate", (http.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? "(no route)");
            // Serilog adds RequestPath by default; leave it out (a path can carry ids a log has no need for).
            o.GetMessageTemplateProperties = (http, _, elapsed, status) =>
            [
                new Serilog.Events.LogEventProperty("RequestMethod", new Serilog.Events.ScalarValue(http.Request.Method)),
                new Serilog.Events.LogEventProperty("Path", new Serilog.Events.ScalarValue(http.Request.PathBase.Add(http.Request.Path).Value)),
                new Serilog.Events.LogEventProperty("StatusCode", new Serilog.Events.ScalarValue(status)),
                new Serilog.Events.LogEventProperty("Elapsed", new Serilog.Events.ScalarValue(elapsed)),
            ];
        });
        app.UseAuthentication();
        app.UseRateLimiter();
        app.UseAuthorization();
        app.MapOpenApi().AllowAnonymous();
        app.MapScalarApiReference("/docs", o => o.WithTitle("Consent API")).AllowAnonymous();
        return app;
    }

    private static bool IsSchemaChange(Serilog.Events.LogEvent e) =>
        e.Properties.TryGetValue("EventId", out var id) && id is Serilog.Events.StructureValue { Properties: var parts }
        && parts.Any(p => p is { Name: "Name", Value: Serilog.Events.ScalarValue { Value: "SchemaChange" } });

    /// <summary>ASP.NET's request scope adds the raw path to every event; a path can carry ids a log has no need for.</summary>
    private sealed class WithoutRequestPath : Serilog.Core.ILogEventEnricher
    {
        public void Enrich(Serilog.Events.LogEvent logEvent, Serilog.Core.ILogEventPropertyFactory propertyFactory) =>
            logEvent.RemovePropertyIfPresent("RequestPath");
    }
}

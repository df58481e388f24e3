using System.Text.Json;
using Consent.Api.Consents.Storage;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Consent.Api.Health;

public static class HealthApi
{
    // Our own tag: MassTransit tags its bus check "ready" too, and the contract defines readiness by PostgreSQL and RabbitMQ alone.
    private const string ReadyTag = "consent-ready";
    private static readonly TimeSpan CheckTimeout = TimeSpan.FromSeconds(3);

    public static IServiceCollection AddConsentHealth(this IServiceCollection services)
    {
        services.AddSingleton<RabbitMqReadiness>();
        // One check per database of the store, named by the database's configured name (never its connection string);
        // the default database keeps the name "postgres" it always had, so one database answers exactly as before.
        // Only the default database makes the instance unready: it holds staff sign-in, sessions and every clinic not
        // listed. A further database away is "degraded" (200): every instance reaches every database, so unready would
        // take every instance out of the load balancer and cut off the clinics whose databases are fine; that clinic's
        // requests get 503 with Retry-After from the write and read paths themselves.
        services.AddOptions<HealthCheckServiceOptions>().Configure<ClinicDatabases>((options, databases) =>
        {
            foreach (var database in databases.All)
            {
                options.Registrations.Add(new HealthCheckRegistration(CheckName(database), _ => new PostgresReadiness(database),
                    database.IsDefault ? HealthStatus.Unhealthy : HealthStatus.Degraded, [ReadyTag], CheckTimeout));
            }
        });
        services.AddHealthChecks().AddCheck<RabbitMqReadiness>("rabbitmq", tags: [ReadyTag], timeout: CheckTimeout);
        return services;
    }

    /// <summary><c>postgres</c> for the default database, <c>postgres:&lt;name&gt;</c> for each of <c>Store:Databases</c>.</summary>
    private static string CheckName(ClinicDatabase database) => database.IsDefault ? "postgres" : $"postgres:{database.Name}";

    public static IEndpointRouteBuilder MapHealthApi(this IEndpointRouteBuilder app)
    {
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = WriteAsync })
            .WithTags("Health").AllowAnonymous();
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains(ReadyTag), ResponseWriter = WriteAsync })
            .WithTags("Health").AllowAnonymous();
        return app;
    }

    // Names and states only: exception details could reveal connection strings.
    private static Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        var body = new
        {
            status = report.Status.ToString().ToLowerInvariant(),
            checks = report.Entries.ToDictionary(e => e.Key, e => e.Value.Status.ToString().ToLowerInvariant()),
        };
        return context.Response.WriteAsync(JsonSerializer.Serialize(body, JsonSerializerOptions.Web));
    }
}

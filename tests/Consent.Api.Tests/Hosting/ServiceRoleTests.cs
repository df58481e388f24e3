using System.Net.Http.Json;
using System.Text.Json;
using Consent.Api.Consents.Timers;
using Consent.Api.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Consent.Api.Tests.Hosting;

/// <summary>
/// The production set-up: the schema's owner migrates it with <c>Consent.Api migrate</c>, and the service runs as its own
/// role, which can do everything a consent needs but can never rewrite, delete or truncate a stored event.
/// </summary>
[Trait("Category", "Infrastructure")]
public sealed class ServiceRoleTests
{
    private readonly string _schema = "roles_" + Guid.NewGuid().ToString("N")[..8];

    private Dictionary<string, string?> AsServiceRole() => new()
    {
        ["ConnectionStrings:Postgres"] = TestInfrastructure.PostgresServiceRole,
        ["Store:Schema"] = _schema,
        ["Store:ApplySchemaChanges"] = "false",
    };

    /// <summary>Runs the built service's own <c>migrate</c> command as a deploy step would, as the schema owner.</summary>
    private Task MigrateAsync() => BuiltPrograms.MigrateAsync(new Dictionary<string, string>
    {
        ["CONSENT_ConnectionStrings__Postgres"] = TestInfrastructure.Postgres,
        ["CONSENT_Store__Schema"] = _schema,
        ["CONSENT_Store__AppRole"] = "consent_app",
    });

    [Fact]
    public async Task The_service_role_refuses_to_start_on_a_schema_nobody_migrated_and_says_what_to_run()
    {
        await using var factory = new ApiFactory(AsServiceRole());
        var failure = Should.Throw<Exception>(() => factory.Services);
        failure.ToString().ShouldContain("Consent.Api migrate");
    }

    [Fact]
    public async Task After_migrate_the_service_runs_a_whole_consent_as_its_own_role_and_that_role_cannot_rewrite_a_stored_event()
    {
        await MigrateAsync();
        await using var listener = await AmqpListener.StartAsync(TestInfrastructure.AmqpSubscriber);
        await using var factory = new ApiFactory(AsServiceRole());
        var driver = new ConsentDriver(factory, clinic: TestInfrastructure.SubscriberClinic);
        var (id, tablet, _) = await driver.Start("lumbar-puncture", patientId: "P-ROLE-" + _schema);
        (await ConsentDriver.Walk(tablet, id, "lumbar-puncture")).GetProperty("status").GetString().ShouldBe("granted");
        (await driver.Coordinator.PostAsync($"/api/consents/{id}/withdraw", ConsentDriver.Json(new { reason = "changed_mind" }))).EnsureSuccessStatusCode();
        await ActivatorUtilities.CreateInstance<ConsentTimers>(factory.Services).RunDueAsync(CancellationToken.None);
        (await driver.Clinician.GetFromJsonAsync<JsonElement>($"/api/consents/{id}/verify")).GetProperty("valid").GetBoolean().ShouldBeTrue();
        var gate = await driver.Coordinator.GetFromJsonAsync<JsonElement>($"/api/gate?patientId=P-ROLE-{_schema}&procedureCode=MSC-1");
        gate.GetProperty("reason").GetString().ShouldBe("withdrawn");
        await listener.WaitFor(_ => listener.Once(id).Any(m => m.MessageType.EndsWith(":ConsentWithdrawn", StringComparison.Ordinal)));

        await using var asService = await new NpgsqlDataSourceBuilder(TestInfrastructure.PostgresServiceRole).Build().OpenConnectionAsync();
        string[] rewrites =
        [
            $"update {_schema}.mt_events set data = data",
            $"delete from {_schema}.mt_events",
            $"truncate {_schema}.mt_events",
            $"alter table {_schema}.mt_events disable trigger all",
            $"delete from {_schema}.mt_streams",
            $"delete from {_schema}.gate_changes",
            $"create table {_schema}.shadow (id int)",
        ];
        foreach (var sql in rewrites)
        {
            await using var command = new NpgsqlCommand(sql, asService);
            var refused = await Should.ThrowAsync<PostgresException>(() => command.ExecuteNonQueryAsync(), sql);
            refused.SqlState.ShouldBeOneOf(PostgresErrorCodes.InsufficientPrivilege);
        }
        (await driver.Clinician.GetFromJsonAsync<JsonElement>($"/api/consents/{id}/verify")).GetProperty("valid").GetBoolean().ShouldBeTrue();
    }
}

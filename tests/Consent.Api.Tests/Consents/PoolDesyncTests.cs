using System.Net;
using System.Net.Http.Json;
using Consent.Api.Auditing;
using Consent.Api.Consents;
using Consent.Api.Consents.AnsweringSteps;
using Consent.Api.Consents.Starting;
using Consent.Api.Tablet;
using Consent.Api.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Consent.Api.Tests.Consents;

/// <summary>
/// The review saw "Received unexpected backend message DataRow" after PostgreSQL refused a write holding a NUL
/// character, and the next, innocent request on the reused pooled connection failed too. The door now refuses NUL
/// text (400), so this test goes behind the door: it hands NUL text straight to the one write path, so that PostgreSQL
/// itself refuses the batch (22P05 in jsonb, 22021 in a text column), on a pool of two connections, while other
/// requests and racing writers use the same two connections. Every refused write must fail alone, and every other
/// request on the pool must be answered.
/// </summary>
[Trait("Category", "Infrastructure")]
public sealed class PoolDesyncTests(PoolDesyncTests.Factory factory) : IClassFixture<PoolDesyncTests.Factory>
{
    public sealed class Factory() : ApiFactory(new Dictionary<string, string?>
    {
        // Two connections: a connection a refused batch broke would be handed to one of the next requests at once.
        ["ConnectionStrings:Postgres"] = TestInfrastructure.Postgres + ";Maximum Pool Size=2",
        ["RateLimiting:PermitsPerSecond"] = "10000",
        ["RateLimiting:Burst"] = "10000",
    });

    [Fact]
    public async Task Writes_postgres_refuses_leave_every_pooled_connection_usable_for_the_next_request()
    {
        var driver = new ConsentDriver(factory);
        var definition = ConsentDriver.Workflows.Find("stem-cell-ms")!;
        var writer = factory.Services.GetRequiredService<ConsentWriter>();
        var (id, tablet, view) = await driver.Start(patientId: "P-NUL-0");
        var step = view.GetProperty("currentStep").GetProperty("id").GetString()!;
        var refused = new List<string>();
        var failures = new List<string>();
        for (var round = 0; round < 30; round++)
        {
            // Behind the door: a question, a signer's subject and a representative's name holding NUL reach PostgreSQL.
            var question = RefusedAsync(() => writer.WriteAsync(
                new ConsentWrite(driver.Clinic, id, new Actor("staff\0" + round, "coordinator", "unknown", "x"), new AskQuestion("why\0not")), CancellationToken.None));
            var create = RefusedAsync(() => StartingApi.StartAsync(writer, driver.Clinic, new Actor("staff", "coordinator", "unknown", "x"), definition,
                new CreateConsentRequest
                {
                    PatientId = $"P-NUL-{round}", ProcedureCode = "MSC-IV", WorkflowId = "stem-cell-ms", Locale = "en",
                    Representative = new RepresentativeRequest { Name = "Ann\0e", Relationship = "parent" },
                }, null, CancellationToken.None));
            // Meanwhile, on the same two connections: reads, and two tablets' answers racing for one step.
            var reads = Enumerable.Range(0, 4).Select(_ => driver.Coordinator.GetAsync($"/api/consents/{id}")).ToList();
            var racing = Enumerable.Range(0, 2).Select(_ =>
                tablet.PostAsync($"/api/consents/{id}/steps/{step}", ConsentDriver.Json(ConsentDriver.Answer(definition.FindStep(step)!)))).ToList();
            refused.Add(await question);
            refused.Add(await create);
            foreach (var response in await Task.WhenAll(reads))
            {
                if (response.StatusCode != HttpStatusCode.OK) failures.Add($"read {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
            }
            foreach (var response in await Task.WhenAll(racing))
            {
                if ((int)response.StatusCode >= 500) failures.Add($"answer {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
            }
            // The next requests, one after another, each on whichever pooled connection is free.
            for (var i = 0; i < 3; i++)
            {
                var after = await driver.Coordinator.GetAsync($"/api/consents/{id}");
                if (after.StatusCode != HttpStatusCode.OK) failures.Add($"next read {(int)after.StatusCode}: {await after.Content.ReadAsStringAsync()}");
            }
            if (round == 0) step = (await driver.Coordinator.GetFromJsonAsync<System.Text.Json.JsonElement>($"/api/consents/{id}")).GetProperty("currentStep").GetProperty("id").GetString()!;
        }

        failures.ShouldBeEmpty();
        // Each NUL reached PostgreSQL and was refused there, as the data type's own error; nothing else went wrong.
        refused.ShouldAllBe(r => r == PostgresErrorCodes.UntranslatableCharacter || r == PostgresErrorCodes.CharacterNotInRepertoire);
        (await driver.Clinician.GetFromJsonAsync<System.Text.Json.JsonElement>($"/api/consents/{id}/verify")).GetProperty("valid").GetBoolean().ShouldBeTrue();
    }

    /// <summary>The SQL state PostgreSQL refused the write with, or what happened instead.</summary>
    private static async Task<string> RefusedAsync(Func<Task> write)
    {
        try
        {
            await write();
            return "stored";
        }
        catch (Exception ex) when (FindPostgres(ex) is { } postgres)
        {
            return postgres.SqlState;
        }
        catch (Exception ex)
        {
            return ex.GetType().Name + ": " + ex.Message;
        }
    }

    private static PostgresException? FindPostgres(Exception? ex) => ex switch
    {
        null => null,
        PostgresException p => p,
        _ => FindPostgres(ex.InnerException),
    };
}

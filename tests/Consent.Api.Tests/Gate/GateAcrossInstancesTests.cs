using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Consent.Api.Gate;
using Consent.Api.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace Consent.Api.Tests.Gate;

/// <summary>
/// Two service instances on one database: the gate one instance keeps in memory follows changes made through the
/// other, and when its listening connection is cut it reads the database until it listens again.
/// </summary>
[Trait("Category", "Infrastructure")]
public sealed class GateAcrossInstancesTests : IAsyncLifetime
{
    private readonly string _schema = "gatecache_" + Guid.NewGuid().ToString("N")[..8];
    private ApiFactory _writer = null!;
    private ApiFactory _reader = null!;

    public Task InitializeAsync()
    {
        _writer = new ApiFactory(new Dictionary<string, string?> { ["Store:Schema"] = _schema });
        _reader = new ApiFactory(new Dictionary<string, string?> { ["Store:Schema"] = _schema, ["Relay:Enabled"] = "false" });
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _reader.DisposeAsync();
        await _writer.DisposeAsync();
    }

    private static GateNoticeListener Listener(ApiFactory factory) =>
        factory.Services.GetServices<IHostedService>().OfType<GateNoticeListener>().Single();

    private static async Task<int> ListeningPid(ApiFactory factory, int? not = null)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(10))
        {
            if (factory.Services.GetRequiredService<GateCache>().IsListening && Listener(factory).BackendPid is { } pid && pid != not) return pid;
            await Task.Delay(20);
        }
        throw new TimeoutException("The gate's change listener did not start listening.");
    }

    private static async Task<JsonElement> Gate(HttpClient client, string patientId) =>
        await client.GetFromJsonAsync<JsonElement>($"/api/gate?patientId={patientId}&procedureCode=MSC-1");

    /// <summary>Asks until the answer's reason is <paramref name="reason"/>; how long that took.</summary>
    private static async Task<TimeSpan> UntilReason(HttpClient client, string patientId, string reason)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(5))
        {
            if ((await Gate(client, patientId)).GetProperty("reason").GetString() == reason) return clock.Elapsed;
            await Task.Delay(5);
        }
        throw new TimeoutException($"The other instance still does not answer '{reason}'.");
    }

    [Fact]
    public async Task A_withdrawal_through_one_instance_closes_the_gate_another_instance_kept_in_memory()
    {
        var driver = new ConsentDriver(_writer);
        var (id, tablet, _) = await driver.Start("lumbar-puncture", patientId: "P-X1");
        await ConsentDriver.Walk(tablet, id, "lumbar-puncture");
        await ListeningPid(_reader);
        var elsewhere = _reader.ClientAs("integration", driver.Clinic);
        var before = await Gate(elsewhere, "P-X1");
        before.GetProperty("reason").GetString().ShouldNotBe("withdrawn");
        _reader.Services.GetRequiredService<GateCache>().TryGet(driver.Clinic, "P-X1", "MSC-1", out _).ShouldBeTrue("the answer is kept in memory");

        (await driver.Coordinator.PostAsync($"/api/consents/{id}/withdraw", ConsentDriver.Json(new { reason = "patient_request" }))).EnsureSuccessStatusCode();
        var written = await Gate(_writer.ClientAs("integration", driver.Clinic), "P-X1");
        written.GetProperty("reason").GetString().ShouldBe("withdrawn", "the instance that wrote answers its own write at once");

        await UntilReason(elsewhere, "P-X1", "withdrawn");
        (await Gate(elsewhere, "P-X1")).GetProperty("sequence").GetInt64().ShouldBe(written.GetProperty("sequence").GetInt64());
    }

    [Fact]
    public async Task A_first_consent_for_a_patient_opens_the_gate_another_instance_had_kept_closed()
    {
        var driver = new ConsentDriver(_writer);
        await ListeningPid(_reader);
        var elsewhere = _reader.ClientAs("integration", driver.Clinic);
        (await Gate(elsewhere, "P-X2")).GetProperty("reason").GetString().ShouldBe("no_consent");

        await driver.Start("lumbar-puncture", patientId: "P-X2");

        await UntilReason(elsewhere, "P-X2", "consent_pending");
    }

    [Fact]
    public async Task With_its_listening_connection_cut_an_instance_reads_the_database_and_then_listens_again()
    {
        var driver = new ConsentDriver(_writer);
        var (id, tablet, _) = await driver.Start("lumbar-puncture", patientId: "P-X3");
        await ConsentDriver.Walk(tablet, id, "lumbar-puncture");
        var pid = await ListeningPid(_reader);
        var elsewhere = _reader.ClientAs("integration", driver.Clinic);
        await Gate(elsewhere, "P-X3");

        await using (var db = NpgsqlDataSource.Create(TestInfrastructure.Postgres))
        await using (var cut = db.CreateCommand("select pg_terminate_backend($1)"))
        {
            cut.Parameters.Add(new NpgsqlParameter<int> { TypedValue = pid });
            await cut.ExecuteScalarAsync();
        }
        (await Gate(elsewhere, "P-X3")).GetProperty("reason").GetString().ShouldNotBe("withdrawn");
        await ListeningPid(_reader, not: pid);
        _reader.Services.GetRequiredService<GateCache>().TryGet(driver.Clinic, "P-X3", "MSC-1", out _)
            .ShouldBeFalse("what was kept while notifications could be missed is forgotten");

        await Gate(elsewhere, "P-X3");
        (await driver.Coordinator.PostAsync($"/api/consents/{id}/withdraw", ConsentDriver.Json(new { reason = "patient_request" }))).EnsureSuccessStatusCode();
        await UntilReason(elsewhere, "P-X3", "withdrawn");
    }
}

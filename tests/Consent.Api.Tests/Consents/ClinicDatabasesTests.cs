using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Consent.Api.Consents.Integrity;
using Consent.Api.Consents.Timers;
using Consent.Api.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Consent.Api.Tests.Consents;

/// <summary>
/// Clinics spread over two PostgreSQL servers (issue #18, docs/adr/0003-clinic-databases.md): clinic A in the default
/// database (the test command's PostgreSQL), clinic B in a database on a second server (postgres.sh profile test2). Each
/// clinic's consents, gate, relay, timers, listing and integrity checks work on its own database and nowhere else.
/// </summary>
[Trait("Category", "Infrastructure")]
public sealed class ClinicDatabasesTests(ClinicDatabasesTests.Factory factory) : IClassFixture<ClinicDatabasesTests.Factory>
{
    private static readonly string Suffix = Guid.NewGuid().ToString("N")[..8];
    public static readonly string ClinicA = "tena-" + Suffix;
    public static readonly string ClinicB = "tenb-" + Suffix;
    public static readonly string Schema = "tenancy_" + Suffix;

    /// <summary>The settings that spread the two clinics: A named in the default database, B in "second".</summary>
    public static Dictionary<string, string?> Spread(string schema) => new()
    {
        ["Store:Schema"] = schema,
        ["Store:Databases:second:ConnectionString"] = TestInfrastructure.Postgres2,
        [$"Store:ClinicDatabases:{ClinicA}"] = "default",
        [$"Store:ClinicDatabases:{ClinicB}"] = "second",
    };

    public sealed class Factory() : ApiFactory(Spread(Schema));

    private static string Db1 => TestInfrastructure.Postgres;
    private static string Db2 => TestInfrastructure.Postgres2;

    private static async Task<string> GrantedConsent(ConsentDriver driver, string patientId)
    {
        var (id, tablet, _) = await driver.Start("lumbar-puncture", patientId: patientId);
        (await ConsentDriver.Walk(tablet, id, "lumbar-puncture")).GetProperty("status").GetString().ShouldBe("granted");
        return id;
    }

    [Fact]
    public async Task Each_clinics_consent_is_stored_only_in_its_own_database_and_the_gate_and_list_answer_per_clinic()
    {
        // The gate's cache keeps answers only while a connection listens on each database (one listener per database).
        var cache = factory.Services.GetRequiredService<Consent.Api.Gate.GateCache>();
        for (var waited = 0; !cache.IsListening && waited < 100; waited++) await Task.Delay(100);
        cache.IsListening.ShouldBeTrue("both databases' notifications are heard");
        var a = new ConsentDriver(factory, ClinicA);
        var b = new ConsentDriver(factory, ClinicB);
        var idA = await GrantedConsent(a, "P-SPREAD");
        var idB = await GrantedConsent(b, "P-SPREAD");

        foreach (var table in new[] { "mt_events", "mt_streams", "mt_doc_consentsummary" })
        {
            (await StoredRows.CountAsync(Schema, table, ClinicA, Db1)).ShouldBeGreaterThan(0, $"{table}: clinic A in the default database");
            (await StoredRows.CountAsync(Schema, table, ClinicA, Db2)).ShouldBe(0, $"{table}: nothing of clinic A in the second database");
            (await StoredRows.CountAsync(Schema, table, ClinicB, Db2)).ShouldBeGreaterThan(0, $"{table}: clinic B in the second database");
            (await StoredRows.CountAsync(Schema, table, ClinicB, Db1)).ShouldBe(0, $"{table}: nothing of clinic B in the default database");
        }

        // The same patient and procedure in both clinics: each gate answers from its own clinic's consent.
        var gateA = await factory.ClientAs("integration", ClinicA).GetFromJsonAsync<JsonElement>("/api/gate?patientId=P-SPREAD&procedureCode=MSC-1");
        var gateB = await factory.ClientAs("integration", ClinicB).GetFromJsonAsync<JsonElement>("/api/gate?patientId=P-SPREAD&procedureCode=MSC-1");
        (gateA.GetProperty("allowed").GetBoolean(), gateA.GetProperty("consentId").GetString()).ShouldBe((true, idA));
        (gateB.GetProperty("allowed").GetBoolean(), gateB.GetProperty("consentId").GetString()).ShouldBe((true, idB));

        // A withdrawal in B closes B's gate (the cache heard the second database's notification) and leaves A's open.
        (await b.Coordinator.PostAsync($"/api/consents/{idB}/withdraw", ConsentDriver.Json(new { reason = "changed_mind" }))).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await factory.ClientAs("integration", ClinicB).GetFromJsonAsync<JsonElement>("/api/gate?patientId=P-SPREAD&procedureCode=MSC-1"))
            .GetProperty("reason").GetString().ShouldBe("withdrawn");
        (await factory.ClientAs("integration", ClinicA).GetFromJsonAsync<JsonElement>("/api/gate?patientId=P-SPREAD&procedureCode=MSC-1"))
            .GetProperty("reason").GetString().ShouldBe("granted");

        // The list (the dashboard's) shows each clinic its own consents only.
        var listA = await a.Coordinator.GetFromJsonAsync<JsonElement>("/api/consents");
        var listB = await b.Coordinator.GetFromJsonAsync<JsonElement>("/api/consents");
        var listedA = listA.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetString()).ToList();
        var listedB = listB.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetString()).ToList();
        listedA.ShouldContain(idA);
        listedA.ShouldNotContain(idB);
        listedB.ShouldContain(idB);
        listedB.ShouldNotContain(idA);
        listedA.Intersect(listedB).ShouldBeEmpty();
        (await a.Coordinator.GetAsync($"/api/consents/{idB}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Each_databases_relay_publishes_its_clinics_events_and_keeps_its_own_position_and_ledger()
    {
        await using var listener = await AmqpListener.StartAsync(TestInfrastructure.AmqpSubscriber);
        var idA = await GrantedConsent(new ConsentDriver(factory, ClinicA), "P-RELAY");
        var idB = await GrantedConsent(new ConsentDriver(factory, ClinicB), "P-RELAY");

        await listener.WaitFor(_ => listener.Once(idA).Any(m => m.MessageType.EndsWith(":ConsentGranted", StringComparison.Ordinal))
                                    && listener.Once(idB).Any(m => m.MessageType.EndsWith(":ConsentGranted", StringComparison.Ordinal)));
        listener.Once(idB).Single(m => m.MessageType.EndsWith(":ConsentGranted", StringComparison.Ordinal)).Message
            .GetProperty("clinicId").GetString().ShouldBe(ClinicB);

        // Each database's relay moved its own position, and B's gate changes are in B's database, read back through the API.
        (await StoredRows.RelayPositionAsync(Schema, Db2)).ShouldBeGreaterThan(0);
        (await StoredRows.RelayPositionAsync(Schema, Db1)).ShouldBeGreaterThan(0);
        (await StoredRows.CountAsync(Schema, "gate_changes", ClinicB, Db2, "clinic")).ShouldBeGreaterThan(0);
        (await StoredRows.CountAsync(Schema, "gate_changes", ClinicB, Db1, "clinic")).ShouldBe(0);
        var changes = await factory.ClientAs("integration", ClinicB).GetFromJsonAsync<JsonElement>("/api/gate/changes?since=0&limit=100");
        changes.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("consentId").GetString()).ShouldContain(idB);
    }

    [Fact]
    public async Task Tampering_in_the_second_database_is_caught_by_its_gate_row_verifier_verify_and_checkpoints()
    {
        var b = new ConsentDriver(factory, ClinicB);
        var integration = factory.ClientAs("integration", ClinicB);

        // A row edited in the second database: the gate fails closed and the row verifier (over every database) finds it.
        var edited = await GrantedConsent(b, "P-ROW2");
        (await b.Coordinator.PostAsync($"/api/consents/{edited}/withdraw", ConsentDriver.Json(new { reason = "patient_request" }))).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await StoredRows.EditDocumentAsync(Schema, "consentsummary", edited, ["Record", "Runtime", "Status"], "4", Db1)).ShouldBe(0, "not in the default database");
        (await StoredRows.EditDocumentAsync(Schema, "consentsummary", edited, ["Record", "Runtime", "Status"], "4", Db2)).ShouldBe(1);
        (await StoredRows.EditDocumentAsync(Schema, "consentsummary", edited, ["Status"], "\"granted\"", Db2)).ShouldBe(1);
        var gate = await integration.GetFromJsonAsync<JsonElement>("/api/gate?patientId=P-ROW2&procedureCode=MSC-1");
        (gate.GetProperty("allowed").GetBoolean(), gate.GetProperty("reason").GetString()).ShouldBe((false, "integrity_error"));
        (await factory.Services.GetRequiredService<RowVerifier>().VerifyAsync(null, CancellationToken.None)).ShouldContain(edited);

        // A history rewritten with its chain recomputed: verify says so.
        var rewritten = await GrantedConsent(b, "P-CHAIN2");
        (await b.Clinician.GetFromJsonAsync<JsonElement>($"/api/consents/{rewritten}/verify")).GetProperty("valid").GetBoolean().ShouldBeTrue();
        (await StoredRows.EditEventFieldAsync(Schema, rewritten, "SignerName", "\"Someone Else\"", eventType: "ConsentSigned", database: Db2)).ShouldBe(1);
        await StoredRows.RecomputeChainAsync(Schema, rewritten, Db2);
        var check = await b.Clinician.GetFromJsonAsync<JsonElement>($"/api/consents/{rewritten}/verify");
        (check.GetProperty("valid").GetBoolean(), check.GetProperty("headSigned").GetBoolean()).ShouldBe((false, false));

        // A withdrawal erased after the second database's checkpoint saw it: verify reports the truncation.
        var truncated = await GrantedConsent(b, "P-TRUNC2");
        var grantedRow = await StoredRows.ReadDocumentAsync(Schema, "consentsummary", truncated, Db2);
        var grantedVersion = (await b.Clinician.GetFromJsonAsync<JsonElement>($"/api/consents/{truncated}/verify")).GetProperty("events").GetInt32();
        (await b.Coordinator.PostAsync($"/api/consents/{truncated}/withdraw", ConsentDriver.Json(new { reason = "patient_request" }))).StatusCode.ShouldBe(HttpStatusCode.OK);
        await factory.Services.GetRequiredService<HeadCheckpoints>().WriteAsync(CancellationToken.None);
        await StoredRows.TruncateStreamAsync(Schema, truncated, grantedVersion, grantedRow, Db2);
        var afterTruncation = await b.Clinician.GetFromJsonAsync<JsonElement>($"/api/consents/{truncated}/verify");
        (afterTruncation.GetProperty("valid").GetBoolean(), afterTruncation.GetProperty("truncated").GetBoolean()).ShouldBe((false, true));
        (await integration.GetFromJsonAsync<JsonElement>("/api/gate?patientId=P-TRUNC2&procedureCode=MSC-1")).GetProperty("reason").GetString().ShouldBe("integrity_error");
    }
}

/// <summary>Timers across two databases, with a clock of their own (a class of its own: the clock runs weeks ahead).</summary>
[Trait("Category", "Infrastructure")]
public sealed class ClinicDatabaseTimerTests : IAsyncLifetime
{
    private readonly FakeClock _clock = new(DateTimeOffset.UtcNow);
    private ApiFactory _factory = null!;

    public Task InitializeAsync()
    {
        _factory = new ApiFactory(ClinicDatabasesTests.Spread("tenancy_timers_" + Guid.NewGuid().ToString("N")[..8]),
            services => services.AddSingleton<TimeProvider>(_clock));
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    [Fact]
    public async Task A_timer_due_in_the_second_database_fires()
    {
        var b = new ConsentDriver(_factory, ClinicDatabasesTests.ClinicB);
        var (id, tablet, _) = await b.Start("lumbar-puncture", patientId: "P-TIMER2");
        (await ConsentDriver.Walk(tablet, id, "lumbar-puncture")).GetProperty("status").GetString().ShouldBe("granted");

        _clock.Advance(TimeSpan.FromDays(31));
        (await ActivatorUtilities.CreateInstance<ConsentTimers>(_factory.Services).RunDueAsync(CancellationToken.None)).ShouldBeGreaterThanOrEqualTo(1);

        (await b.Coordinator.GetFromJsonAsync<JsonElement>($"/api/consents/{id}")).GetProperty("status").GetString().ShouldBe("expired");
    }
}

/// <summary><c>Consent.Api migrate</c> and the service role's start-up check cover every database, not only the default one.</summary>
[Trait("Category", "Infrastructure")]
public sealed class ClinicDatabaseMigrationTests
{
    private readonly string _schema = "tenancy_migrate_" + Guid.NewGuid().ToString("N")[..8];

    /// <summary>Runs the built service's <c>migrate</c> command as the schema owner, with or without the second database configured.</summary>
    private Task MigrateAsync(bool spread)
    {
        var environment = new Dictionary<string, string>
        {
            ["CONSENT_ConnectionStrings__Postgres"] = TestInfrastructure.Postgres,
            ["CONSENT_Store__Schema"] = _schema,
        };
        if (spread) environment["CONSENT_Store__Databases__second__ConnectionString"] = TestInfrastructure.Postgres2;
        return BuiltPrograms.MigrateAsync(environment);
    }

    private Dictionary<string, string?> Settings()
    {
        var settings = ClinicDatabasesTests.Spread(_schema);
        settings["Store:ApplySchemaChanges"] = "false";
        return settings;
    }

    [Fact]
    public async Task A_service_that_may_not_change_the_schema_refuses_to_start_until_every_database_is_migrated()
    {
        // Only the default database migrated: the second one has no schema, and the service says what to run.
        await MigrateAsync(spread: false);
        await using (var factory = new ApiFactory(Settings()))
        {
            Should.Throw<Exception>(() => factory.Services).ToString().ShouldContain("Consent.Api migrate");
        }

        await MigrateAsync(spread: true);
        await using var migrated = new ApiFactory(Settings());
        var b = new ConsentDriver(migrated, ClinicDatabasesTests.ClinicB);
        var (id, tablet, _) = await b.Start("lumbar-puncture", patientId: "P-MIGRATE");
        (await ConsentDriver.Walk(tablet, id, "lumbar-puncture")).GetProperty("status").GetString().ShouldBe("granted");
        (await StoredRows.CountAsync(_schema, "mt_events", ClinicDatabasesTests.ClinicB, TestInfrastructure.Postgres2)).ShouldBeGreaterThan(0);
    }
}

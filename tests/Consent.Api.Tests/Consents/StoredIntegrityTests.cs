using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Consent.Api.Consents.Integrity;
using Consent.Api.Tests.Support;
using Consent.Api.Consents;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Consent.Api.Tests.Consents;

/// <summary>
/// An insider with write access to PostgreSQL (but not to the service's signing key) edits what is stored; the gate,
/// verify and the relay must notice instead of believing the rows.
/// </summary>
[Trait("Category", "Infrastructure")]
public sealed class StoredIntegrityTests(StoredIntegrityTests.Factory factory) : IClassFixture<StoredIntegrityTests.Factory>
{
    public sealed class Factory : ApiFactory;

    [Fact]
    public async Task A_withdrawn_consents_row_set_to_granted_in_the_database_closes_the_gate_with_integrity_error()
    {
        var driver = new ConsentDriver(factory);
        var integration = factory.ClientAs("integration", driver.Clinic);
        var (id, tablet, _) = await driver.Start("lumbar-puncture", patientId: "P-ROW");
        await ConsentDriver.Walk(tablet, id, "lumbar-puncture");
        (await tablet.PostAsync($"/api/consents/{id}/withdraw", ConsentDriver.Json(new { reason = "patient_request" }))).StatusCode.ShouldBe(HttpStatusCode.OK);

        // The row the gate reads says granted again (4 is Granted in the stored enum); the events still say withdrawn.
        (await StoredRows.EditDocumentAsync("consent", "consentsummary", id, ["Record", "Runtime", "Status"], "4")).ShouldBe(1);
        (await StoredRows.EditDocumentAsync("consent", "consentsummary", id, ["Status"], "\"granted\"")).ShouldBe(1);

        var gate = await integration.GetFromJsonAsync<JsonElement>("/api/gate?patientId=P-ROW&procedureCode=MSC-1");
        gate.GetProperty("allowed").GetBoolean().ShouldBeFalse();
        gate.GetProperty("reason").GetString().ShouldBe("integrity_error");
        gate.GetProperty("consentId").GetString().ShouldBe(id);
        // The background verifier, re-folding the events, finds the same row (and only rows that were edited).
        var verifier = factory.Services.GetRequiredService<RowVerifier>();
        (await verifier.VerifyAsync([(driver.Clinic, id)], CancellationToken.None)).ShouldBe([id]);
        var (other, otherTablet, _) = await driver.Start("lumbar-puncture", patientId: "P-ROW-2");
        await ConsentDriver.Walk(otherTablet, other, "lumbar-puncture");
        (await verifier.VerifyAsync([(driver.Clinic, other)], CancellationToken.None)).ShouldBeEmpty();
    }

    [Fact]
    public async Task A_consent_whose_row_was_deleted_is_drawn_by_the_rolling_sample_and_reported()
    {
        // A schema of its own, so that the sample draws from these consents only.
        var schema = "rows_" + Guid.NewGuid().ToString("N")[..8];
        await using var own = new ApiFactory(new Dictionary<string, string?> { ["Store:Schema"] = schema, ["Integrity:VerifyRows"] = "false" });
        var driver = new ConsentDriver(own);
        var ids = new List<string>();
        for (var i = 0; i < 3; i++) ids.Add((await driver.Start("lumbar-puncture", patientId: $"P-SAMPLE-{i}")).Id);
        // Gone from every list and from the gate's reads; its events remain.
        (await StoredRows.DeleteDocumentAsync(schema, "consentsummary", ids[1])).ShouldBe(1);
        // A lost race: Marten then keeps the sequence numbers it took as events of its own tombstone stream, which is no consent.
        await using (var racing = own.Services.GetRequiredService<IDocumentStore>().LightweightSession(driver.Clinic))
        {
            racing.Events.Append(ids[0], 99, new TabletLinkRevoked(DateTimeOffset.UtcNow));
            await Should.ThrowAsync<Exception>(() => racing.SaveChangesAsync());
        }
        await using (var db = NpgsqlDataSource.Create(TestInfrastructure.Postgres))
        await using (var streams = db.CreateCommand($"select count(*) from {schema}.mt_streams where id = 'mt_tombstone'"))
        {
            ((long)(await streams.ExecuteScalarAsync())!).ShouldBeGreaterThan(0, "the lost race left Marten's tombstone stream");
        }

        var verifier = own.Services.GetRequiredService<RowVerifier>();
        var round = await verifier.VerifyRoundAsync(10, CancellationToken.None);
        round.Checked.ShouldBe(3);
        round.Mismatched.ShouldBe([ids[1]]);
        (await verifier.VerifyRoundAsync(2, CancellationToken.None)).Checked.ShouldBe(2, "a sample never checks more than asked");
        (await verifier.VerifyRoundAsync(null, CancellationToken.None)).Mismatched.ShouldBe([ids[1]]);
    }

    [Fact]
    public async Task A_rewritten_history_whose_chain_was_recomputed_fails_verify()
    {
        var driver = new ConsentDriver(factory);
        var (id, tablet, _) = await driver.Start("lumbar-puncture", patientId: "P-CHAIN");
        await ConsentDriver.Walk(tablet, id, "lumbar-puncture");
        (await driver.Clinician.GetFromJsonAsync<JsonElement>($"/api/consents/{id}/verify")).GetProperty("valid").GetBoolean().ShouldBeTrue();

        // The signer's name is changed, and every hash after it recomputed so that the unkeyed chain holds again.
        (await StoredRows.EditEventFieldAsync("consent", id, "SignerName", "\"Someone Else\"", eventType: "ConsentSigned")).ShouldBe(1);
        await StoredRows.RecomputeChainAsync("consent", id);

        var check = await driver.Clinician.GetFromJsonAsync<JsonElement>($"/api/consents/{id}/verify");
        check.GetProperty("valid").GetBoolean().ShouldBeFalse();
        check.GetProperty("headSigned").GetBoolean().ShouldBeFalse();
    }

    [Fact]
    public async Task Deleting_a_withdrawal_and_lowering_the_stream_version_is_caught_by_the_signed_checkpoint()
    {
        var driver = new ConsentDriver(factory);
        var integration = factory.ClientAs("integration", driver.Clinic);
        var (id, tablet, _) = await driver.Start("lumbar-puncture", patientId: "P-TRUNC");
        await ConsentDriver.Walk(tablet, id, "lumbar-puncture");
        var grantedRow = await StoredRows.ReadDocumentAsync("consent", "consentsummary", id);
        var grantedVersion = (await driver.Clinician.GetFromJsonAsync<JsonElement>($"/api/consents/{id}/verify")).GetProperty("events").GetInt32();
        (await tablet.PostAsync($"/api/consents/{id}/withdraw", ConsentDriver.Json(new { reason = "patient_request" }))).StatusCode.ShouldBe(HttpStatusCode.OK);
        await factory.Services.GetRequiredService<HeadCheckpoints>().WriteAsync(CancellationToken.None);

        // The withdrawal is erased: its events deleted, the stream's version lowered, the granted row put back. Every
        // remaining event still verifies, and the last one was once a signed head.
        await StoredRows.TruncateStreamAsync("consent", id, grantedVersion, grantedRow);

        var gate = await integration.GetFromJsonAsync<JsonElement>("/api/gate?patientId=P-TRUNC&procedureCode=MSC-1");
        gate.GetProperty("allowed").GetBoolean().ShouldBeFalse();
        gate.GetProperty("reason").GetString().ShouldBe("integrity_error");
        var check = await driver.Clinician.GetFromJsonAsync<JsonElement>($"/api/consents/{id}/verify");
        check.GetProperty("valid").GetBoolean().ShouldBeFalse();
        check.GetProperty("truncated").GetBoolean().ShouldBeTrue();
    }
}

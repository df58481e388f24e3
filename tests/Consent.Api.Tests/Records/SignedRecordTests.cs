using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Consent.Api.Auth;
using Consent.Api.Auditing;
using Consent.Api.Signing;
using Consent.Api.Tests.Support;
using Consent.Contracts.Records;
using Marten;
using Microsoft.Extensions.DependencyInjection;

namespace Consent.Api.Tests.Records;

public sealed class SignedRecordTests(SignedRecordTests.Factory factory) : IClassFixture<SignedRecordTests.Factory>
{
    public sealed class Factory : ApiFactory;

    [Fact]
    public async Task A_granted_consent_has_a_signed_record_of_what_was_read_answered_and_signed_that_verifies_offline()
    {
        var (driver, id, _) = await RecordDriver.Granted(factory);

        var download = await RecordDriver.Record(driver.Coordinator, id);
        var verification = RecordVerifier.VerifyDownload(download.ToJsonString(), await RecordDriver.Keys(factory));

        verification.Problems.ShouldBeEmpty();
        var record = verification.Record!;
        verification.KeyId.ShouldBe(factory.Services.GetRequiredService<ServiceSigner>().KeyId);
        record.ConsentId.ShouldBe(id);
        record.PatientId.ShouldBe("MRN-1001");
        record.Status.ShouldBe("granted");
        record.Workflow.Id.ShouldBe("stem-cell-ms");
        record.Workflow.ContentHash.ShouldBe(ConsentDriver.Workflows.Find("stem-cell-ms")!.ContentHash);
        var definition = ConsentDriver.Workflows.Find("stem-cell-ms")!;
        var risks = definition.Steps.Where(s => s.Type == Consent.Workflows.Definitions.StepType.Risk).ToList();
        risks.ShouldNotBeEmpty();
        foreach (var risk in risks)
        {
            var step = record.Steps.Single(s => s.Id == risk.Id);
            step.Title.ShouldBe(risk.Title.For("en", "en"));
            step.Answers.ShouldContain(a => a.Kind == "risk_acknowledged" && a.Value == "JD");
        }
        var signature = record.Signatures.ShouldHaveSingleItem();
        signature.SignerName.ShouldBe("Jane Doe");
        signature.Statement.ShouldBe(definition.FindStep(signature.StepId)!.Statement.For("en", "en"));
        signature.SignatureImage.ShouldBe(ConsentDriver.SignaturePng);
        record.Countersignature!.ClinicianName.ShouldBe("Dr. Rivera");
        record.Chain.Events.Count.ShouldBe((int)record.StreamVersion);
        record.Chain.Events[0].Type.ShouldBe("consent_opened");

        // The same version is signed once: a second download is the same bytes and the same JWS.
        (await RecordDriver.Record(driver.Clinician, id)).ToJsonString().ShouldBe(download.ToJsonString());
    }

    [Fact]
    public async Task Withdrawn_and_declined_consents_each_have_a_record_that_says_how_they_ended()
    {
        var (driver, granted, _) = await RecordDriver.Granted(factory);
        using var withdraw = await driver.Coordinator.PostAsync($"/api/consents/{granted}/withdraw", ConsentDriver.Json(new { reason = "patient_request" }));
        withdraw.StatusCode.ShouldBe(HttpStatusCode.OK);
        var (declined, tablet, _) = await driver.Start(locale: "es");
        await ConsentDriver.Walk(tablet, declined, consent: false);
        var keys = await RecordDriver.Keys(factory);

        var withdrawn = RecordVerifier.VerifyDownload((await RecordDriver.Record(driver.Coordinator, granted)).ToJsonString(), keys);
        var refused = RecordVerifier.VerifyDownload((await RecordDriver.Record(driver.Clinician, declined)).ToJsonString(), keys);

        withdrawn.Problems.ShouldBeEmpty();
        withdrawn.Record!.Status.ShouldBe("withdrawn");
        withdrawn.Record.Ending.ShouldBe(new RecordEnding("withdrawn", withdrawn.Record.Ending!.At, "patient_request"));
        withdrawn.Record.Signatures.ShouldHaveSingleItem();
        refused.Problems.ShouldBeEmpty();
        refused.Record!.Status.ShouldBe("declined");
        refused.Record.Locale.ShouldBe("es");
        refused.Record.Workflow.Title.ShouldBe("Terapia con células madre para la esclerosis múltiple");
        refused.Record.Signatures.ShouldBeEmpty();
        refused.Record.Steps.ShouldContain(s => s.Answers.Any(a => a.Kind == "decision_recorded" && a.Value == "no"));
    }

    [Fact]
    public async Task A_consent_still_being_read_has_no_record_yet()
    {
        var driver = new ConsentDriver(factory);
        var (id, _, _) = await driver.Start();

        using var response = await driver.Coordinator.GetAsync($"/api/consents/{id}/record");

        response.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        (await response.Content.ReadAsStringAsync()).ShouldContain("status");
    }

    [Fact]
    public async Task Editing_a_field_or_an_event_of_the_record_makes_verification_fail_with_its_reason()
    {
        var (driver, id, _) = await RecordDriver.Granted(factory);
        var download = await RecordDriver.Record(driver.Coordinator, id);
        var keys = await RecordDriver.Keys(factory);

        var renamed = download.DeepClone().AsObject();
        renamed["record"]!["signatures"]![0]!["signerName"] = "John Roe";
        var edited = download.DeepClone().AsObject();
        edited["record"]!["chain"]!["events"]![3]!["data"]!["at"] = "2020-01-01T00:00:00+00:00";
        var forged = download.DeepClone().AsObject();
        var parts = forged["jws"]!.GetValue<string>().Split('.');
        var payload = JsonNode.Parse(Convert.FromBase64String(Base64(parts[1])))!;
        payload["status"] = "granted-forever";
        forged["jws"] = $"{parts[0]}.{System.Buffers.Text.Base64Url.EncodeToString(Encoding.UTF8.GetBytes(payload.ToJsonString()))}.{parts[2]}";

        RecordVerifier.VerifyDownload(renamed.ToJsonString(), keys).Problems.ShouldBe([new RecordProblem("record", "the record differs from what was signed at /signatures/0/signerName")]);
        var chainProblems = RecordVerifier.VerifyDownload(edited.ToJsonString(), keys).Problems;
        chainProblems.ShouldContain(p => p.Check == "chain" && p.Reason.StartsWith("event 4 ", StringComparison.Ordinal) && p.Reason.Contains("changed after it was stored"));
        chainProblems.ShouldContain(p => p.Check == "record" && p.Reason.Contains("/chain/events/3/data/at"));
        RecordVerifier.VerifyDownload(forged.ToJsonString(), keys).Problems.ShouldContain(p => p.Check == "signature");
    }

    [Fact]
    public async Task The_service_signs_no_record_over_events_edited_in_the_database()
    {
        var driver = new ConsentDriver(factory);
        var (id, tablet, _) = await driver.Start("lumbar-puncture");
        await ConsentDriver.Walk(tablet, id, "lumbar-puncture");
        (await StoredRows.EditEventFieldAsync("consent", id, "initials", "\"XX\"", version: 6)).ShouldBe(1);

        using var response = await driver.Coordinator.GetAsync($"/api/consents/{id}/record");

        response.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await response.Content.ReadAsStringAsync()).ShouldContain("event 6");
    }

    [Fact]
    public async Task The_cli_verifies_the_downloaded_record_offline_and_names_what_was_changed()
    {
        var (driver, id, _) = await RecordDriver.Granted(factory, locale: "es");
        var download = await RecordDriver.Record(driver.Coordinator, id);
        var keysFile = await RecordDriver.KeysFile(factory);
        var file = await RecordDriver.Save("record.json", Encoding.UTF8.GetBytes(download.ToJsonString()));
        var edited = download.DeepClone().AsObject();
        edited["record"]!["chain"]!["events"]![1]!["data"]!["locale"] = "en";
        var editedFile = await RecordDriver.Save("record.json", Encoding.UTF8.GetBytes(edited.ToJsonString()));

        var valid = await RecordDriver.Verify(file, "--keys", keysFile, "--workflows", Path.Combine(TestInfrastructure.RepoRoot, "workflows"));
        var invalid = await RecordDriver.Verify(editedFile, "--keys", keysFile);

        valid.Exit.ShouldBe(0, valid.Out + valid.Err);
        valid.Out.ShouldContain($"VALID consent record {id}");
        valid.Out.ShouldContain("by Jane Doe (patient)");
        valid.Out.ShouldContain("countersigned by Dr. Rivera");
        invalid.Exit.ShouldBe(1, invalid.Out + invalid.Err);
        invalid.Out.ShouldContain("chain: event 2 (consent_started) does not match its hash");
    }

    [Fact]
    public async Task The_cli_catches_a_record_whose_workflow_text_is_not_the_published_one()
    {
        var (driver, id, _) = await RecordDriver.Granted(factory);
        var file = await RecordDriver.Save("record.json", Encoding.UTF8.GetBytes((await RecordDriver.Record(driver.Coordinator, id)).ToJsonString()));
        var workflows = Directory.CreateTempSubdirectory("consent-workflows-").FullName;
        Directory.CreateDirectory(Path.Combine(workflows, "stem-cell-ms"));
        var published = await File.ReadAllTextAsync(Path.Combine(TestInfrastructure.RepoRoot, "workflows", "stem-cell-ms", "v1.yaml"));
        await File.WriteAllTextAsync(Path.Combine(workflows, "stem-cell-ms", "v1.yaml"), published.Replace("It may not help you.", "It may help you.", StringComparison.Ordinal));

        var result = await RecordDriver.Verify(file, "--keys", await RecordDriver.KeysFile(factory), "--workflows", workflows);

        result.Exit.ShouldBe(1, result.Out + result.Err);
        result.Out.ShouldContain("workflow: stem-cell-ms v1 in");
    }

    [Fact]
    public async Task Records_are_refused_to_another_clinic_and_to_the_tablet_once_its_session_ended()
    {
        var (driver, id, tablet) = await RecordDriver.Granted(factory);
        var other = new ConsentDriver(factory);

        using (var own = await tablet.GetAsync($"/api/consents/{id}/record")) own.StatusCode.ShouldBe(HttpStatusCode.OK);
        using (var foreign = await other.Coordinator.GetAsync($"/api/consents/{id}/record")) foreign.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        using (var admin = await factory.ClientAs(StaffRoles.Admin, driver.Clinic).GetAsync($"/api/consents/{id}/record")) admin.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        using var withdraw = await driver.Coordinator.PostAsync($"/api/consents/{id}/withdraw", ConsentDriver.Json(new { reason = "patient_request" }));
        withdraw.StatusCode.ShouldBe(HttpStatusCode.OK);
        using var ended = await tablet.GetAsync($"/api/consents/{id}/record");

        ended.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Each_download_is_written_to_the_access_log()
    {
        var (driver, id, tablet) = await RecordDriver.Granted(factory);

        await RecordDriver.Record(driver.Coordinator, id);
        await RecordDriver.Record(tablet, id);

        await using var session = factory.Services.GetRequiredService<IDocumentStore>().QuerySession(driver.Clinic);
        var log = await session.Query<AccessRecord>().Where(a => a.ConsentId == id && a.What == "record.json").ToListAsync();
        log.Select(a => a.Role).OrderBy(r => r).ShouldBe(["coordinator", "tablet"]);
    }

    private static string Base64(string base64Url) =>
        base64Url.Replace('-', '+').Replace('_', '/') + new string('=', (4 - base64Url.Length % 4) % 4);
}

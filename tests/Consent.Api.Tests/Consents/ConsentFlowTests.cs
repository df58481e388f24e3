using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Consent.Api.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Consent.Api.Tests.Consents;

[Trait("Category", "Infrastructure")]
public sealed class ConsentFlowTests(ConsentFlowTests.Factory factory) : IClassFixture<ConsentFlowTests.Factory>
{
    public sealed class Factory : ApiFactory;

    private static StringContent Json(object body) => ConsentDriver.Json(body);

    [Fact]
    public async Task A_patient_walks_the_stem_cell_consent_on_the_tablet_and_it_is_granted_after_countersign()
    {
        var driver = new ConsentDriver(factory);
        var (id, tablet, created) = await driver.Start();
        created.GetProperty("status").GetString().ShouldBe("pending");
        created.GetProperty("workflow").GetProperty("contentHash").GetString().ShouldStartWith("sha256:");
        created.GetProperty("tabletUrl").GetString()!.ShouldContain("/tablet#tab_");
        created.GetProperty("currentStep").GetProperty("body").GetString()!.ShouldContain("experimental");

        var view = await ConsentDriver.Walk(tablet, id, route: "both");
        view.GetProperty("status").GetString().ShouldBe("awaiting_countersign");

        var countersigned = await driver.Clinician.PostAsync($"/api/consents/{id}/countersign", Json(new { name = "Dr. Rivera", attestation = true }));
        var granted = await countersigned.Content.ReadFromJsonAsync<JsonElement>();
        countersigned.StatusCode.ShouldBe(HttpStatusCode.OK, granted.ToString());
        granted.GetProperty("status").GetString().ShouldBe("granted");
        granted.GetProperty("choices").GetProperty("delivery-method").GetString().ShouldBe("both");
        granted.GetProperty("provisions").GetProperty("provision-photos").GetBoolean().ShouldBeTrue();
        var grantedAt = granted.GetProperty("grantedAt").GetDateTimeOffset();
        granted.GetProperty("validFrom").GetDateTimeOffset().ShouldBe(grantedAt.AddHours(48));
        granted.GetProperty("validUntil").GetDateTimeOffset().ShouldBe(grantedAt.AddDays(90));

        var list = await driver.Coordinator.GetFromJsonAsync<JsonElement>("/api/consents?status=granted");
        list.GetProperty("total").GetInt32().ShouldBe(1);
        list.GetProperty("items")[0].GetProperty("id").GetString().ShouldBe(id);
    }

    [Fact]
    public async Task The_projection_row_always_equals_the_consent_folded_from_its_events()
    {
        var driver = new ConsentDriver(factory);
        var (id, tablet, _) = await driver.Start();
        await ConsentDriver.Walk(tablet, id, route: "lp");
        await driver.Clinician.PostAsync($"/api/consents/{id}/countersign", Json(new { name = "Dr. Rivera", attestation = true }));

        var store = factory.Services.GetRequiredService<Marten.IDocumentStore>();
        await using var session = store.QuerySession(driver.Clinic);
        var projected = await Consent.Api.Consents.ConsentStreams.LoadAsync(session, id, CancellationToken.None);
        var replayed = await Consent.Api.Consents.ConsentStreams.ReplayAsync(session, id, CancellationToken.None);

        JsonSerializer.Serialize(projected).ShouldBe(JsonSerializer.Serialize(replayed));
        projected!.Runtime.Status.ShouldBe(Consent.Workflows.Runtime.ConsentStatus.Granted);
    }

    [Fact]
    public async Task Declining_ends_the_consent_and_the_tablet_link_stops_working()
    {
        var driver = new ConsentDriver(factory);
        var (id, tablet, _) = await driver.Start("lumbar-puncture");

        var view = await ConsentDriver.Walk(tablet, id, "lumbar-puncture", consent: false);

        view.GetProperty("status").GetString().ShouldBe("declined");
        (await tablet.GetAsync($"/api/consents/{id}")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task A_consent_can_be_withdrawn_by_the_coordinator_after_grant_with_a_reason_code()
    {
        var driver = new ConsentDriver(factory);
        var (id, tablet, _) = await driver.Start("lumbar-puncture");
        (await ConsentDriver.Walk(tablet, id, "lumbar-puncture")).GetProperty("status").GetString().ShouldBe("granted");

        var free = await driver.Coordinator.PostAsync($"/api/consents/{id}/withdraw", Json(new { reason = "she told me about her diagnosis" }));
        free.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        var withdrawn = await driver.Coordinator.PostAsync($"/api/consents/{id}/withdraw", Json(new { reason = "patient_request" }));
        (await withdrawn.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString().ShouldBe("withdrawn");
    }

    [Fact]
    public async Task A_question_puts_the_consent_in_needs_discussion_until_staff_resume_it()
    {
        var driver = new ConsentDriver(factory);
        var (id, tablet, _) = await driver.Start();
        await ConsentDriver.Walk(tablet, id, stopAt: "evidence");

        var asked = await tablet.PostAsync($"/api/consents/{id}/questions", Json(new { text = "Will it help me walk?" }));
        (await asked.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString().ShouldBe("needs_discussion");
        (await tablet.PostAsync($"/api/consents/{id}/steps/evidence", Json(new { acknowledged = true }))).StatusCode.ShouldBe(HttpStatusCode.Conflict);

        var resumed = await driver.Clinician.PostAsync($"/api/consents/{id}/resume", Json(new { note = "Discussed the trials" }));
        var view = await resumed.Content.ReadFromJsonAsync<JsonElement>();
        view.GetProperty("status").GetString().ShouldBe("in_progress");
        view.GetProperty("currentStep").GetProperty("id").GetString().ShouldBe("evidence");
    }

    [Fact]
    public async Task A_step_that_is_not_current_is_409_with_the_current_step_and_a_stale_if_match_is_412()
    {
        var driver = new ConsentDriver(factory);
        var (id, tablet, created) = await driver.Start();

        var wrong = await tablet.PostAsync($"/api/consents/{id}/steps/decision", Json(new { consent = true }));
        wrong.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await wrong.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("currentStepId").GetString().ShouldBe("key-information");

        using var stale = new HttpRequestMessage(HttpMethod.Post, $"/api/consents/{id}/steps/key-information") { Content = Json(new { acknowledged = true }) };
        stale.Headers.IfMatch.Add(new System.Net.Http.Headers.EntityTagHeaderValue("\"1\""));
        (await tablet.SendAsync(stale)).StatusCode.ShouldBe(HttpStatusCode.PreconditionFailed);

        using var fresh = new HttpRequestMessage(HttpMethod.Post, $"/api/consents/{id}/steps/key-information") { Content = Json(new { acknowledged = true }) };
        fresh.Headers.IfMatch.Add(new System.Net.Http.Headers.EntityTagHeaderValue($"\"{created.GetProperty("version").GetInt64()}\""));
        (await tablet.SendAsync(fresh)).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Two_writers_at_once_never_both_win()
    {
        var driver = new ConsentDriver(factory);
        var (id, tablet, _) = await driver.Start();
        // The tablet opens the consent first (and so receives its device secret), then sends six writes at once.
        (await tablet.GetAsync($"/api/consents/{id}")).EnsureSuccessStatusCode();

        var attempts = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ =>
            tablet.PostAsync($"/api/consents/{id}/steps/key-information", Json(new { acknowledged = true }))));

        attempts.Count(r => r.StatusCode == HttpStatusCode.OK).ShouldBe(1);
        attempts.Where(r => r.StatusCode != HttpStatusCode.OK).ShouldAllBe(r => r.StatusCode == HttpStatusCode.Conflict);
        var history = await driver.Coordinator.GetFromJsonAsync<JsonElement>($"/api/consents/{id}/history");
        history.EnumerateArray().Count(e => e.GetProperty("type").GetString() == "section_read").ShouldBe(1);
    }

    [Fact]
    public async Task A_retried_request_with_the_same_idempotency_key_returns_the_first_response_and_appends_nothing()
    {
        var driver = new ConsentDriver(factory);
        var (id, tablet, _) = await driver.Start();
        async Task<HttpResponseMessage> Send(object body)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/consents/{id}/steps/key-information") { Content = Json(body) };
            request.Headers.Add("Idempotency-Key", "retry-1");
            return await tablet.SendAsync(request);
        }

        var first = await Send(new { acknowledged = true });
        var retry = await Send(new { acknowledged = true });

        retry.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await retry.Content.ReadAsStringAsync()).ShouldBe(await first.Content.ReadAsStringAsync());
        retry.Headers.GetValues("Idempotent-Replayed").ShouldBe(["true"]);
        (await Send(new { acknowledged = false })).StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        var history = await driver.Coordinator.GetFromJsonAsync<JsonElement>($"/api/consents/{id}/history");
        history.GetArrayLength().ShouldBe(4);
    }

    [Fact]
    public async Task Verify_reports_the_first_edited_or_deleted_row_of_the_hash_chain()
    {
        var driver = new ConsentDriver(factory);
        var (id, tablet, _) = await driver.Start("lumbar-puncture");
        await ConsentDriver.Walk(tablet, id, "lumbar-puncture", stopAt: "risk-bleeding");

        var clean = await driver.Clinician.GetFromJsonAsync<JsonElement>($"/api/consents/{id}/verify");
        clean.GetProperty("valid").GetBoolean().ShouldBeTrue();
        var count = clean.GetProperty("events").GetInt32();

        (await StoredRows.EditEventFieldAsync("consent", id, "initials", "\"XX\"", version: 6)).ShouldBe(1);
        var edited = await driver.Clinician.GetFromJsonAsync<JsonElement>($"/api/consents/{id}/verify");
        edited.GetProperty("valid").GetBoolean().ShouldBeFalse();
        edited.GetProperty("brokenAtSeq").GetInt64().ShouldBe(6);

        (await StoredRows.DeleteEventAsync("consent", id, count)).ShouldBe(1);
        (await driver.Clinician.GetFromJsonAsync<JsonElement>($"/api/consents/{id}/verify")).GetProperty("brokenAtSeq").GetInt64().ShouldBe(6);
    }

    [Fact]
    public async Task Another_clinics_consent_does_not_exist_for_staff_or_tablets()
    {
        var north = new ConsentDriver(factory);
        var south = new ConsentDriver(factory);
        var (id, _, _) = await north.Start();
        var (_, southTablet, _) = await south.Start();

        (await south.Coordinator.GetAsync($"/api/consents/{id}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await south.Clinician.GetAsync($"/api/consents/{id}/history")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await south.Clinician.GetAsync($"/api/consents/{id}/verify")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await south.Coordinator.PostAsync($"/api/consents/{id}/withdraw", Json(new { reason = "patient_request" }))).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await southTablet.GetAsync($"/api/consents/{id}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await south.Coordinator.GetFromJsonAsync<JsonElement>("/api/consents")).GetProperty("total").GetInt32().ShouldBe(1);
    }

    [Fact]
    public async Task A_tablet_token_opens_its_own_consent_only_and_cannot_list()
    {
        var driver = new ConsentDriver(factory);
        var (first, tablet, _) = await driver.Start(patientId: "MRN-1");
        var (second, _, _) = await driver.Start(patientId: "MRN-2");

        (await tablet.GetAsync($"/api/consents/{first}")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await tablet.GetAsync($"/api/consents/{second}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await tablet.PostAsync($"/api/consents/{second}/steps/key-information", Json(new { acknowledged = true }))).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await tablet.GetAsync("/api/consents")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await tablet.GetAsync($"/api/consents/{first}/history")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await driver.TabletClient("tab_forged-token-value").GetAsync($"/api/consents/{first}")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Staff_reads_are_recorded_in_the_access_log()
    {
        var driver = new ConsentDriver(factory);
        var (id, _, _) = await driver.Start();
        await driver.Clinician.GetAsync($"/api/consents/{id}");
        await driver.Clinician.GetAsync($"/api/consents/{id}/history");

        await using var session = factory.Services.GetRequiredService<Marten.IDocumentStore>().QuerySession(driver.Clinic);
        (await Marten.QueryableExtensions.CountAsync(session.Query<Auditing.AccessRecord>().Where(a => a.ConsentId == id))).ShouldBe(2);
    }
}

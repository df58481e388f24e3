using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Consent.Api.Gate;
using Consent.Api.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Consent.Api.Tests.Gate;

[Trait("Category", "Infrastructure")]
public sealed class GateApiTests : IAsyncLifetime
{
    /// <summary>The clinic whose subscribers are registered: "scheduler" and "ehr", known by their tokens' subjects.</summary>
    private readonly string _clinic = "clinic-" + Guid.NewGuid().ToString("N")[..8];
    private readonly ApiFactory _factory;

    public GateApiTests() => _factory = new(new Dictionary<string, string?>
    {
        ["Gate:Subscribers:0:Name"] = "scheduler",
        ["Gate:Subscribers:0:Clinic"] = _clinic,
        ["Gate:Subscribers:0:Subject"] = "scheduler-sub",
        ["Gate:Subscribers:1:Name"] = "ehr",
        ["Gate:Subscribers:1:Clinic"] = _clinic,
        ["Gate:Subscribers:1:Subject"] = "ehr-sub",
        ["Gate:AckTimeoutMinutes"] = "0",
        ["Gate:MonitorEnabled"] = "false",
    });

    /// <summary>An integration of the registered clinic, as the subscriber whose token has this subject.</summary>
    private HttpClient Subscriber(string subject, string? clinic = null)
    {
        var client = _factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", _factory.Token("integration", clinic ?? _clinic, subject));
        return client;
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    private static object Ack(long sequence, string patientId = "P-ACK") => new { patientId, procedureCode = "MSC-1", sequence };

    [Fact]
    public async Task A_withdrawal_stays_unconfirmed_until_every_registered_subscriber_confirms_it()
    {
        var driver = new ConsentDriver(_factory, _clinic);
        var integration = _factory.ClientAs("integration", driver.Clinic);
        var (scheduler, ehr) = (Subscriber("scheduler-sub"), Subscriber("ehr-sub"));
        var (id, tablet, _) = await driver.Start("lumbar-puncture", patientId: "P-ACK");
        await ConsentDriver.Walk(tablet, id, "lumbar-puncture");
        (await driver.Coordinator.PostAsync($"/api/consents/{id}/withdraw", ConsentDriver.Json(new { reason = "patient_request" }))).EnsureSuccessStatusCode();
        var gate = await integration.GetFromJsonAsync<JsonElement>("/api/gate?patientId=P-ACK&procedureCode=MSC-1");
        var sequence = gate.GetProperty("sequence").GetInt64();

        var acks = await driver.Coordinator.GetFromJsonAsync<JsonElement>($"/api/consents/{id}/acks");
        acks.GetProperty("withdrawalConfirmed").GetBoolean().ShouldBeFalse();
        acks.GetProperty("withdrawalSequence").GetInt64().ShouldBe(sequence);
        acks.GetProperty("subscribers").EnumerateArray().Select(s => s.GetProperty("subscriber").GetString()).ShouldBe(["ehr", "scheduler"]);

        (await scheduler.PostAsync("/api/gate/acks", ConsentDriver.Json(Ack(sequence)))).StatusCode.ShouldBe(HttpStatusCode.OK);
        var monitor = ActivatorUtilities.CreateInstance<GateAckMonitor>(_factory.Services);
        (await monitor.CheckAsync(CancellationToken.None)).Where(l => l.ConsentId == id).Select(l => l.Subscriber).ShouldBe(["ehr"], "the monitor names the subscriber still behind");
        (await driver.Coordinator.GetFromJsonAsync<JsonElement>($"/api/consents/{id}/acks")).GetProperty("withdrawalConfirmed").GetBoolean().ShouldBeFalse();

        // A late confirmation of an older change never moves a subscriber back.
        (await ehr.PostAsync("/api/gate/acks", ConsentDriver.Json(Ack(sequence)))).StatusCode.ShouldBe(HttpStatusCode.OK);
        var older = await ehr.PostAsync("/api/gate/acks", ConsentDriver.Json(Ack(1)));
        (await older.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("sequence").GetInt64().ShouldBe(sequence);

        var confirmed = await driver.Coordinator.GetFromJsonAsync<JsonElement>($"/api/consents/{id}/acks");
        confirmed.GetProperty("withdrawalConfirmed").GetBoolean().ShouldBeTrue();
        confirmed.GetProperty("subscribers").EnumerateArray().ShouldAllBe(s => s.GetProperty("upToDate").GetBoolean());
        (await monitor.CheckAsync(CancellationToken.None)).ShouldNotContain(l => l.ConsentId == id);
    }

    [Theory]
    [InlineData("""{"subscriber":"ehr","patientId":"P-1","procedureCode":"MSC-1","sequence":1}""", 422, "subscriber")]
    [InlineData("""{"subscriber":"scheduler","patientId":"P 1","procedureCode":"MSC-1","sequence":1}""", 400, "patientId")]
    [InlineData("""{"patientId":"P-1","procedureCode":"MSC-1","sequence":0}""", 400, "sequence")]
    [InlineData("""{"patientId":"P-1","procedureCode":"MSC-1","sequence":999999999}""", 422, "sequence")]
    [InlineData("""{"patientId":"P-1","procedureCode":"MSC-1","sequence":"one"}""", 400, "sequence")]
    [InlineData("""{"patientId":"P-1","procedureCode":"MSC-1","sequence":1,"extra":true}""", 400, "extra")]
    public async Task A_bad_confirmation_is_a_problem_naming_the_field_and_stores_nothing(string body, int status, string field)
    {
        var integration = Subscriber("scheduler-sub");
        var response = await integration.PostAsync("/api/gate/acks", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
        ((int)response.StatusCode).ShouldBe(status);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty(field, out _).ShouldBeTrue(body);
    }

    [Theory]
    [InlineData("/api/gate?procedureCode=MSC-1", "patientId")]
    [InlineData("/api/gate?patientId=P-1", "procedureCode")]
    [InlineData("/api/gate?patientId=P-1&procedureCode=MSC-1&at=tomorrow", "at")]
    [InlineData("/api/gate?patientId=%3Cscript%3E&procedureCode=MSC-1", "patientId")]
    public async Task A_bad_gate_question_is_a_problem_naming_the_field(string url, string field)
    {
        var response = await _factory.ClientAs("integration").GetAsync(url);
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty(field, out _).ShouldBeTrue();
    }

    [Fact]
    public async Task Only_the_roles_of_the_contract_reach_the_gate_and_another_clinic_sees_nothing()
    {
        var driver = new ConsentDriver(_factory);
        var (id, tablet, _) = await driver.Start("lumbar-puncture", patientId: "P-ROLE");
        await ConsentDriver.Walk(tablet, id, "lumbar-puncture");
        (await tablet.GetAsync("/api/gate?patientId=P-ROLE&procedureCode=MSC-1")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await _factory.ClientAs("admin", driver.Clinic).GetAsync("/api/gate?patientId=P-ROLE&procedureCode=MSC-1")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await driver.Coordinator.PostAsync("/api/gate/acks", ConsentDriver.Json(Ack(1, "P-ROLE")))).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await _factory.ClientAs("integration", driver.Clinic).GetAsync($"/api/consents/{id}/acks")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);

        var own = await driver.Clinician.GetFromJsonAsync<JsonElement>("/api/gate?patientId=P-ROLE&procedureCode=MSC-1");
        own.GetProperty("allowed").GetBoolean().ShouldBeTrue();
        var foreign = await _factory.ClientAs("integration", "another-clinic").GetFromJsonAsync<JsonElement>("/api/gate?patientId=P-ROLE&procedureCode=MSC-1");
        foreign.GetProperty("reason").GetString().ShouldBe("no_consent");
        foreign.TryGetProperty("consentId", out _).ShouldBeFalse();
        (await _factory.ClientAs("coordinator", "another-clinic").GetAsync($"/api/consents/{id}/acks")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_confirmation_counts_for_the_subscriber_of_the_callers_token_and_no_other()
    {
        var driver = new ConsentDriver(_factory, _clinic);
        var (id, tablet, _) = await driver.Start("lumbar-puncture", patientId: "P-BOUND");
        await ConsentDriver.Walk(tablet, id, "lumbar-puncture");
        (await driver.Coordinator.PostAsync($"/api/consents/{id}/withdraw", ConsentDriver.Json(new { reason = "patient_request" }))).EnsureSuccessStatusCode();
        var sequence = (await driver.Coordinator.GetFromJsonAsync<JsonElement>($"/api/consents/{id}/acks")).GetProperty("withdrawalSequence").GetInt64();

        // The scheduler cannot confirm in the EHR's name, and a token of no registered subscriber confirms nothing.
        var forged = await Subscriber("scheduler-sub").PostAsync("/api/gate/acks",
            ConsentDriver.Json(new { subscriber = "ehr", patientId = "P-BOUND", procedureCode = "MSC-1", sequence }));
        forged.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        var stranger = await Subscriber("someone-else").PostAsync("/api/gate/acks", ConsentDriver.Json(Ack(sequence, "P-BOUND")));
        stranger.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await stranger.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("subscriber", out _).ShouldBeTrue();
        // The EHR's own subject in another clinic is not the EHR of this one.
        (await Subscriber("ehr-sub", "clinic-elsewhere").PostAsync("/api/gate/acks", ConsentDriver.Json(Ack(1, "P-BOUND")))).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        var acks = await driver.Coordinator.GetFromJsonAsync<JsonElement>($"/api/consents/{id}/acks");
        acks.GetProperty("subscribers").EnumerateArray().ShouldAllBe(s => s.GetProperty("sequence").ValueKind == JsonValueKind.Null);

        var own = await Subscriber("ehr-sub").PostAsync("/api/gate/acks", ConsentDriver.Json(Ack(sequence, "P-BOUND")));
        (await own.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("subscriber").GetString().ShouldBe("ehr");
        var after = await driver.Coordinator.GetFromJsonAsync<JsonElement>($"/api/consents/{id}/acks");
        after.GetProperty("subscribers").EnumerateArray().Select(s => (s.GetProperty("subscriber").GetString(), s.GetProperty("sequence").ValueKind))
            .ShouldBe([("ehr", JsonValueKind.Number), ("scheduler", JsonValueKind.Null)]);
        after.GetProperty("withdrawalConfirmed").GetBoolean().ShouldBeFalse();
    }

    [Fact]
    public async Task The_registered_subscribers_are_listed_for_their_own_clinic_only()
    {
        foreach (var role in new[] { "integration", "coordinator", "clinician", "admin" })
        {
            var names = await _factory.ClientAs(role, _clinic).GetFromJsonAsync<JsonElement>("/api/gate/subscribers");
            names.EnumerateArray().Select(n => n.GetProperty("name").GetString()).ShouldBe(["ehr", "scheduler"], role);
        }
        (await _factory.ClientAs("integration", "clinic-elsewhere").GetFromJsonAsync<JsonElement>("/api/gate/subscribers")).GetArrayLength().ShouldBe(0);
        (await _factory.CreateClient().GetAsync("/api/gate/subscribers")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }
}

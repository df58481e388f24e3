using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Consent.Api.Tests.Support;
using Npgsql;

namespace Consent.Api.Tests.Gate;

/// <summary>
/// Each gate change is published as the gate answered right after the event that caused it, however late the relay
/// publishes it: a withdrawal followed at once by a new consent for the same patient is still a withdrawal to every
/// subscriber. The writes happen with no relay running; a relay started afterwards is as far behind as one can be.
/// </summary>
public sealed class GateChangeHistoryTests : IAsyncLifetime
{
    private readonly string _schema = "gatehistory_" + Guid.NewGuid().ToString("N")[..8];
    private ApiFactory _writer = null!;
    private ApiFactory? _relay;
    private AmqpListener _listener = null!;

    public async Task InitializeAsync()
    {
        _writer = new ApiFactory(new Dictionary<string, string?> { ["Store:Schema"] = _schema, ["Relay:Enabled"] = "false" });
        _listener = await AmqpListener.StartAsync(TestInfrastructure.AmqpSubscriber);
    }

    public async Task DisposeAsync()
    {
        await _listener.DisposeAsync();
        if (_relay is not null) await _relay.DisposeAsync();
        await _writer.DisposeAsync();
    }

    /// <summary>Starts the relay on the schema the writer used, long after the events were stored.</summary>
    private void StartLateRelay()
    {
        _relay = new ApiFactory(new Dictionary<string, string?> { ["Store:Schema"] = _schema });
        _ = _relay.Services;
    }

    private IReadOnlyList<ReceivedMessage> GateChanges(string clinic) =>
        [.. _listener.Received.Where(m => m.MessageType.EndsWith(":SchedulingGateChanged", StringComparison.Ordinal)
                && m.Message.GetProperty("clinicId").GetString() == clinic)
            .DistinctBy(m => m.MessageId).OrderBy(m => m.Message.GetProperty("sequence").GetInt64())];

    private static string Story(ReceivedMessage m) =>
        m.Message.GetProperty("consentId").GetString() + ":" + m.Message.GetProperty("reason").GetString() + ":" + m.Message.GetProperty("allowed").GetBoolean();

    [Fact]
    public async Task A_withdrawal_followed_at_once_by_a_new_consent_is_published_as_withdrawn_for_the_withdrawn_consent()
    {
        var driver = new ConsentDriver(_writer);
        var (first, tablet, _) = await driver.Start("lumbar-puncture", patientId: "P-FAITH");
        await ConsentDriver.Walk(tablet, first, "lumbar-puncture");
        (await driver.Coordinator.PostAsync($"/api/consents/{first}/withdraw", ConsentDriver.Json(new { reason = "patient_request" }))).EnsureSuccessStatusCode();
        var (second, _, _) = await driver.Start("lumbar-puncture", patientId: "P-FAITH");

        StartLateRelay();
        await _listener.WaitFor(_ => GateChanges(driver.Clinic).Count >= 4);
        var changes = GateChanges(driver.Clinic);
        changes.Select(Story).ShouldBe([
            $"{first}:consent_pending:False", $"{first}:granted:True", $"{first}:withdrawn:False", $"{second}:consent_pending:False"]);
        var withdrawal = changes[2].Message;
        withdrawal.GetProperty("validFrom").ValueKind.ShouldBe(JsonValueKind.Null);

        // The ledger names the withdrawal's own gate change, the one subscribers received as "withdrawn".
        var acks = await driver.Coordinator.GetFromJsonAsync<JsonElement>($"/api/consents/{first}/acks");
        acks.GetProperty("withdrawalSequence").GetInt64().ShouldBe(withdrawal.GetProperty("sequence").GetInt64());
        // The gate now answers for the newest consent, with the sequence of the last change published.
        var gate = await _writer.ClientAs("integration", driver.Clinic).GetFromJsonAsync<JsonElement>("/api/gate?patientId=P-FAITH&procedureCode=MSC-1");
        gate.GetProperty("reason").GetString().ShouldBe("consent_pending");
        gate.GetProperty("sequence").GetInt64().ShouldBe(changes[3].Message.GetProperty("sequence").GetInt64());
    }

    [Fact]
    public async Task Catch_up_returns_exactly_the_gate_changes_a_live_subscriber_received_for_its_own_clinic_in_pages()
    {
        var driver = new ConsentDriver(_writer);
        var other = new ConsentDriver(_writer);
        var (granted, tablet, _) = await driver.Start("lumbar-puncture", patientId: "P-CATCH");
        await ConsentDriver.Walk(tablet, granted, "lumbar-puncture");
        await other.Start("lumbar-puncture", patientId: "P-CATCH");
        (await driver.Coordinator.PostAsync($"/api/consents/{granted}/withdraw", ConsentDriver.Json(new { reason = "patient_request" }))).EnsureSuccessStatusCode();
        await driver.Start("lumbar-puncture", patientId: "P-CATCH-2");

        StartLateRelay();
        await _listener.WaitFor(_ => GateChanges(driver.Clinic).Count >= 4 && GateChanges(other.Clinic).Count >= 1);
        var live = GateChanges(driver.Clinic);

        var integration = _writer.ClientAs("integration", driver.Clinic);
        var caughtUp = new List<JsonElement>();
        long since = 0;
        for (var page = 0; page < 10; page++)
        {
            var body = await integration.GetFromJsonAsync<JsonElement>($"/api/gate/changes?since={since}&limit=3");
            var items = body.GetProperty("items").EnumerateArray().ToList();
            if (items.Count == 0) break;
            caughtUp.AddRange(items);
            since = body.GetProperty("next").GetInt64();
            since.ShouldBe(items[^1].GetProperty("sequence").GetInt64());
        }
        caughtUp.Count.ShouldBe(live.Count, "one item per change, none of the other clinic's");
        for (var i = 0; i < live.Count; i++)
        {
            foreach (var field in live[i].Message.EnumerateObject())
            {
                caughtUp[i].GetProperty(field.Name).ToString().ShouldBe(field.Value.ToString(), $"change {i}: {field.Name}");
            }
        }
    }

    [Theory]
    [InlineData("since=-1", "since")]
    [InlineData("since=abc", "since")]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=100000", "limit")]
    public async Task A_bad_catch_up_question_is_a_problem_naming_the_field(string query, string field)
    {
        var response = await _writer.ClientAs("integration").GetAsync("/api/gate/changes?" + query);
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty(field, out _).ShouldBeTrue();
    }

    [Fact]
    public async Task Only_an_integration_reads_the_changes()
    {
        foreach (var role in new[] { "coordinator", "clinician", "admin" })
        {
            (await _writer.ClientAs(role).GetAsync("/api/gate/changes")).StatusCode.ShouldBe(HttpStatusCode.Forbidden, role);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task An_event_whose_stored_chain_was_edited_is_not_published_and_subscribers_are_told_to_close_the_gate(bool chainRecomputed)
    {
        var driver = new ConsentDriver(_writer);
        var (id, tablet, _) = await driver.Start("lumbar-puncture", patientId: "P-TAMPER");
        await ConsentDriver.Walk(tablet, id, "lumbar-puncture");
        // A database administrator stretches the consent's validity in the stored grant, leaving the hashes as they were.
        (await StoredRows.EditEventFieldAsync(_schema, id, "ValidUntil", "\"2099-01-01T00:00:00+00:00\"", eventType: "ConsentGranted")).ShouldBe(1);
        // Someone who read our source recomputes the unkeyed chain too: only the head signatures (a key outside the database) tell.
        if (chainRecomputed) await StoredRows.RecomputeChainAsync(_schema, id);

        StartLateRelay();
        await _listener.WaitFor(_ => GateChanges(driver.Clinic).Count >= 2);
        GateChanges(driver.Clinic).Select(Story).ShouldBe([$"{id}:consent_pending:False", $"{id}:integrity_error:False"]);
        await Task.Delay(500);
        _listener.For(id).ShouldNotContain(m => m.MessageType.EndsWith(":ConsentGranted", StringComparison.Ordinal), "a grant whose history does not verify is never announced");
    }
}

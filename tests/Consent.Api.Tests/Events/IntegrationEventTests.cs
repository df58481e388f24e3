using Consent.Api.Consents.Timers;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Consent.Api.Consents;
using Consent.Api.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Consent.Api.Tests.Events;

/// <summary>The events a downstream system receives, read by a subscriber with plain RabbitMQ.Client and no MassTransit.</summary>
public sealed class IntegrationEventTests : IAsyncLifetime
{
    private static readonly string[] Common = ["eventId", "consentId", "clinicId", "patientId", "procedureCode", "occurredAt"];

    /// <summary>The fields of api-contract.md: required beyond the common ones, and those that may be left out.</summary>
    private static readonly Dictionary<string, (string[] Required, string[] Optional)> Documented = new()
    {
        ["ConsentGranted"] = (["workflowId", "workflowVersion", "choices", "provisions", "validFrom", "validUntil"], []),
        ["ConsentDeclined"] = ([], []),
        ["ConsentWithdrawn"] = (["reasonCode"], []),
        ["ConsentExpired"] = ([], []),
        ["ReconsentRequired"] = (["workflowId", "fromVersion", "toVersion", "changedSections"], []),
        ["SchedulingGateChanged"] = (["allowed", "reason", "sequence"], ["validFrom", "validUntil"]),
    };

    private readonly ApiFactory _factory = new();
    private AmqpListener _listener = null!;

    public async Task InitializeAsync() => _listener = await AmqpListener.StartAsync(TestInfrastructure.AmqpSubscriber);

    public async Task DisposeAsync()
    {
        await _listener.DisposeAsync();
        await _factory.DisposeAsync();
    }

    private static void ShouldMatchContract(ReceivedMessage received)
    {
        var type = received.MessageType["urn:message:Consent.Contracts:".Length..];
        received.MessageType.ShouldBe("urn:message:Consent.Contracts:" + type);
        received.Exchange.ShouldBe("Consent.Contracts:" + type);
        var (required, optional) = Documented[type];
        var fields = received.Message.EnumerateObject().Select(p => p.Name).ToHashSet();
        foreach (var field in Common.Concat(required)) fields.ShouldContain(field, $"{type} carries {field}");
        fields.Except(Common).Except(required).Except(optional).ShouldBeEmpty($"{type} carries only documented fields");
        received.Message.GetProperty("eventId").GetString().ShouldBe(received.MessageId, "messageId is the event's own id");
        DateTimeOffset.Parse(received.Message.GetProperty("occurredAt").GetString()!, System.Globalization.CultureInfo.InvariantCulture).Offset.ShouldBe(TimeSpan.Zero);
    }

    [Fact]
    public async Task Grant_decline_and_withdrawal_reach_a_plain_AMQP_subscriber_with_the_documented_fields_in_order()
    {
        var driver = new ConsentDriver(_factory);
        var (granted, tablet, _) = await driver.Start("lumbar-puncture", patientId: "P-GRANT");
        await ConsentDriver.Walk(tablet, granted, "lumbar-puncture");
        var (declined, declining, _) = await driver.Start("lumbar-puncture", patientId: "P-DECLINE");
        await ConsentDriver.Walk(declining, declined, "lumbar-puncture", consent: false);
        (await driver.Coordinator.PostAsync($"/api/consents/{granted}/withdraw", ConsentDriver.Json(new { reason = "changed_mind" }))).EnsureSuccessStatusCode();

        await _listener.WaitFor(_ => _listener.Once(granted).Count() >= 5 && _listener.Once(declined).Count() >= 3);
        var story = _listener.Once(granted).Select(m => m.MessageType.Split(':')[^1] + ":" + (m.Message.TryGetProperty("reason", out var r) ? r.GetString() : "")).ToList();
        story.ShouldBe(["SchedulingGateChanged:consent_pending", "ConsentGranted:", "SchedulingGateChanged:granted", "ConsentWithdrawn:", "SchedulingGateChanged:withdrawn"]);
        _listener.Once(declined).Select(m => m.MessageType.Split(':')[^1]).ShouldBe(["SchedulingGateChanged", "ConsentDeclined", "SchedulingGateChanged"]);
        foreach (var message in _listener.Once(granted).Concat(_listener.Once(declined))) ShouldMatchContract(message);

        var grant = _listener.Once(granted).Single(m => m.MessageType.EndsWith(":ConsentGranted", StringComparison.Ordinal)).Message;
        grant.GetProperty("patientId").GetString().ShouldBe("P-GRANT");
        grant.GetProperty("clinicId").GetString().ShouldBe(driver.Clinic);
        grant.GetProperty("workflowId").GetString().ShouldBe("lumbar-puncture");
        grant.GetProperty("provisions").EnumerateObject().ShouldNotBeEmpty();
        _listener.Once(granted).Single(m => m.MessageType.EndsWith(":ConsentWithdrawn", StringComparison.Ordinal)).Message
            .GetProperty("reasonCode").GetString().ShouldBe("changed_mind");
        var sequences = _listener.Once(granted).Where(m => m.MessageType.EndsWith(":SchedulingGateChanged", StringComparison.Ordinal))
            .Select(m => m.Message.GetProperty("sequence").GetInt64()).ToList();
        sequences.ShouldBe(sequences.Order().Distinct().ToList(), "gate sequences increase per patient and procedure");
    }

    [Fact]
    public async Task Every_message_is_signed_by_the_service_and_a_verifying_subscriber_refuses_forged_and_re_sent_ones()
    {
        var driver = new ConsentDriver(_factory);
        var (id, tablet, _) = await driver.Start("lumbar-puncture", patientId: "P-SIGNED");
        await ConsentDriver.Walk(tablet, id, "lumbar-puncture");
        (await driver.Coordinator.PostAsync($"/api/consents/{id}/withdraw", ConsentDriver.Json(new { reason = "changed_mind" }))).EnsureSuccessStatusCode();
        await _listener.WaitFor(_ => _listener.Once(id).Count() >= 5);
        var keys = Consent.Contracts.Signatures.ConsentKeys.Parse(await _factory.CreateClient().GetStringAsync("/.well-known/consent-keys.json"));

        foreach (var message in _listener.Once(id))
        {
            message.Distrust(keys).ShouldBeNull(message.MessageType);
            // The signed payload is the message the envelope carries, field for field.
            Consent.Contracts.Signatures.Jws.TryVerify(message.Signature!, keys, out var payload, out _).ShouldBeTrue();
            using var signed = JsonDocument.Parse(payload);
            foreach (var field in message.Message.EnumerateObject())
            {
                // Compared as JSON values (the envelope's serializer may lay nested objects out differently).
                JsonSerializer.Serialize(signed.RootElement.GetProperty(field.Name)).ShouldBe(JsonSerializer.Serialize(field.Value), $"{message.MessageType}.{field.Name}");
            }
        }
        var withdrawal = _listener.Once(id).Single(m => m.MessageType.EndsWith(":ConsentWithdrawn", StringComparison.Ordinal));
        (withdrawal with { Signature = null }).Distrust(keys).ShouldBe("unsigned");
        (withdrawal with { MessageId = Guid.NewGuid().ToString() }).Distrust(keys).ShouldBe("signed for another message id", "a replay under a new id");
        var parts = withdrawal.Signature!.Split('.');
        var edited = System.Buffers.Text.Base64Url.EncodeToString(
            System.Text.Encoding.UTF8.GetBytes(withdrawal.Message.ToString().Replace("changed_mind", "other", StringComparison.Ordinal)));
        (withdrawal with { Signature = $"{parts[0]}.{edited}.{parts[2]}" }).Distrust(keys).ShouldNotBeNull("an edited payload");
    }

    [Fact]
    public async Task Expiry_and_reconsent_reach_a_plain_AMQP_subscriber_with_the_documented_fields()
    {
        var schema = "events_" + Guid.NewGuid().ToString("N")[..8];
        var clock = new FakeClock(DateTimeOffset.UtcNow);
        var workflows = Consents.ReconsentTests.WorkflowsWith((1, y => y));
        string expiring, superseded, clinic;
        await using (var first = new ApiFactory(new Dictionary<string, string?> { ["Store:Schema"] = schema, ["Workflows:Path"] = workflows },
            services => services.AddSingleton<TimeProvider>(clock)))
        {
            var driver = new ConsentDriver(first);
            clinic = driver.Clinic;
            (expiring, var tablet, _) = await driver.Start("lumbar-puncture", patientId: "P-EXPIRE");
            await ConsentDriver.Walk(tablet, expiring, "lumbar-puncture");
            clock.Advance(TimeSpan.FromDays(31));
            (superseded, var other, _) = await driver.Start("lumbar-puncture", patientId: "P-RECONSENT");
            await ConsentDriver.Walk(other, superseded, "lumbar-puncture");
            await ActivatorUtilities.CreateInstance<ConsentTimers>(first.Services).RunDueAsync(CancellationToken.None);
            await _listener.WaitFor(_ => _listener.Once(expiring).Any(m => m.MessageType.EndsWith(":ConsentExpired", StringComparison.Ordinal)));
        }
        var v2 = Consents.ReconsentTests.WorkflowsWith((1, y => y), (2, y => y.Replace("Your back may be sore", "Your back may be very sore for weeks", StringComparison.Ordinal)));
        await using var second = new ApiFactory(new Dictionary<string, string?> { ["Store:Schema"] = schema, ["Workflows:Path"] = v2 },
            services => services.AddSingleton<TimeProvider>(clock));
        (await new ConsentDriver(second, clinic).Coordinator.GetFromJsonAsync<JsonElement>($"/api/consents/{superseded}")).GetProperty("status").GetString().ShouldBe("superseded");

        await _listener.WaitFor(_ => _listener.Once(superseded).Any(m => m.MessageType.EndsWith(":ReconsentRequired", StringComparison.Ordinal)));
        var reconsent = _listener.Once(superseded).Single(m => m.MessageType.EndsWith(":ReconsentRequired", StringComparison.Ordinal)).Message;
        reconsent.GetProperty("fromVersion").GetInt32().ShouldBe(1);
        reconsent.GetProperty("toVersion").GetInt32().ShouldBe(2);
        reconsent.GetProperty("changedSections").EnumerateArray().ShouldNotBeEmpty();
        await _listener.WaitFor(_ => _listener.Once(superseded).Any(m => m.Message.TryGetProperty("reason", out var r) && r.GetString() == "reconsent_required"));
        foreach (var message in _listener.Once(expiring).Concat(_listener.Once(superseded))) ShouldMatchContract(message);
        _listener.Once(expiring).Last().Message.GetProperty("reason").GetString().ShouldBe("expired");
    }

    [Fact]
    public async Task The_gate_matches_the_story_the_events_tell_at_every_step_of_a_consent_life()
    {
        var driver = new ConsentDriver(_factory);
        var integration = _factory.ClientAs("integration", driver.Clinic);
        const string gateQuery = "/api/gate?patientId=P-STORY&procedureCode=MSC-1";
        async Task GateMatchesLastMessage(string expectedReason, bool allowed)
        {
            var gate = await integration.GetFromJsonAsync<JsonElement>(gateQuery);
            gate.GetProperty("reason").GetString().ShouldBe(expectedReason);
            gate.GetProperty("allowed").GetBoolean().ShouldBe(allowed);
            var sequence = gate.GetProperty("sequence").GetInt64();
            var messages = await _listener.WaitFor(all => all.Any(m => m.MessageType.EndsWith(":SchedulingGateChanged", StringComparison.Ordinal)
                && m.Message.GetProperty("clinicId").GetString() == driver.Clinic && m.Message.GetProperty("sequence").GetInt64() == sequence));
            var last = messages.Where(m => m.MessageType.EndsWith(":SchedulingGateChanged", StringComparison.Ordinal) && m.Message.GetProperty("clinicId").GetString() == driver.Clinic)
                .MaxBy(m => m.Message.GetProperty("sequence").GetInt64())!.Message;
            last.GetProperty("sequence").GetInt64().ShouldBe(sequence);
            last.GetProperty("reason").GetString().ShouldBe(expectedReason);
            last.GetProperty("allowed").GetBoolean().ShouldBe(allowed);
        }

        var before = await integration.GetFromJsonAsync<JsonElement>(gateQuery);
        before.GetProperty("reason").GetString().ShouldBe("no_consent");
        before.GetProperty("sequence").GetInt64().ShouldBe(0);

        var (id, tablet, _) = await driver.Start("lumbar-puncture", patientId: "P-STORY");
        await GateMatchesLastMessage("consent_pending", false);
        await ConsentDriver.Walk(tablet, id, "lumbar-puncture");
        await GateMatchesLastMessage("granted", true);
        (await tablet.PostAsync($"/api/consents/{id}/withdraw", ConsentDriver.Json(new { reason = "patient_request" }))).StatusCode.ShouldBe(HttpStatusCode.OK);
        await GateMatchesLastMessage("withdrawn", false);

        var (again, secondTablet, _) = await driver.Start("lumbar-puncture", patientId: "P-STORY");
        await GateMatchesLastMessage("consent_pending", false);
        await ConsentDriver.Walk(secondTablet, again, "lumbar-puncture");
        await GateMatchesLastMessage("granted", true);
        (await integration.GetFromJsonAsync<JsonElement>(gateQuery)).GetProperty("consentId").GetString().ShouldBe(again);
    }
}

using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Security.Cryptography;
using Consent.Api.Signing;
using Consent.Api.Tests.Support;
using Consent.Contracts;
using Consent.Contracts.Signatures;
using Consent.SchedulerSample;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Consent.Api.Tests.Events;

/// <summary>
/// The sample scheduler, as its own host on real RabbitMQ and PostgreSQL, against the real service: started from a demo
/// file as the README says, with the demo subscriber's broker user, its own database and the scheduler's token.
/// </summary>
[Trait("Category", "Infrastructure")]
public sealed class SchedulerSampleTests : IAsyncLifetime
{
    private const string SchedulerSubject = "scheduler-sample";

    private readonly ApiFactory _service = new(new Dictionary<string, string?>
    {
        // The registration the service's defaults give the sample (designs.md): acks are bound to the token's subject.
        ["Gate:Subscribers:0:Name"] = "scheduler",
        ["Gate:Subscribers:0:Clinic"] = TestInfrastructure.SubscriberClinic,
        ["Gate:Subscribers:0:Subject"] = SchedulerSubject,
    });
    private readonly string _suffix = Guid.NewGuid().ToString("N")[..8];
    private readonly string _demoFile = Path.Combine(Path.GetTempPath(), $"demo-{Guid.NewGuid():N}.json");
    private WebApplication _scheduler = null!;
    private GateSubscription _subscription = null!;
    private HttpClient _bookings = null!;
    private ConsentDriver _driver = null!;
    private string _patient = null!;

    public async Task InitializeAsync()
    {
        // The broker lets the demo subscriber read clinic "demo"'s keys only: the scheduler books for that clinic, and
        // a patient of its own keeps this test apart from others in the same clinic.
        _driver = new ConsentDriver(_service, TestInfrastructure.SubscriberClinic);
        _patient = "P-SCHED-" + _suffix;
        var schedulerDatabase = (await TestInfrastructure.ScriptOutputAsync("postgres.sh", null, "scheduler-url", "test")).Trim();
        await File.WriteAllTextAsync(_demoFile, JsonSerializer.Serialize(new
        {
            baseUrl = "http://localhost",
            amqpUri = TestInfrastructure.AmqpSubscriber,
            postgres = TestInfrastructure.Postgres,
            tokens = new { integration = _service.Token("integration", _driver.Clinic, sub: SchedulerSubject) },
            scheduler = new { postgres = schedulerDatabase, clinic = _driver.Clinic, queue = "demo-scheduler" },
        }));
        _scheduler = SchedulerApp.Build(
        [
            "--demo-file", _demoFile,
            "--urls=http://127.0.0.1:0",
            "--Scheduler:Queue=" + QueueName,
            "--Scheduler:Schema=scheduler_" + _suffix,
            "--Logging:LogLevel:Default=Warning",
        ], services => services.AddHttpClient(GateConfirmations.ClientName).ConfigurePrimaryHttpMessageHandler(() => _service.Server.CreateHandler()));
        await _scheduler.StartAsync();
        _subscription = _scheduler.Services.GetRequiredService<GateSubscription>();
        await _subscription.Consuming.WaitAsync(TimeSpan.FromSeconds(30));
        var address = _scheduler.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        _bookings = new HttpClient { BaseAddress = new Uri(address) };
    }

    private string QueueName => TestInfrastructure.SubscriberQueuePrefix + "scheduler-" + _suffix;

    public async Task DisposeAsync()
    {
        _bookings.Dispose();
        await _scheduler.StopAsync();
        await _scheduler.DisposeAsync();
        await _service.DisposeAsync();
        File.Delete(_demoFile);
        // The queues are durable: this test's go with it (the subscriber's user may delete what it owns).
        await using var connection = await new ConnectionFactory { Uri = new Uri(TestInfrastructure.AmqpSubscriber) }.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.QueueDeleteAsync(QueueName);
        await channel.QueueDeleteAsync(QueueName + ".dead");
        await channel.ExchangeDeleteAsync(QueueName + ".dead");
    }

    private Task<HttpResponseMessage> Book(DateTimeOffset at, string? patient = null) =>
        _bookings.PostAsJsonAsync("/bookings", new { patientId = patient ?? _patient, procedureCode = "MSC-1", at });

    private async Task<JsonElement> BookOk(DateTimeOffset at, string patient)
    {
        var booked = await Book(at, patient);
        booked.StatusCode.ShouldBe(HttpStatusCode.Created);
        return await booked.Content.ReadFromJsonAsync<JsonElement>();
    }

    private async Task<string> Status(JsonElement booking) =>
        (await _bookings.GetFromJsonAsync<JsonElement>($"/bookings/{booking.GetProperty("id").GetString()}")).GetProperty("status").GetString()!;

    private static async Task<T> Eventually<T>(Func<Task<T>> probe, Func<T, bool> done)
    {
        var until = DateTime.UtcNow.AddSeconds(30);
        var value = await probe();
        while (!done(value) && DateTime.UtcNow < until)
        {
            await Task.Delay(100);
            value = await probe();
        }
        return value;
    }

    [Fact]
    public async Task The_scheduler_refuses_without_consent_books_once_allowed_and_cancels_the_booking_after_a_withdrawal()
    {
        var slot = DateTimeOffset.UtcNow.AddDays(3);
        var refused = await Book(slot);
        refused.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("reason").GetString().ShouldBe("no_consent");

        var (id, tablet, _) = await _driver.Start("lumbar-puncture", patientId: _patient);
        await ConsentDriver.Walk(tablet, id, "lumbar-puncture");
        var booked = await Eventually(() => Book(slot), r => r.StatusCode == HttpStatusCode.Created);
        booked.StatusCode.ShouldBe(HttpStatusCode.Created);
        var booking = await booked.Content.ReadFromJsonAsync<JsonElement>();
        (await Book(DateTimeOffset.UtcNow.AddDays(400))).StatusCode.ShouldBe(HttpStatusCode.Conflict, "a slot after the consent's validity is refused");

        (await _driver.Coordinator.PostAsync($"/api/consents/{id}/withdraw", ConsentDriver.Json(new { reason = "patient_request" }))).EnsureSuccessStatusCode();
        var cancelled = await Eventually(() => _bookings.GetFromJsonAsync<JsonElement>($"/bookings/{booking.GetProperty("id").GetString()}"),
            b => b.GetProperty("status").GetString() == "cancelled");
        cancelled.GetProperty("status").GetString().ShouldBe("cancelled");
        cancelled.GetProperty("cancelReason").GetString().ShouldBe("consent_withdrawn");
        (await Book(slot)).StatusCode.ShouldBe(HttpStatusCode.Conflict);

        var acks = await Eventually(() => _driver.Coordinator.GetFromJsonAsync<JsonElement>($"/api/consents/{id}/acks"),
            a => a.GetProperty("withdrawalConfirmed").GetBoolean());
        acks.GetProperty("withdrawalConfirmed").GetBoolean().ShouldBeTrue("the scheduler confirmed the withdrawal it applied, as subscriber 'scheduler' by its token");
    }

    [Fact]
    public async Task The_scheduler_applies_a_message_once_and_ignores_one_older_than_what_it_holds()
    {
        var store = _scheduler.Services.GetRequiredService<SchedulerStore>();
        var now = DateTimeOffset.UtcNow;
        SchedulingGateChanged Change(long sequence, bool allowed, string reason) =>
            new(Guid.NewGuid().ToString(), "cns_x", _driver.Clinic, "P-DEDUPE", "MSC-1", now, allowed, reason, now, now.AddDays(30), sequence);
        var first = Guid.NewGuid();
        (await store.ApplyAsync(first, Change(10, true, "granted"), CancellationToken.None)).ShouldBe(new AppliedChange(0, 0, 0));
        (await store.ApplyAsync(first, Change(10, true, "granted"), CancellationToken.None)).ShouldBeNull("the same message id is applied once");
        await store.ApplyAsync(Guid.NewGuid(), Change(12, false, "withdrawn"), CancellationToken.None);
        await store.ApplyAsync(Guid.NewGuid(), Change(11, true, "granted"), CancellationToken.None);
        (await store.GateAsync("P-DEDUPE", "MSC-1", CancellationToken.None))!.Reason.ShouldBe("withdrawn", "a late, older message never reopens the gate");
    }

    private SchedulingGateChanged Change(string patient, long sequence, bool allowed, string reason, DateTimeOffset from, DateTimeOffset until) =>
        new(Guid.NewGuid().ToString(), "cns_" + sequence, _driver.Clinic, patient, "MSC-1", DateTimeOffset.UtcNow, allowed, reason, from, until, sequence);

    [Theory]
    [InlineData(GateReasons.Withdrawn)]
    [InlineData(GateReasons.Expired)]
    [InlineData(GateReasons.Declined)]
    [InlineData(GateReasons.ReconsentRequired)]
    public async Task A_gate_closed_for_good_cancels_booked_and_held_bookings(string reason)
    {
        var store = _scheduler.Services.GetRequiredService<SchedulerStore>();
        var patient = "P-CANCEL-" + Guid.NewGuid().ToString("N")[..6];
        var now = DateTimeOffset.UtcNow;
        await store.ApplyAsync(Guid.NewGuid(), Change(patient, 1, true, GateReasons.Granted, now, now.AddDays(30)), CancellationToken.None);
        var booked = await BookOk(now.AddDays(2), patient);
        var held = await BookOk(now.AddDays(3), patient);
        // The window shrinks before the second booking: held, not cancelled.
        (await store.ApplyAsync(Guid.NewGuid(), Change(patient, 2, true, GateReasons.Granted, now, now.AddDays(2.5)), CancellationToken.None))
            .ShouldBe(new AppliedChange(0, 1, 0));
        (await Status(held)).ShouldBe("held");

        (await store.ApplyAsync(Guid.NewGuid(), Change(patient, 3, false, reason, now, now.AddDays(30)), CancellationToken.None))
            .ShouldBe(new AppliedChange(2, 0, 0));
        (await Status(booked)).ShouldBe("cancelled");
        (await Status(held)).ShouldBe("cancelled");
    }

    [Fact]
    public async Task Any_other_closed_gate_holds_a_booking_which_is_booked_again_when_its_time_is_allowed_again()
    {
        var store = _scheduler.Services.GetRequiredService<SchedulerStore>();
        var patient = "P-HOLD-" + Guid.NewGuid().ToString("N")[..6];
        var now = DateTimeOffset.UtcNow;
        await store.ApplyAsync(Guid.NewGuid(), Change(patient, 1, true, GateReasons.Granted, now, now.AddDays(30)), CancellationToken.None);
        var booking = await BookOk(now.AddDays(5), patient);

        (await store.ApplyAsync(Guid.NewGuid(), Change(patient, 2, false, GateReasons.ConsentPending, now, now.AddDays(30)), CancellationToken.None))
            .ShouldBe(new AppliedChange(0, 1, 0));
        var held = await _bookings.GetFromJsonAsync<JsonElement>($"/bookings/{booking.GetProperty("id").GetString()}");
        held.GetProperty("status").GetString().ShouldBe("held");
        held.GetProperty("holdReason").GetString().ShouldBe(GateReasons.ConsentPending);
        (await Book(now.AddDays(6), patient)).StatusCode.ShouldBe(HttpStatusCode.Conflict, "no new booking while the gate is closed");

        // Granted again, but with a cooling-off period that ends after the booking: still held.
        (await store.ApplyAsync(Guid.NewGuid(), Change(patient, 3, false, GateReasons.CoolingOff, now.AddDays(7), now.AddDays(30)), CancellationToken.None))
            .ShouldBe(new AppliedChange(0, 0, 0));
        (await Status(booking)).ShouldBe("held");
        (await store.ApplyAsync(Guid.NewGuid(), Change(patient, 4, true, GateReasons.Granted, now, now.AddDays(30)), CancellationToken.None))
            .ShouldBe(new AppliedChange(0, 0, 1));
        var restored = await _bookings.GetFromJsonAsync<JsonElement>($"/bookings/{booking.GetProperty("id").GetString()}");
        restored.GetProperty("status").GetString().ShouldBe("booked");
        restored.GetProperty("holdReason").ValueKind.ShouldBe(JsonValueKind.Null);
    }

    [Fact]
    public async Task The_queue_keeps_messages_a_week_refuses_more_than_its_limit_and_dead_letters_the_rest_as_documented()
    {
        _subscription.Queue.ShouldBe(QueueName);
        var documented = _subscription.QueueArguments();
        documented["x-message-ttl"].ShouldBe(7L * 24 * 3600 * 1000);
        documented["x-max-length"].ShouldBe(100_000);
        documented["x-overflow"].ShouldBe("reject-publish");
        documented["x-dead-letter-exchange"].ShouldBe(QueueName + ".dead");
        // The broker answers a redeclare with the same arguments, and refuses one that differs: the queue has them.
        await using var connection = await new ConnectionFactory { Uri = new Uri(TestInfrastructure.AmqpSubscriber) }.CreateConnectionAsync();
        await using (var same = await connection.CreateChannelAsync())
        {
            await same.QueueDeclareAsync(QueueName, durable: true, exclusive: false, autoDelete: false, arguments: documented);
        }
        await using var other = await connection.CreateChannelAsync();
        var different = new Dictionary<string, object?>(documented) { ["x-overflow"] = "drop-head" };
        var refused = await Should.ThrowAsync<OperationInterruptedException>(() => other.QueueDeclareAsync(QueueName, durable: true, exclusive: false, autoDelete: false, arguments: different));
        refused.ShutdownReason!.ReplyCode.ShouldBe((ushort)406);
    }

    [Fact]
    public async Task A_message_the_scheduler_cannot_apply_is_kept_in_its_dead_letter_queue_not_dropped()
    {
        // Published with the service's own user (no one else may) under the scheduler's key: an envelope whose message
        // lacks the patient, procedure, reason and sequence.
        await using (var service = await new ConnectionFactory { Uri = new Uri(TestInfrastructure.Amqp) }.CreateConnectionAsync())
        await using (var channel = await service.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true)))
        {
            var envelope = JsonSerializer.SerializeToUtf8Bytes(new
            {
                messageId = Guid.NewGuid(),
                messageType = new[] { "urn:message:Consent.Contracts:SchedulingGateChanged" },
                message = new { consentId = "cns_incomplete", clinicId = _driver.Clinic },
            });
            await channel.BasicPublishAsync(AmqpListener.ClinicExchange, _driver.Clinic + ".SchedulingGateChanged", mandatory: false,
                new BasicProperties { Persistent = true, ContentType = "application/vnd.masstransit+json" }, envelope);
        }
        await using var connection = await new ConnectionFactory { Uri = new Uri(TestInfrastructure.AmqpSubscriber) }.CreateConnectionAsync();
        await using var subscriber = await connection.CreateChannelAsync();
        var dead = await Eventually(() => subscriber.QueueDeclarePassiveAsync(_subscription.DeadLetters), q => q.MessageCount == 1);
        dead.MessageCount.ShouldBe(1u, "the rejected message waits in the dead-letter queue");
        (await subscriber.QueueDeclarePassiveAsync(QueueName)).MessageCount.ShouldBe(0u, "and no longer blocks the scheduler's queue");
    }

    [Fact]
    public async Task A_withdrawal_followed_at_once_by_a_new_consent_still_cancels_the_booking_made_under_the_withdrawn_consent()
    {
        var slot = DateTimeOffset.UtcNow.AddDays(3);
        var (id, tablet, _) = await _driver.Start("lumbar-puncture", patientId: _patient);
        await ConsentDriver.Walk(tablet, id, "lumbar-puncture");
        var booked = await Eventually(() => Book(slot), r => r.StatusCode == HttpStatusCode.Created);
        booked.StatusCode.ShouldBe(HttpStatusCode.Created);
        var booking = await booked.Content.ReadFromJsonAsync<JsonElement>();

        // A coordinator withdraws and re-starts the process straight away, as at a tablet hand-over.
        (await _driver.Coordinator.PostAsync($"/api/consents/{id}/withdraw", ConsentDriver.Json(new { reason = "patient_request" }))).EnsureSuccessStatusCode();
        await _driver.Start("lumbar-puncture", patientId: _patient);

        var cancelled = await Eventually(() => _bookings.GetFromJsonAsync<JsonElement>($"/bookings/{booking.GetProperty("id").GetString()}"),
            b => b.GetProperty("status").GetString() == "cancelled");
        cancelled.GetProperty("status").GetString().ShouldBe("cancelled", "the withdrawal reached the scheduler as a withdrawal, not hidden behind the new consent");
        cancelled.GetProperty("cancelReason").GetString().ShouldBe("consent_withdrawn");
    }

    /// <summary>Puts an envelope on the scheduler's key as only the service's broker user can (a stolen service password, an insider).</summary>
    private async Task PublishAsService(Guid messageId, object message, string? signature)
    {
        await using var service = await new ConnectionFactory { Uri = new Uri(TestInfrastructure.Amqp) }.CreateConnectionAsync();
        await using var channel = await service.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
        var envelope = JsonSerializer.SerializeToUtf8Bytes(new
        {
            messageId,
            messageType = new[] { "urn:message:Consent.Contracts:SchedulingGateChanged" },
            message,
        });
        var properties = new BasicProperties { Persistent = true, ContentType = "application/vnd.masstransit+json", Headers = new Dictionary<string, object?>() };
        if (signature is not null) properties.Headers[Jws.EventMessageHeader] = System.Text.Encoding.UTF8.GetBytes(signature);
        await channel.BasicPublishAsync(AmqpListener.ClinicExchange, _driver.Clinic + ".SchedulingGateChanged", mandatory: false, properties, envelope);
    }

    [Fact]
    public async Task Unsigned_forged_and_re_sent_gate_changes_are_refused_and_only_what_the_service_signed_is_applied()
    {
        var patient = "P-FORGE-" + _suffix;
        var now = DateTimeOffset.UtcNow;
        SchedulingGateChanged Change(Guid id, long sequence) =>
            new(id.ToString(), "cns_forged", _driver.Clinic, patient, "MSC-1", now, true, GateReasons.Granted, now, now.AddDays(30), sequence);
        var payload = (SchedulingGateChanged change) => JsonSerializer.SerializeToUtf8Bytes(change, JsonSerializerOptions.Web);

        // Unsigned, and signed by a key of the attacker's own under the service's kid.
        var unsigned = Guid.NewGuid();
        await PublishAsService(unsigned, Change(unsigned, 1), signature: null);
        var forged = Guid.NewGuid();
        using (var attacker = ECDsa.Create(ECCurve.NamedCurves.nistP256))
        {
            var kid = _service.Services.GetRequiredService<ServiceSigner>().KeyId;
            var header = Base64Url($$"""{"alg":"ES256","kid":"{{kid}}","typ":"{{Jws.EventMessageType}}"}""");
            var body = Base64Url(payload(Change(forged, 2)));
            var signature = attacker.SignData(System.Text.Encoding.ASCII.GetBytes(header + "." + body), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
            await PublishAsService(forged, Change(forged, 2), $"{header}.{body}.{Base64Url(signature)}");
        }
        // A change the service really signed, re-sent under a message id of the attacker's choosing (to slip past deduplication).
        var genuine = Guid.NewGuid();
        var signed = _service.Services.GetRequiredService<ServiceSigner>().Sign(payload(Change(genuine, 3)), Jws.EventMessageType);
        var resent = Guid.NewGuid();
        await PublishAsService(resent, Change(genuine, 3), signed);

        await using var connection = await new ConnectionFactory { Uri = new Uri(TestInfrastructure.AmqpSubscriber) }.CreateConnectionAsync();
        await using var subscriber = await connection.CreateChannelAsync();
        var dead = await Eventually(() => subscriber.QueueDeclarePassiveAsync(_subscription.DeadLetters), q => q.MessageCount == 3);
        dead.MessageCount.ShouldBe(3u, "all three were refused");
        (await _scheduler.Services.GetRequiredService<SchedulerStore>().GateAsync(patient, "MSC-1", CancellationToken.None)).ShouldBeNull("none opened the gate");

        // The same signed change under its own id is what the service would send: applied.
        await PublishAsService(genuine, Change(genuine, 3), signed);
        var gate = await Eventually(() => _scheduler.Services.GetRequiredService<SchedulerStore>().GateAsync(patient, "MSC-1", CancellationToken.None), g => g is not null);
        gate!.Reason.ShouldBe(GateReasons.Granted);
    }

    private static string Base64Url(string text) => Base64Url(System.Text.Encoding.UTF8.GetBytes(text));

    private static string Base64Url(byte[] bytes) => System.Buffers.Text.Base64Url.EncodeToString(bytes);

    [Fact]
    public void The_demo_file_names_what_it_lacks()
    {
        var path = Path.Combine(Path.GetTempPath(), $"demo-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, """{"baseUrl":"http://127.0.0.1:5180","amqpUri":"amqp://u:p@127.0.0.1/consent","tokens":{"integration":"t"},"scheduler":{"postgres":"Host=x","clinic":"demo"}}""");
        try
        {
            Should.Throw<InvalidOperationException>(() => DemoFile.Read(path)).Message.ShouldContain("scheduler.queue");
        }
        finally
        {
            File.Delete(path);
        }
    }
}

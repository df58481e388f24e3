using Consent.Api.Consents.Timers;
using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Consent.Api.Consents;
using Consent.Api.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Consent.Api.Tests.Events;

/// <summary>
/// Every message a plain AMQP subscriber receives, exactly as it arrives (AMQP headers and the JSON body), validated
/// by ajv against the AsyncAPI document's schemas: the envelope and the event with additionalProperties false,
/// every required field, and formats (uuid, date-time, uri).
/// </summary>
public sealed class AsyncApiMessageTests : IAsyncLifetime
{
    private IConnection _connection = null!;
    private IChannel _channel = null!;
    private readonly ConcurrentQueue<JsonObject> _received = new();

    public async Task InitializeAsync()
    {
        _connection = await new ConnectionFactory { Uri = new Uri(TestInfrastructure.AmqpSubscriber), ClientProvidedName = "asyncapi-message-test" }.CreateConnectionAsync();
        _channel = await _connection.CreateChannelAsync();
        var queue = (await _channel.QueueDeclareAsync("", durable: false, exclusive: true, autoDelete: true)).QueueName;
        foreach (var type in AmqpListener.EventTypes)
        {
            // A subscriber may not declare the consent exchanges, only check that they exist.
            await _channel.ExchangeDeclarePassiveAsync("Consent.Contracts:" + type);
            await _channel.QueueBindAsync(queue, "Consent.Contracts:" + type, "");
        }
        var consumer = new AsyncEventingBasicConsumer(_channel);
        consumer.ReceivedAsync += async (_, delivery) =>
        {
            _received.Enqueue(new JsonObject { ["headers"] = Headers(delivery.BasicProperties.Headers), ["body"] = JsonNode.Parse(delivery.Body.Span) });
            await _channel.BasicAckAsync(delivery.DeliveryTag, multiple: false);
        };
        await _channel.BasicConsumeAsync(queue, autoAck: false, consumer);
    }

    public async Task DisposeAsync()
    {
        await _channel.DisposeAsync();
        await _connection.DisposeAsync();
    }

    /// <summary>AMQP header values as a subscriber's JSON sees them: strings arrive as bytes, numbers as numbers.</summary>
    private static JsonObject Headers(IDictionary<string, object?>? headers)
    {
        var json = new JsonObject();
        foreach (var (name, value) in headers ?? new Dictionary<string, object?>())
        {
            json[name] = value switch
            {
                byte[] bytes => Encoding.UTF8.GetString(bytes),
                long n => n,
                int n => n,
                bool b => b,
                null => null,
                _ => value.ToString(),
            };
        }
        return json;
    }

    private List<JsonObject> Received => [.. _received];

    private static string TypeOf(JsonObject received) => received["body"]!["messageType"]![0]!.GetValue<string>().Split(':')[^1];

    private async Task WaitFor(Func<List<JsonObject>, bool> done)
    {
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!done(Received) && DateTime.UtcNow < until) await Task.Delay(50);
        done(Received).ShouldBeTrue("received: " + string.Join(", ", Received.Select(TypeOf)));
    }

    private bool Has(string type, string consentId) =>
        Received.Any(m => TypeOf(m) == type && m["body"]!["message"]!["consentId"]!.GetValue<string>() == consentId);

    [Fact]
    public async Task Every_message_of_every_type_a_plain_AMQP_subscriber_receives_matches_the_AsyncAPI_schemas_strictly()
    {
        var schema = "asyncapi_" + Guid.NewGuid().ToString("N")[..8];
        var clock = new FakeClock(DateTimeOffset.UtcNow);
        string clinic, superseded;
        await using (var first = new ApiFactory(new Dictionary<string, string?> { ["Store:Schema"] = schema, ["Workflows:Path"] = Consents.ReconsentTests.WorkflowsWith((1, y => y)) },
            services => services.AddSingleton<TimeProvider>(clock)))
        {
            var driver = new ConsentDriver(first);
            clinic = driver.Clinic;
            var (withdrawn, tablet, _) = await driver.Start("lumbar-puncture", patientId: "P-WITHDRAW");
            await ConsentDriver.Walk(tablet, withdrawn, "lumbar-puncture");
            (await driver.Coordinator.PostAsync($"/api/consents/{withdrawn}/withdraw", ConsentDriver.Json(new { reason = "changed_mind" }))).EnsureSuccessStatusCode();
            var (declined, declining, _) = await driver.Start("lumbar-puncture", patientId: "P-DECLINE");
            await ConsentDriver.Walk(declining, declined, "lumbar-puncture", consent: false);
            var (expiring, expiringTablet, _) = await driver.Start("lumbar-puncture", patientId: "P-EXPIRE");
            await ConsentDriver.Walk(expiringTablet, expiring, "lumbar-puncture");
            clock.Advance(TimeSpan.FromDays(31));
            (superseded, var other, _) = await driver.Start("lumbar-puncture", patientId: "P-RECONSENT");
            await ConsentDriver.Walk(other, superseded, "lumbar-puncture");
            await ActivatorUtilities.CreateInstance<ConsentTimers>(first.Services).RunDueAsync(CancellationToken.None);
            await WaitFor(_ => Has("ConsentWithdrawn", withdrawn) && Has("ConsentDeclined", declined) && Has("ConsentExpired", expiring) && Has("ConsentGranted", superseded));
        }
        var v2 = Consents.ReconsentTests.WorkflowsWith((1, y => y), (2, y => y.Replace("Your back may be sore", "Your back may be very sore for weeks", StringComparison.Ordinal)));
        await using (var second = new ApiFactory(new Dictionary<string, string?> { ["Store:Schema"] = schema, ["Workflows:Path"] = v2 },
            services => services.AddSingleton<TimeProvider>(clock)))
        {
            // The host starts on its first request; at start it finds the granted consent that version 2 supersedes.
            var asyncApi = ApiDocumentTools.ScratchFile("asyncapi.yaml");
            await File.WriteAllTextAsync(asyncApi, await second.CreateClient().GetStringAsync("/asyncapi.yaml"));
            await WaitFor(_ => Has("ReconsentRequired", superseded));
            await Task.Delay(500); // the gate change that follows ReconsentRequired, and any straggler, are checked too

            var received = Received;
            received.Select(TypeOf).Distinct().Order().ShouldBe(AmqpListener.EventTypes.Order(), "every message type was received");
            var messages = ApiDocumentTools.ScratchFile("received-messages.jsonl");
            await File.WriteAllLinesAsync(messages, received.Select(m => m.ToJsonString()));
            var result = await ApiDocumentTools.ScriptAsync("messages", asyncApi, messages);
            result.GetProperty("failures").GetArrayLength().ShouldBe(0, result.GetProperty("failures").ToString());
            result.GetProperty("checked").GetInt32().ShouldBe(received.Count);
            received.Count(m => m["body"]!["message"]!["clinicId"]!.GetValue<string>() == clinic).ShouldBeGreaterThanOrEqualTo(14);
        }
    }
}

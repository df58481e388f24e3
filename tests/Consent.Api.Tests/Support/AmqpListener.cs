using System.Collections.Concurrent;
using System.Text.Json;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Consent.Api.Tests.Support;

/// <summary>One message as a non-.NET subscriber sees it: the MassTransit JSON envelope, read with nothing but JSON.</summary>
/// <param name="Signature">The <c>consent-signature</c> header, if the message had one.</param>
public sealed record ReceivedMessage(string Exchange, string MessageId, string MessageType, JsonElement Message, DateTimeOffset ReceivedAt, string? Signature = null)
{
    /// <summary>
    /// What a careful subscriber does before trusting a message (asyncapi.yaml, "The signature"): the JWS verifies
    /// against the published keys, and its payload is an event with this message's own id. Null when it is trusted.
    /// </summary>
    public string? Distrust(Consent.Contracts.Signatures.ConsentKeys keys)
    {
        if (Signature is null) return "unsigned";
        if (!Consent.Contracts.Signatures.Jws.TryVerify(Signature, keys, Consent.Contracts.Signatures.Jws.EventMessageType, out var payload, out var error)) return error;
        using var signed = JsonDocument.Parse(payload);
        return signed.RootElement.TryGetProperty("eventId", out var id) && id.GetString() == MessageId ? null : "signed for another message id";
    }
}

/// <summary>
/// A subscriber written with plain RabbitMQ.Client, as an integrator on any platform would, with a subscriber's broker
/// user: it checks that the documented exchanges exist (a passive declare: a subscriber may not declare them), binds
/// its own queue to them and reads the JSON envelope.
/// </summary>
public sealed class AmqpListener : IAsyncDisposable
{
    public static readonly string[] EventTypes =
        ["ConsentGranted", "ConsentDeclined", "ConsentWithdrawn", "ConsentExpired", "ReconsentRequired", "SchedulingGateChanged"];

    private readonly IConnection _connection;
    private readonly IChannel _channel;
    private readonly ConcurrentQueue<ReceivedMessage> _received = new();

    private AmqpListener(IConnection connection, IChannel channel)
    {
        _connection = connection;
        _channel = channel;
    }

    public IReadOnlyList<ReceivedMessage> Received => [.. _received];

    /// <summary>Every clinic's messages, from the per-type fanout exchanges.</summary>
    /// <param name="amqpUri">A subscriber's URI (TestInfrastructure.AmqpSubscriber).</param>
    /// <param name="queue">
    /// A durable named queue (its name starts with the subscriber's prefix) survives the listener and a broker restart;
    /// null makes a private, server-named one.
    /// </param>
    public static Task<AmqpListener> StartAsync(string amqpUri, string? queue = null) =>
        StartAsync(amqpUri, queue, [.. EventTypes.Select(type => ("Consent.Contracts:" + type, ""))]);

    /// <summary>The messages that the clinic exchange routes with <paramref name="bindingKey"/> (e.g. "demo.#").</summary>
    public static Task<AmqpListener> StartForClinicAsync(string amqpUri, string bindingKey) =>
        StartAsync(amqpUri, queue: null, [(ClinicExchange, bindingKey)]);

    public const string ClinicExchange = "consent.clinic-events";

    private static async Task<AmqpListener> StartAsync(string amqpUri, string? queue, (string Exchange, string Key)[] bindings)
    {
        var factory = new ConnectionFactory { Uri = new Uri(amqpUri), AutomaticRecoveryEnabled = true, NetworkRecoveryInterval = TimeSpan.FromMilliseconds(500), ClientProvidedName = "plain-amqp-test" };
        var connection = await factory.CreateConnectionAsync();
        var channel = await connection.CreateChannelAsync();
        var name = queue ?? "";
        var declared = await channel.QueueDeclareAsync(name, durable: queue is not null, exclusive: queue is null, autoDelete: queue is null);
        foreach (var (exchange, key) in bindings)
        {
            await channel.ExchangeDeclarePassiveAsync(exchange);
            await channel.QueueBindAsync(declared.QueueName, exchange, key);
        }
        var listener = new AmqpListener(connection, channel);
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += async (_, delivery) =>
        {
            using var envelope = JsonDocument.Parse(delivery.Body);
            var root = envelope.RootElement;
            listener._received.Enqueue(new ReceivedMessage(
                delivery.Exchange,
                root.GetProperty("messageId").GetString()!,
                root.GetProperty("messageType")[0].GetString()!,
                root.GetProperty("message").Clone(),
                DateTimeOffset.UtcNow,
                delivery.BasicProperties.Headers?.TryGetValue(Consent.Contracts.Signatures.Jws.EventMessageHeader, out var signature) == true && signature is byte[] bytes
                    ? System.Text.Encoding.UTF8.GetString(bytes) : null));
            await channel.BasicAckAsync(delivery.DeliveryTag, multiple: false);
        };
        await channel.BasicConsumeAsync(declared.QueueName, autoAck: false, consumer);
        return listener;
    }

    /// <summary>Waits until <paramref name="done"/> holds for the messages received so far.</summary>
    public async Task<IReadOnlyList<ReceivedMessage>> WaitFor(Func<IReadOnlyList<ReceivedMessage>, bool> done, TimeSpan? timeout = null)
    {
        var until = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (DateTime.UtcNow < until)
        {
            var now = Received;
            if (done(now)) return now;
            await Task.Delay(50);
        }
        var last = Received;
        done(last).ShouldBeTrue("messages received: " + string.Join(", ", last.Select(m => m.MessageType + " " + ConsentIdOf(m))));
        return last;
    }

    /// <summary>Every delivery about one consent, duplicates included.</summary>
    public IEnumerable<ReceivedMessage> For(string consentId) => Received.Where(m => ConsentIdOf(m) == consentId);

    // Other tests share the broker and publish to the same clinic's routing keys, some on purpose without a contract
    // body (forged messages a subscriber must refuse); a message without a consent id belongs to no consent here.
    private static string? ConsentIdOf(ReceivedMessage m) =>
        m.Message.ValueKind == System.Text.Json.JsonValueKind.Object && m.Message.TryGetProperty("consentId", out var id) && id.ValueKind == System.Text.Json.JsonValueKind.String
            ? id.GetString()
            : null;

    /// <summary>
    /// One consent's messages after deduplication by messageId, as the contract asks of every subscriber (another
    /// service instance taking over the relay may publish a message again).
    /// </summary>
    public IEnumerable<ReceivedMessage> Once(string consentId) => For(consentId).DistinctBy(m => m.MessageId);

    public async ValueTask DisposeAsync()
    {
        await _channel.DisposeAsync();
        await _connection.DisposeAsync();
    }
}

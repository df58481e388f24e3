using System.Collections.Concurrent;
using System.Text.Json;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Consent.Cluster.FaultDriver;

/// <summary>One delivery the subscriber received (a message may be delivered more than once; its id says so).</summary>
internal sealed record Delivery(string MessageId, string Type, string ConsentId, long? Sequence);

/// <summary>
/// A subscriber as an integrator runs one on the cluster: its own quorum queue (replicated on the three nodes) bound to
/// the clinic's routing keys, manual acknowledgements after recording, connection and topology recovery on. It keeps
/// every delivery, so the checks can tell a lost event from a duplicate and a duplicate from a second message id.
/// </summary>
internal sealed class EventWatch : IAsyncDisposable
{
    private readonly IConnection _connection;
    private readonly IChannel _channel;
    private readonly string _queue;

    public ConcurrentQueue<Delivery> Deliveries { get; } = new();

    private EventWatch(IConnection connection, IChannel channel, string queue) => (_connection, _channel, _queue) = (connection, channel, queue);

    public static async Task<EventWatch> StartAsync(string amqpUri, string clinic)
    {
        var factory = new ConnectionFactory
        {
            Uri = new Uri(amqpUri), AutomaticRecoveryEnabled = true, TopologyRecoveryEnabled = true,
            NetworkRecoveryInterval = TimeSpan.FromSeconds(1), ClientProvidedName = "consent-fault-suite",
        };
        var connection = await factory.CreateConnectionAsync();
        var channel = await connection.CreateChannelAsync();
        // The subscriber user may own queues named with its clinic's prefix only.
        var queue = $"{clinic}-faults-{Guid.NewGuid().ToString("N")[..8]}";
        await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false,
            arguments: new Dictionary<string, object?> { ["x-queue-type"] = "quorum" });
        await channel.QueueBindAsync(queue, "consent.clinic-events", $"{clinic}.#");
        await channel.BasicQosAsync(0, 100, global: false);
        var watch = new EventWatch(connection, channel, queue);
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += watch.OnReceivedAsync;
        await channel.BasicConsumeAsync(queue, autoAck: false, consumer);
        return watch;
    }

    private async Task OnReceivedAsync(object sender, BasicDeliverEventArgs delivery)
    {
        using var envelope = JsonDocument.Parse(delivery.Body);
        var root = envelope.RootElement;
        var message = root.GetProperty("message");
        var type = root.GetProperty("messageType")[0].GetString()!.Split(':')[^1];
        long? sequence = message.TryGetProperty("sequence", out var s) && s.ValueKind == JsonValueKind.Number ? s.GetInt64() : null;
        Deliveries.Enqueue(new Delivery(root.GetProperty("messageId").GetString()!, type, message.GetProperty("consentId").GetString()!, sequence));
        await ((AsyncEventingBasicConsumer)sender).Channel.BasicAckAsync(delivery.DeliveryTag, multiple: false);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _channel.QueueDeleteAsync(_queue);
        }
        catch (Exception ex)
        {
            Console.Error.WriteLine($"could not delete the suite's queue {_queue}: {ex.Message}");
        }
        await _channel.CloseAsync();
        await _connection.CloseAsync();
        _channel.Dispose();
        _connection.Dispose();
    }
}

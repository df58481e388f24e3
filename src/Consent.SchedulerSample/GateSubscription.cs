using System.Text;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Consent.SchedulerSample;

/// <summary>
/// The scheduler's subscription, with a plain AMQP client: its own durable queue, bound to the Consent service's clinic
/// exchange under its clinic's key only (the broker refuses it any other clinic's key), read one message at a time so
/// that each patient's changes are applied in the order they were published.
/// </summary>
public sealed partial class GateSubscription(GateChangeHandler handler, IConfiguration configuration, ILogger<GateSubscription> logger) : BackgroundService
{
    public const string ClinicExchange = "consent.clinic-events";

    /// <summary>A week: longer than any planned outage of a scheduler, short enough that an abandoned queue empties.</summary>
    public static readonly TimeSpan MessageTimeToLive = TimeSpan.FromDays(7);

    /// <summary>Far above a clinic's gate changes in a week, so that only an abandoned queue ever reaches it.</summary>
    public const int MaxLength = 100_000;

    private readonly TaskCompletionSource _consuming = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private IConnection? _connection;

    public string Queue { get; } = configuration["Scheduler:Queue"] ?? "demo-scheduler";

    public string Clinic { get; } = configuration["Scheduler:Clinic"] ?? throw new InvalidOperationException("Scheduler:Clinic is not configured.");

    /// <summary>
    /// <c>Scheduler:QueueType</c>: <c>quorum</c> on a RabbitMQ cluster (replicated, so losing a node loses no message; the
    /// cluster's definitions declare it so), unset for the broker's default. A queue's type is fixed when it is declared.
    /// </summary>
    public string? QueueType { get; } = configuration["Scheduler:QueueType"] is { Length: > 0 } type ? type : null;

    /// <summary>The queue that keeps what the main queue let go unapplied: expired messages and rejected ones.</summary>
    public string DeadLetters => Queue + ".dead";

    /// <summary>Completes once the queue is bound and the consumer is registered.</summary>
    public Task Consuming => _consuming.Task;

    /// <summary>
    /// The queue's policy. Messages wait up to <see cref="MessageTimeToLive"/>; when <see cref="MaxLength"/> are waiting
    /// the broker refuses new ones (reject-publish) rather than dropping old ones: the service, which publishes with
    /// confirms, keeps the refused event stored and publishes it again later, so nothing is lost while the queue is full
    /// (the price: the service's delivery waits for this queue to drain, so delete an abandoned subscriber's queue). A
    /// message that expires, or that the scheduler rejects, goes to <see cref="DeadLetters"/>, never silently away.
    /// A scheduler that finds messages there (it says so at start) rebuilds its gate from GET /api/gate/changes.
    /// </summary>
    public Dictionary<string, object?> QueueArguments()
    {
        var arguments = new Dictionary<string, object?>
        {
            ["x-message-ttl"] = (long)MessageTimeToLive.TotalMilliseconds,
            ["x-max-length"] = MaxLength,
            ["x-overflow"] = "reject-publish",
            ["x-dead-letter-exchange"] = DeadLetters,
        };
        if (QueueType is not null) arguments["x-queue-type"] = QueueType;
        return arguments;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await SubscribeAsync(stoppingToken);
        }
        catch (Exception ex)
        {
            _consuming.TrySetException(ex);
            throw;
        }
    }

    private async Task SubscribeAsync(CancellationToken stoppingToken)
    {
        var factory = new ConnectionFactory
        {
            Uri = new Uri(configuration["Amqp:Uri"] ?? throw new InvalidOperationException("Amqp:Uri is not configured (or start with --demo-file .data/demo.json).")),
            AutomaticRecoveryEnabled = true,
            TopologyRecoveryEnabled = true,
            NetworkRecoveryInterval = TimeSpan.FromSeconds(2),
            ClientProvidedName = "scheduler-sample",
        };
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                _connection = await factory.CreateConnectionAsync(stoppingToken);
                break;
            }
            catch (Exception ex) when (ex is RabbitMQ.Client.Exceptions.BrokerUnreachableException && !stoppingToken.IsCancellationRequested)
            {
                BrokerUnreachable(logger, ex.Message);
                await Task.Delay(TimeSpan.FromSeconds(2), stoppingToken);
            }
        }
        var channel = await _connection!.CreateChannelAsync(cancellationToken: stoppingToken);
        await channel.ExchangeDeclareAsync(DeadLetters, ExchangeType.Fanout, durable: true, autoDelete: false, cancellationToken: stoppingToken);
        var dead = await channel.QueueDeclareAsync(DeadLetters, durable: true, exclusive: false, autoDelete: false, cancellationToken: stoppingToken);
        await channel.QueueBindAsync(DeadLetters, DeadLetters, "", cancellationToken: stoppingToken);
        if (dead.MessageCount > 0) DeadLettersWaiting(logger, dead.MessageCount, DeadLetters);
        await channel.QueueDeclareAsync(Queue, durable: true, exclusive: false, autoDelete: false, arguments: QueueArguments(), cancellationToken: stoppingToken);
        // The service (not this scheduler) owns the exchange: a passive declare only checks that it is there.
        await channel.ExchangeDeclarePassiveAsync(ClinicExchange, stoppingToken);
        await channel.QueueBindAsync(Queue, ClinicExchange, $"{Clinic}.SchedulingGateChanged", cancellationToken: stoppingToken);
        await channel.BasicQosAsync(0, 1, false, stoppingToken);

        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += (_, delivery) => OnDeliveryAsync(channel, delivery, stoppingToken);
        await channel.BasicConsumeAsync(Queue, autoAck: false, consumer, stoppingToken);
        _consuming.TrySetResult();
        await Task.Delay(Timeout.Infinite, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
        await channel.DisposeAsync();
    }

    private async Task OnDeliveryAsync(IChannel channel, BasicDeliverEventArgs delivery, CancellationToken stoppingToken)
    {
        var signature = delivery.BasicProperties.Headers?.TryGetValue(Consent.Contracts.Signatures.Jws.EventMessageHeader, out var header) == true && header is byte[] bytes
            ? Encoding.UTF8.GetString(bytes)
            : null;
        GateChangeOutcome outcome;
        try
        {
            outcome = await handler.HandleAsync(new GateChangeDelivery(delivery.Body, signature), stoppingToken);
        }
        catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
        {
            // The database or the Consent service is away: the same message comes back first, in its place.
            ApplyFailed(logger, ex);
            await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            await channel.BasicNackAsync(delivery.DeliveryTag, multiple: false, requeue: true, CancellationToken.None);
            return;
        }
        if (outcome.Applied)
        {
            await channel.BasicAckAsync(delivery.DeliveryTag, multiple: false, CancellationToken.None);
            return;
        }
        Rejected(logger, outcome.Rejection ?? "", DeadLetters);
        await channel.BasicRejectAsync(delivery.DeliveryTag, requeue: false, CancellationToken.None);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        if (_connection is not null) await _connection.DisposeAsync();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "RabbitMQ is unreachable ({Reason}); trying again")]
    private static partial void BrokerUnreachable(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Count} gate changes are waiting unapplied in {Queue} (expired or rejected): rebuild the gate from GET /api/gate/changes")]
    private static partial void DeadLettersWaiting(ILogger logger, uint count, string queue);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Applying a gate change failed; it will be retried")]
    private static partial void ApplyFailed(ILogger logger, Exception ex);

    [LoggerMessage(Level = LogLevel.Error, Message = "Rejected a message ({Why}); it is kept in {Queue}")]
    private static partial void Rejected(ILogger logger, string why, string queue);
}

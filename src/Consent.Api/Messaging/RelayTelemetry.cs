using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Consent.Api.Messaging;

/// <summary>
/// What the relay tells operators: a span per published message, continuing the trace of the request that stored its
/// event (carried in the event's correlation id), and its meter <c>Consent.Messaging</c>: how long events wait between
/// being stored and being confirmed by the broker, and how far the relay is behind the event table.
/// </summary>
public sealed class RelayTelemetry
{
    public const string Name = "Consent.Messaging";

    private static readonly ActivitySource Source = new(Name);

    private readonly Histogram<double> _lag;
    // -1 while this instance does not hold the relay's lock: only the relaying instance knows the backlog.
    private long _backlog = -1;

    public RelayTelemetry(IMeterFactory meters)
    {
        var meter = meters.Create(Name);
        _lag = meter.CreateHistogram<double>("consent.relay.lag", "ms", "From an event's storing to the broker's confirmation of its message.");
        meter.CreateObservableGauge("consent.relay.backlog", Backlog, "{event}", "Stored events the relay has not yet passed (by global sequence).");
    }

    /// <summary>A span for publishing <paramref name="message"/>, a child of its event's stored trace context when it has one.</summary>
    public static Activity? StartPublish(SignedMessage message)
    {
        ActivityContext.TryParse(message.TraceParent, null, isRemote: true, out var stored);
        var activity = Source.StartActivity($"publish {message.Outgoing.Message.GetType().Name}", ActivityKind.Producer, stored);
        activity?.SetTag("messaging.system", "rabbitmq");
        activity?.SetTag("messaging.message.id", message.Outgoing.MessageId.ToString());
        return activity;
    }

    public void Published(SignedMessage message)
    {
        if (message.StoredAt is { } stored) _lag.Record(Math.Max(0, (DateTimeOffset.UtcNow - stored).TotalMilliseconds));
    }

    public void Behind(long highest, long position) => Interlocked.Exchange(ref _backlog, Math.Max(0, highest - position));

    public void NotRelaying() => Interlocked.Exchange(ref _backlog, -1);

    private IEnumerable<Measurement<long>> Backlog()
    {
        var backlog = Interlocked.Read(ref _backlog);
        return backlog < 0 ? [] : [new Measurement<long>(backlog)];
    }
}

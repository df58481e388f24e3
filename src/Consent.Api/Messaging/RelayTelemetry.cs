using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Consent.Api.Messaging;

/// <summary>
/// What the relay tells operators: a span per published message, continuing the trace of the request that stored its
/// event (carried in the event's correlation id), and its meter <c>Consent.Messaging</c>: how long events wait between
/// being stored and being confirmed by the broker, and how far the relay is behind the event table. Each database has
/// its own relay (docs/adr/0003-clinic-databases.md), so both carry the tag <see cref="DatabaseTag"/>: the database's
/// configured name (<c>default</c> for <c>ConnectionStrings:Postgres</c>), never its connection string.
/// </summary>
public sealed class RelayTelemetry
{
    public const string Name = "Consent.Messaging";
    public const string DatabaseTag = "database";

    private static readonly ActivitySource Source = new(Name);

    private readonly Histogram<double> _lag;
    // Per database; a database is absent while this instance does not hold its relay's lock: only the relaying instance
    // knows that database's backlog. One shared value would report whichever relay wrote last.
    private readonly ConcurrentDictionary<string, long> _backlog = new(StringComparer.Ordinal);

    public RelayTelemetry(IMeterFactory meters)
    {
        var meter = meters.Create(Name);
        _lag = meter.CreateHistogram<double>("consent.relay.lag", "ms", "From an event's storing to the broker's confirmation of its message, per database.");
        meter.CreateObservableGauge("consent.relay.backlog", Backlog, "{event}", "Stored events a database's relay has not yet passed (by that database's sequence).");
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

    public void Published(string database, SignedMessage message)
    {
        if (message.StoredAt is { } stored) _lag.Record(Math.Max(0, (DateTimeOffset.UtcNow - stored).TotalMilliseconds), new KeyValuePair<string, object?>(DatabaseTag, database));
    }

    public void Behind(string database, long highest, long position) => _backlog[database] = Math.Max(0, highest - position);

    public void NotRelaying(string database) => _backlog.TryRemove(database, out _);

    private IEnumerable<Measurement<long>> Backlog() =>
        [.. _backlog.Select(b => new Measurement<long>(b.Value, new KeyValuePair<string, object?>(DatabaseTag, b.Key)))];
}

using System.Diagnostics.Metrics;
using System.Threading.Channels;
using Microsoft.Extensions.Options;

namespace Consent.Api.Dashboard.Email;

/// <summary>An alert waiting to be mailed, with the moment the service learnt of it (the time the mail shows).</summary>
public sealed record QueuedAlert(StaffAlert Alert, DateTimeOffset At);

/// <summary>
/// The alerts waiting to be mailed. Bounded: during a long SMTP outage the newest alerts are dropped and counted
/// rather than held without limit (the dashboard's own queue still shows every one).
/// </summary>
public sealed class StaffEmailOutbox(IOptions<StaffEmailSettings> settings)
{
    private readonly Channel<QueuedAlert> _channel = Channel.CreateBounded<QueuedAlert>(
        new BoundedChannelOptions(Math.Max(1, settings.Value.QueueLimit)) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });

    public ChannelReader<QueuedAlert> Reader => _channel.Reader;

    public bool TryAdd(QueuedAlert alert) => _channel.Writer.TryWrite(alert);
}

/// <summary>
/// Mails an alert to the clinic's configured addresses. It only queues: the event that raised the alert was stored
/// long before (a tablet's request never waits on this), and the feed that calls it never waits on SMTP either.
/// SMS would be another <see cref="IStaffNotifier"/> beside this one, fed by the same alerts.
/// </summary>
public sealed class EmailNotifier(StaffEmailOutbox queue, IOptions<StaffEmailSettings> settings, StaffEmailMetrics metrics, TimeProvider clock) : IStaffNotifier
{
    public Task NotifyAsync(StaffAlert alert, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(alert);
        if (!settings.Value.Clinics.ContainsKey(alert.ClinicId)) return Task.CompletedTask;
        if (!queue.TryAdd(new QueuedAlert(alert, clock.GetUtcNow()))) metrics.Count("dropped", alert.Kind);
        return Task.CompletedTask;
    }
}

/// <summary>The notifier's meter (<c>Consent.Notifications</c>): mails by outcome and alert kind, never a clinic or consent.</summary>
public sealed class StaffEmailMetrics
{
    public const string MeterName = "Consent.Notifications";

    private readonly Counter<long> _mails;

    public StaffEmailMetrics(IMeterFactory meters)
    {
        ArgumentNullException.ThrowIfNull(meters);
        _mails = meters.Create(MeterName).CreateCounter<long>(
            "consent.notifications.email", "{mail}", "Staff alert e-mails by outcome: sent, retried (an attempt failed), failed (every attempt failed), dropped (queue full).");
    }

    public void Count(string outcome, string kind) =>
        _mails.Add(1, new KeyValuePair<string, object?>("outcome", outcome), new KeyValuePair<string, object?>("kind", kind));
}

using System.Diagnostics.Metrics;
using Consent.Api.Consents;
using Consent.Api.Consents.Storage;
using Consent.Workflows.Runtime;
using Marten;
using Npgsql;

namespace Consent.Api.Gate;

/// <summary>What each registered subscriber confirmed for a consent's patient and procedure.</summary>
public sealed class GateAckReader(IDocumentStore store, ClinicDatabases databases, MartenTables tables, GateReader gate, GateSubscribers registered)
{
    public async Task<ConsentAcks> ForConsentAsync(string clinic, ConsentSummary consent, CancellationToken ct)
    {
        var gateSequence = (await gate.ReadAsync(clinic, consent.PatientId, consent.ProcedureCode, ct)).Sequence;
        long? withdrawal = consent.Record.Runtime.Status == ConsentStatus.Withdrawn
            ? await tables.LastSequenceOfAsync(clinic, consent.Id, typeof(ConsentWithdrawn), ct)
            : null;
        var confirmed = await ConfirmedAsync(clinic, consent.PatientId, consent.ProcedureCode, ct);
        var subscribers = registered.Of(clinic).Select(s => s.Name)
            .Select(name => confirmed.TryGetValue(name, out var c)
                ? new SubscriberConfirmation(name, c.Sequence, c.At, c.Sequence >= gateSequence)
                : new SubscriberConfirmation(name, null, null, gateSequence == 0))
            .ToList();
        var withdrawalConfirmed = withdrawal is { } w && subscribers.All(s => s.Sequence >= w);
        return new ConsentAcks(consent.Id, gateSequence, withdrawal, withdrawalConfirmed, subscribers);
    }

    private async Task<Dictionary<string, (long Sequence, DateTimeOffset At)>> ConfirmedAsync(string clinic, string patientId, string procedureCode, CancellationToken ct)
    {
        await using var command = databases.For(clinic).Sessions.CreateCommand(
            $"select subscriber, sequence, confirmed_at from {store.Options.DatabaseSchemaName}.{GateTables.GateAcks} where clinic = $1 and patient_id = $2 and procedure_code = $3");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = clinic });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = patientId });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = procedureCode });
        var result = new Dictionary<string, (long, DateTimeOffset)>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) result[reader.GetString(0)] = (reader.GetInt64(1), reader.GetFieldValue<DateTimeOffset>(2));
        return result;
    }
}

/// <summary>
/// Watches withdrawals: a registered subscriber that has not confirmed one within <c>Gate:AckTimeoutMinutes</c> may
/// still be scheduling the procedure. That raises a warning in the logs (consent id and subscriber only) and the
/// <c>consent.gate.unconfirmed_withdrawals</c> gauge.
/// </summary>
public sealed partial class GateAckMonitor(IDocumentStore store, ClinicDatabases databases, GateAckReader acks, GateSubscribers registered, IConfiguration configuration, TimeProvider clock,
    ILogger<GateAckMonitor> logger, IMeterFactory meters) : BackgroundService
{
    private readonly HashSet<(string Consent, string Subscriber)> _warned = [];
    private readonly UnconfirmedGauge _unconfirmed = new(meters);

    /// <summary>Late withdrawals per subscriber name (a configured name, never a patient or consent); a name seen late once is reported at 0 after.</summary>
    private sealed class UnconfirmedGauge
    {
        private Dictionary<string, int> _counts = new(StringComparer.Ordinal);

        public UnconfirmedGauge(IMeterFactory meters) =>
            meters.Create("Consent").CreateObservableGauge("consent.gate.unconfirmed_withdrawals", Measure, "{withdrawal}", "Withdrawals a subscriber has not confirmed within Gate:AckTimeoutMinutes.");

        public void Set(IEnumerable<string> lateSubscribers)
        {
            var counts = _counts.Keys.ToDictionary(k => k, _ => 0, StringComparer.Ordinal);
            foreach (var subscriber in lateSubscribers) counts[subscriber] = counts.GetValueOrDefault(subscriber) + 1;
            _counts = counts;
        }

        private IEnumerable<Measurement<int>> Measure()
        {
            var counts = _counts;
            return counts.Count == 0 ? [new Measurement<int>(0)] : counts.Select(c => new Measurement<int>(c.Value, new KeyValuePair<string, object?>("subscriber", c.Key)));
        }
    }

    /// <summary>The withdrawals still unconfirmed past the timeout, by consent id and subscriber.</summary>
    public async Task<IReadOnlyList<(string ConsentId, string Subscriber)>> CheckAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var timeout = TimeSpan.FromMinutes(configuration.GetValue("Gate:AckTimeoutMinutes", 15.0));
        var withdrawn = ConsentStatus.Withdrawn.ToContract();
        var oldest = now - TimeSpan.FromDays(7);
        var newest = now - timeout;
        var candidates = new List<ConsentSummary>();
        foreach (var database in databases.All)
        {
            await using var query = await databases.QuerySessionAsync(store, database);
            candidates.AddRange(await query.Query<ConsentSummary>()
                .Where(s => s.AnyTenant() && s.Status == withdrawn && s.UpdatedAt >= oldest && s.UpdatedAt <= newest)
                .Take(1000).ToListAsync(ct));
        }
        var late = new List<(string, string)>();
        foreach (var consent in candidates)
        {
            var confirmation = await acks.ForConsentAsync(consent.Record.ClinicId, consent, ct);
            if (confirmation.WithdrawalConfirmed) continue;
            foreach (var subscriber in confirmation.Subscribers.Where(s => !(s.Sequence >= confirmation.WithdrawalSequence)))
            {
                late.Add((consent.Id, subscriber.Subscriber));
                if (_warned.Add((consent.Id, subscriber.Subscriber))) WithdrawalUnconfirmed(logger, subscriber.Subscriber, consent.Id, timeout.TotalMinutes);
            }
        }
        _unconfirmed.Set(late.Select(l => l.Item2));
        return late;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!registered.Any || !configuration.GetValue("Gate:MonitorEnabled", true)) return;
        var interval = TimeSpan.FromSeconds(configuration.GetValue("Gate:AckCheckSeconds", 60));
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await CheckAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                CheckFailed(logger, ex.GetType().Name);
            }
            await Task.Delay(interval, clock, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Subscriber {Subscriber} has not confirmed the withdrawal of consent {ConsentId} within {Minutes} minutes")]
    private static partial void WithdrawalUnconfirmed(ILogger logger, string subscriber, string consentId, double minutes);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Gate confirmation check failed ({Error})")]
    private static partial void CheckFailed(ILogger logger, string error);
}

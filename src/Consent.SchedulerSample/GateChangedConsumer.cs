using System.Net.Http.Json;
using Consent.Contracts;
using MassTransit;

namespace Consent.SchedulerSample;

/// <summary>Confirms applied gate changes to the Consent service, so coordinators see that this scheduler is up to date.</summary>
public sealed class GateConfirmations(HttpClient http, IConfiguration configuration)
{
    public string Subscriber { get; } = configuration["Scheduler:Subscriber"] ?? "scheduler";

    public async Task ConfirmAsync(SchedulingGateChanged change, CancellationToken ct)
    {
        using var response = await http.PostAsJsonAsync("/api/gate/acks",
            new { subscriber = Subscriber, patientId = change.PatientId, procedureCode = change.ProcedureCode, sequence = change.Sequence }, ct);
        response.EnsureSuccessStatusCode();
    }
}

public sealed partial class GateChangedConsumer(SchedulerStore store, GateConfirmations confirmations, IConfiguration configuration, ILogger<GateChangedConsumer> logger)
    : IConsumer<SchedulingGateChanged>
{
    public async Task Consume(ConsumeContext<SchedulingGateChanged> context)
    {
        var change = context.Message;
        // One scheduler books for one clinic; the exchange carries every clinic's events.
        if (change.ClinicId != configuration["Scheduler:Clinic"]) return;
        var messageId = context.MessageId ?? throw new InvalidOperationException("A gate change without a message id cannot be deduplicated.");
        var cancelled = await store.ApplyAsync(messageId, change, context.CancellationToken);
        if (cancelled > 0) BookingsCancelled(logger, cancelled.Value, change.ConsentId, change.Reason);
        // Confirm also when the message was a duplicate: the first confirmation may be what failed.
        await confirmations.ConfirmAsync(change, context.CancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Cancelled {Count} bookings: consent {ConsentId} is {Reason}")]
    private static partial void BookingsCancelled(ILogger logger, int count, string consentId, string reason);
}

using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Consent.Contracts;
using Consent.Contracts.Signatures;

namespace Consent.SchedulerSample;

/// <summary>One delivery from the broker: the MassTransit JSON envelope as received and the signature header, if any.</summary>
public sealed record GateChangeDelivery(ReadOnlyMemory<byte> Body, string? Signature);

/// <summary>What became of a delivery: applied (acknowledge it), or rejected for good (dead-lettered, never retried).</summary>
public sealed record GateChangeOutcome(bool Applied, string? Rejection)
{
    public static readonly GateChangeOutcome Done = new(true, null);

    public static GateChangeOutcome Reject(string why) => new(false, why);
}

/// <summary>
/// Turns one delivery into the scheduler's state: read the envelope, decide whether to trust the message, apply it
/// exactly once, confirm it to the Consent service. A failure that may pass (database, network) throws, and the
/// delivery is retried; a message that can never be applied is rejected.
/// </summary>
public sealed partial class GateChangeHandler(
    SchedulerStore store, GateConfirmations confirmations, ConsentKeySource keys, IConfiguration configuration, ILogger<GateChangeHandler> logger)
{
    private readonly string _clinic = configuration["Scheduler:Clinic"] ?? throw new InvalidOperationException("Scheduler:Clinic is not configured.");

    public async Task<GateChangeOutcome> HandleAsync(GateChangeDelivery delivery, CancellationToken ct)
    {
        if (!TryReadEnvelope(delivery.Body, out var messageId, out _, out var problem)) return GateChangeOutcome.Reject(problem);
        // Trust: anyone with broker credentials could put a message on our queue. Only what the service signed counts:
        // the verified JWS payload is the message (the envelope's own copy is ignored), and it must be the message
        // the envelope claims to be, so a signed change re-sent under a new message id is refused too.
        if (delivery.Signature is null) return GateChangeOutcome.Reject("unsigned: not from the Consent service");
        if (!Jws.TryVerify(delivery.Signature, await keys.CurrentAsync(ct), Jws.EventMessageType, out var signed, out var error)
            && !Jws.TryVerify(delivery.Signature, await keys.RefreshAsync(ct), Jws.EventMessageType, out signed, out error))
        {
            return GateChangeOutcome.Reject("signature refused: " + error);
        }
        if (!TryDecode(signed, out var change, out problem)) return GateChangeOutcome.Reject(problem);
        if (!Guid.TryParse(change.EventId, out var signedId) || signedId != messageId)
        {
            return GateChangeOutcome.Reject("a signed gate change re-sent under another message id");
        }
        if (change.ClinicId != _clinic) return GateChangeOutcome.Reject("a gate change of another clinic");

        var applied = await store.ApplyAsync(messageId, change, ct);
        if (applied is { Cancelled: > 0 }) BookingsCancelled(logger, applied.Cancelled, change.ConsentId, change.Reason);
        if (applied is { Held: > 0 }) BookingsHeld(logger, applied.Held, change.ConsentId, change.Reason);
        if (applied is { Restored: > 0 }) BookingsRestored(logger, applied.Restored, change.ConsentId);
        // Confirm also when the message was a duplicate: the first confirmation may be what failed.
        await confirmations.ConfirmAsync(change, ct);
        return GateChangeOutcome.Done;
    }

    /// <summary>The envelope's <c>messageId</c> and its <c>message</c> as UTF-8 JSON.</summary>
    public static bool TryReadEnvelope(ReadOnlyMemory<byte> body, out Guid messageId, out byte[] message, out string problem)
    {
        messageId = Guid.Empty;
        message = [];
        try
        {
            using var envelope = JsonDocument.Parse(body);
            var root = envelope.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("messageId", out var id) || id.ValueKind != JsonValueKind.String || !Guid.TryParse(id.GetString(), out messageId))
            {
                problem = "no messageId: it could not be deduplicated";
                return false;
            }
            if (!root.TryGetProperty("message", out var inner) || inner.ValueKind != JsonValueKind.Object)
            {
                problem = "no message object";
                return false;
            }
            message = Encoding.UTF8.GetBytes(inner.GetRawText());
            problem = "";
            return true;
        }
        catch (JsonException)
        {
            problem = "not a JSON envelope";
            return false;
        }
    }

    /// <summary>A SchedulingGateChanged from its contract JSON, with every field the scheduler relies on present.</summary>
    public static bool TryDecode(byte[] message, out SchedulingGateChanged change, out string problem)
    {
        change = null!;
        try
        {
            var decoded = JsonSerializer.Deserialize<SchedulingGateChanged>(message, JsonSerializerOptions.Web);
            if (decoded is null || string.IsNullOrEmpty(decoded.EventId) || string.IsNullOrEmpty(decoded.ClinicId) || string.IsNullOrEmpty(decoded.PatientId)
                || string.IsNullOrEmpty(decoded.ProcedureCode) || string.IsNullOrEmpty(decoded.ConsentId) || string.IsNullOrEmpty(decoded.Reason) || decoded.Sequence < 1)
            {
                problem = "a gate change without its identifying fields, reason or sequence";
                return false;
            }
            change = decoded;
            problem = "";
            return true;
        }
        catch (JsonException)
        {
            problem = "not a SchedulingGateChanged";
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Cancelled {Count} bookings: consent {ConsentId} is {Reason}")]
    private static partial void BookingsCancelled(ILogger logger, int count, string consentId, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Held {Count} bookings: the gate answers {Reason} (consent {ConsentId})")]
    private static partial void BookingsHeld(ILogger logger, int count, string consentId, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Restored {Count} held bookings: consent {ConsentId} allows their time again")]
    private static partial void BookingsRestored(ILogger logger, int count, string consentId);
}

/// <summary>Confirms applied gate changes to the Consent service, so coordinators see that this scheduler is up to date.</summary>
public sealed partial class GateConfirmations(IHttpClientFactory clients, ILogger<GateConfirmations> logger)
{
    public const string ClientName = "consent";

    /// <summary>
    /// The body names no subscriber: the service knows this scheduler by its token's subject. A refusal that asking
    /// again cannot change (a 4xx other than 408 and 429) is logged and not retried: the change itself is applied.
    /// </summary>
    public async Task ConfirmAsync(SchedulingGateChanged change, CancellationToken ct)
    {
        using var http = clients.CreateClient(ClientName);
        using var response = await http.PostAsJsonAsync("/api/gate/acks",
            new { patientId = change.PatientId, procedureCode = change.ProcedureCode, sequence = change.Sequence }, ct);
        if (response.IsSuccessStatusCode) return;
        var status = (int)response.StatusCode;
        if (status is >= 400 and < 500 && response.StatusCode is not HttpStatusCode.RequestTimeout and not HttpStatusCode.TooManyRequests)
        {
            ConfirmationRefused(logger, status, change.ConsentId, change.Sequence, await response.Content.ReadAsStringAsync(ct));
            return;
        }
        response.EnsureSuccessStatusCode();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The Consent service refused the confirmation ({Status}) of consent {ConsentId}'s gate change {Sequence}: {Problem}")]
    private static partial void ConfirmationRefused(ILogger logger, int status, string consentId, long sequence, string problem);
}

using System.Globalization;
using System.Text.Json.Serialization;
using Consent.Api.Auditing;
using Consent.Api.Auth;
using Consent.Api.Consents;
using Consent.Api.Hosting;
using Marten;
using Npgsql;

namespace Consent.Api.Gate;

public sealed record GateResponse(
    bool Allowed, string Reason,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? ConsentId,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] DateTimeOffset? ValidFrom,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] DateTimeOffset? ValidUntil,
    long Sequence);

/// <summary><paramref name="Subscriber"/> is optional: the caller's token says who it is, and a name sent must match it.</summary>
public sealed record GateAckRequest(string PatientId, string ProcedureCode, long Sequence, string? Subscriber = null);


public sealed record SubscriberConfirmation(string Subscriber, long? Sequence, DateTimeOffset? ConfirmedAt, bool UpToDate);

/// <summary>Per registered subscriber, what it confirmed for this consent's patient and procedure.</summary>
public sealed record ConsentAcks(
    string ConsentId, long GateSequence,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? WithdrawalSequence,
    bool WithdrawalConfirmed, IReadOnlyList<SubscriberConfirmation> Subscribers);

public static class GateApi
{
    public static IEndpointRouteBuilder MapGateApi(this IEndpointRouteBuilder app)
    {
        var gate = app.MapGroup("/api/gate").WithTags("Scheduling gate");
        gate.MapGet("/", Get).RequireAuthorization(Policies.GateReaders)
            .WithSummary("May this patient have this procedure at this time?")
            .WithName("getGate").Produces<GateResponse>().ProducesProblems(400);
        gate.MapPost("/acks", Acknowledge).RequireAuthorization(Policies.Integration)
            .WithSummary("A downstream subscriber confirms it applied a gate change.")
            .WithName("confirmGateChange").Accepts<GateAckRequest>("application/json").Produces<GateAckConfirmation>().ProducesProblems(400, 413, 415, 422);
        gate.MapGet("/subscribers", ListSubscribers).RequireAuthorization(Policies.StaffOrIntegration)
            .WithSummary("The registered gate subscribers of the caller's clinic.")
            .WithName("listGateSubscribers").Produces<GateSubscriberView[]>();
        gate.MapGet("/changes", Changes).RequireAuthorization(Policies.Integration)
            .WithSummary("The caller's clinic's gate changes after a sequence, in order, for a subscriber catching up.")
            .WithName("listGateChanges").Produces<GateChangesPage>().ProducesProblems(400);
        app.MapGet("/api/consents/{id}/acks", Acks).WithTags("Scheduling gate").RequireAuthorization(Policies.CoordinatorOrClinician)
            .WithSummary("Which registered subscribers confirmed the latest gate change (and a withdrawal).")
            .WithName("getConsentAcks").Produces<ConsentAcks>().ProducesProblems(404);
        app.MapGet("/asyncapi.yaml", () => Results.Stream(Consent.Contracts.AsyncApiDocument.Open(), "application/yaml"))
            .WithTags("Scheduling gate").AllowAnonymous().WithSummary("The AsyncAPI document of the events on RabbitMQ.")
            .WithName("getAsyncApiDocument").Produces<string>(StatusCodes.Status200OK, "application/yaml");
        return app;
    }

    private static async Task<IResult> Get(HttpContext http, IDocumentStore store, GateReader reader, TimeProvider clock,
        string? patientId, string? procedureCode, string? at)
    {
        if (ExternalIds.PatientAndProcedureProblem(patientId, procedureCode) is { } problem) return problem;
        var when = clock.GetUtcNow();
        if (at is not null && !DateTimeOffset.TryParse(at, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out when))
        {
            return Problems.Field(StatusCodes.Status400BadRequest, "at", "at is an ISO-8601 time, e.g. 2026-12-01T09:30:00Z.");
        }
        var clinic = ConsentResults.Clinic(http);
        var inputs = await reader.ReadAsync(clinic, patientId!, procedureCode!, http.RequestAborted);
        var answer = GateRules.Evaluate(inputs.Candidates, when);
        var sequence = inputs.Sequence;
        if (!http.User.IsInRole(StaffRoles.Integration))
        {
            await using var audit = store.LightweightSession(clinic);
            await AccessLog.RecordAsync(http, audit, answer.ConsentId ?? "(none)", "gate", clock);
        }
        return Results.Ok(new GateResponse(answer.Allowed, answer.Reason, answer.ConsentId, answer.ValidFrom, answer.ValidUntil, sequence));
    }

    private static async Task<IResult> Acknowledge(HttpContext http, IDocumentStore store, GateReader reader, Consents.Storage.ClinicDatabases databases,
        GateSubscribers subscribers, TimeProvider clock)
    {
        var body = await JsonBody.ReadAsync<GateAckRequest>(http.Request, JsonBody.SmallBody);
        if (body.Problem is not null) return body.Problem;
        var request = body.Value!;
        var clinic = ConsentResults.Clinic(http);
        var subject = http.User.FindFirst(StaffRoles.SubjectClaim)?.Value ?? "";
        if (subscribers.ForSubject(clinic, subject) is not { } subscriber)
        {
            return Problems.Field(StatusCodes.Status403Forbidden, "subscriber",
                "This token's subject is not a registered gate subscriber of its clinic: ask the clinic to register it in Gate:Subscribers.");
        }
        if (request.Subscriber is not null && request.Subscriber != subscriber.Name)
        {
            return Problems.Field(StatusCodes.Status422UnprocessableEntity, "subscriber",
                $"A subscriber confirms only for itself: this token is '{subscriber.Name}'. Leave subscriber out or send that name.");
        }
        if (ExternalIds.PatientAndProcedureProblem(request.PatientId, request.ProcedureCode) is { } problem) return problem;
        if (request.Sequence < 1) return Problems.Field(StatusCodes.Status400BadRequest, "sequence", "sequence is the SchedulingGateChanged sequence applied, from 1.");
        var current = (await reader.ReadAsync(clinic, request.PatientId, request.ProcedureCode, http.RequestAborted)).Sequence;
        if (request.Sequence > current)
        {
            return Problems.Field(StatusCodes.Status422UnprocessableEntity, "sequence",
                $"No gate change with sequence {request.Sequence} exists for this patient and procedure (latest is {current}).");
        }
        var schema = store.Options.DatabaseSchemaName;
        // Confirmations only move forward: a late confirmation of an older change never hides a newer one.
        await using var command = databases.For(clinic).Sessions.CreateCommand(
            $"""
             insert into {schema}.{GateTables.GateAcks} (clinic, subscriber, patient_id, procedure_code, sequence, confirmed_at)
             values ($1, $2, $3, $4, $5, $6)
             on conflict (clinic, subscriber, patient_id, procedure_code) do update
               set sequence = greatest({GateTables.GateAcks}.sequence, excluded.sequence),
                   confirmed_at = case when excluded.sequence > {GateTables.GateAcks}.sequence then excluded.confirmed_at else {GateTables.GateAcks}.confirmed_at end
             returning sequence, confirmed_at
             """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = clinic });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = subscriber.Name });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = request.PatientId });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = request.ProcedureCode });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = request.Sequence });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = clock.GetUtcNow() });
        await using var row = await command.ExecuteReaderAsync(http.RequestAborted);
        await row.ReadAsync(http.RequestAborted);
        return Results.Ok(new
        {
            subscriber = subscriber.Name,
            patientId = request.PatientId,
            procedureCode = request.ProcedureCode,
            sequence = row.GetInt64(0),
            confirmedAt = row.GetFieldValue<DateTimeOffset>(1),
        });
    }

    private static async Task<IResult> Acks(HttpContext http, string id, IDocumentStore store, GateAckReader acks, TimeProvider clock)
    {
        var clinic = ConsentResults.Clinic(http);
        await using var session = store.LightweightSession(clinic);
        var summary = await session.LoadAsync<ConsentSummary>(id, http.RequestAborted);
        if (summary is null) return Problems.NotFound($"No consent '{id}'.");
        await AccessLog.RecordAsync(http, session, id, "acks", clock);
        return Results.Ok(await acks.ForConsentAsync(clinic, summary, http.RequestAborted));
    }

    private static IResult ListSubscribers(HttpContext http, GateSubscribers subscribers) =>
        Results.Ok(subscribers.Of(ConsentResults.Clinic(http)).Select(s => new GateSubscriberView(s.Name)));

    private static async Task<IResult> Changes(HttpContext http, GateChanges changes, string? since, string? limit)
    {
        long after = 0;
        if (since is not null && (!long.TryParse(since, NumberStyles.None, CultureInfo.InvariantCulture, out after)))
        {
            return Problems.Field(StatusCodes.Status400BadRequest, "since", "since is the last sequence applied (0 or more); leave it out to start from the beginning.");
        }
        if (!QueryNumbers.Positive(limit, 100, GateChanges.MaxPage, out var pageSize))
        {
            return Problems.Field(StatusCodes.Status400BadRequest, "limit", $"limit is from 1 to {GateChanges.MaxPage} (default 100).");
        }
        return Results.Ok(await changes.ReadAsync(ConsentResults.Clinic(http), after, pageSize, http.RequestAborted));
    }
}

using System.Globalization;
using System.Text.Json.Serialization;
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

public sealed record GateAckRequest(string Subscriber, string PatientId, string ProcedureCode, long Sequence);

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
        if (ConsentsApi.PatientAndProcedureProblem(patientId, procedureCode) is { } problem) return problem;
        var when = clock.GetUtcNow();
        if (at is not null && !DateTimeOffset.TryParse(at, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out when))
        {
            return Problems.Field(StatusCodes.Status400BadRequest, "at", "at is an ISO-8601 time, e.g. 2026-12-01T09:30:00Z.");
        }
        var clinic = ConsentsApi.Clinic(http);
        var inputs = await reader.ReadAsync(clinic, patientId!, procedureCode!, http.RequestAborted);
        var answer = GateRules.Evaluate(inputs.Candidates, when);
        var sequence = inputs.Sequence;
        if (!http.User.IsInRole(StaffRoles.Integration))
        {
            await using var audit = store.LightweightSession(clinic);
            await ConsentsApi.RecordAccess(http, audit, answer.ConsentId ?? "(none)", "gate", clock);
        }
        return Results.Ok(new GateResponse(answer.Allowed, answer.Reason, answer.ConsentId, answer.ValidFrom, answer.ValidUntil, sequence));
    }

    private static async Task<IResult> Acknowledge(HttpContext http, IDocumentStore store, GateReader reader, NpgsqlDataSource db,
        IConfiguration configuration, TimeProvider clock)
    {
        var body = await JsonBody.ReadAsync<GateAckRequest>(http.Request, JsonBody.SmallBody);
        if (body.Problem is not null) return body.Problem;
        var request = body.Value!;
        var subscribers = Subscribers(configuration);
        if (!subscribers.Contains(request.Subscriber))
        {
            return Problems.Field(StatusCodes.Status422UnprocessableEntity, "subscriber",
                "Not a registered subscriber: ask the clinic to add it to Gate:Subscribers.");
        }
        if (ConsentsApi.PatientAndProcedureProblem(request.PatientId, request.ProcedureCode) is { } problem) return problem;
        if (request.Sequence < 1) return Problems.Field(StatusCodes.Status400BadRequest, "sequence", "sequence is the SchedulingGateChanged sequence applied, from 1.");
        var clinic = ConsentsApi.Clinic(http);
        var current = (await reader.ReadAsync(clinic, request.PatientId, request.ProcedureCode, http.RequestAborted)).Sequence;
        if (request.Sequence > current)
        {
            return Problems.Field(StatusCodes.Status422UnprocessableEntity, "sequence",
                $"No gate change with sequence {request.Sequence} exists for this patient and procedure (latest is {current}).");
        }
        var schema = store.Options.DatabaseSchemaName;
        // Confirmations only move forward: a late confirmation of an older change never hides a newer one.
        await using var command = db.CreateCommand(
            $"""
             insert into {schema}.{GateTables.GateAcks} (clinic, subscriber, patient_id, procedure_code, sequence, confirmed_at)
             values ($1, $2, $3, $4, $5, $6)
             on conflict (clinic, subscriber, patient_id, procedure_code) do update
               set sequence = greatest({GateTables.GateAcks}.sequence, excluded.sequence),
                   confirmed_at = case when excluded.sequence > {GateTables.GateAcks}.sequence then excluded.confirmed_at else {GateTables.GateAcks}.confirmed_at end
             returning sequence, confirmed_at
             """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = clinic });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = request.Subscriber });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = request.PatientId });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = request.ProcedureCode });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = request.Sequence });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = clock.GetUtcNow() });
        await using var row = await command.ExecuteReaderAsync(http.RequestAborted);
        await row.ReadAsync(http.RequestAborted);
        return Results.Ok(new
        {
            subscriber = request.Subscriber,
            patientId = request.PatientId,
            procedureCode = request.ProcedureCode,
            sequence = row.GetInt64(0),
            confirmedAt = row.GetFieldValue<DateTimeOffset>(1),
        });
    }

    private static async Task<IResult> Acks(HttpContext http, string id, IDocumentStore store, GateAckReader acks, TimeProvider clock)
    {
        var clinic = ConsentsApi.Clinic(http);
        await using var session = store.LightweightSession(clinic);
        var summary = await session.LoadAsync<ConsentSummary>(id, http.RequestAborted);
        if (summary is null) return Problems.NotFound($"No consent '{id}'.");
        await ConsentsApi.RecordAccess(http, session, id, "acks", clock);
        return Results.Ok(await acks.ForConsentAsync(clinic, summary, http.RequestAborted));
    }

    public static IReadOnlySet<string> Subscribers(IConfiguration configuration) =>
        configuration.GetSection("Gate:Subscribers").Get<string[]>()?.ToHashSet(StringComparer.Ordinal) ?? [];
}

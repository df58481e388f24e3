using System.Text.Json;
using Consent.Api.Auth;
using Consent.Api.Hosting;
using Consent.Api.Tablet;
using Consent.Api.Workflows;
using Consent.Workflows.Definitions;
using Consent.Workflows.Runtime;
using JasperFx;
using Marten;

namespace Consent.Api.Consents;

/// <summary>
/// Every change to an existing consent goes through here: scope and version checks, idempotent replay, the pure
/// runtime's decision, and one transaction holding the events, the projection and the idempotency record.
/// </summary>
public sealed partial class ConsentCommandPipeline(IDocumentStore store, PublishedWorkflows workflows, TimeProvider clock, ILogger<ConsentCommandPipeline> log)
{
    public async Task<IResult> ExecuteAsync(
        HttpContext http, string id, string rawBody, Func<ConsentRecord, WorkflowDefinition, DateTimeOffset, Decision> decide,
        Action<IDocumentSession, ConsentRecord>? alsoStore = null)
    {
        var clinic = http.User.FindFirst(StaffRoles.ClinicClaim)!.Value;
        await using var session = store.IdentitySession(clinic);
        var ct = http.RequestAborted;

        var key = http.Request.Headers["Idempotency-Key"].ToString();
        string? idempotencyId = null;
        var requestHash = IdempotentResponse.HashOf(http.Request.Method, http.Request.Path, rawBody);
        if (key.Length > 0)
        {
            if (key.Length > 128) return Problems.Field(StatusCodes.Status400BadRequest, "Idempotency-Key", "An Idempotency-Key is at most 128 characters.");
            idempotencyId = IdempotentResponse.IdFor(Actor.From(http).Subject, key);
            if (await session.LoadAsync<IdempotentResponse>(idempotencyId, ct) is { } earlier) return Replay(earlier, requestHash);
        }

        var body = "";
        var attempt = await DecideAndAppendAsync(session, http, id, IfMatchIsStale, decide, alsoStore, (after, definition) =>
        {
            body = JsonSerializer.Serialize(ConsentView.From(after, definition), JsonSerializerOptions.Web);
            if (idempotencyId is not null)
            {
                session.Insert(new IdempotentResponse { Id = idempotencyId, RequestSha256 = requestHash, StatusCode = 200, Body = body, ETag = $"\"{after.Version}\"", At = clock.GetUtcNow() });
            }
        });
        if (attempt.LostRace) return await LostRace(http, id, idempotencyId, requestHash);
        if (attempt.Refusal is { } refusal) return refusal;
        http.Response.Headers.ETag = $"\"{attempt.After!.Version}\"";
        return Results.Text(body, "application/json", statusCode: 200);
    }

    /// <summary>
    /// The tablet's and the dashboard's pages: the same checks, decision and transaction as the JSON API, answering
    /// with the stored record or the reason nothing was stored. A form carries the version it was rendered from, so a
    /// second tap or a form re-posted from the browser's history changes nothing.
    /// </summary>
    public async Task<PageOutcome> ExecuteForPageAsync(
        HttpContext http, string id, long renderedVersion, Func<ConsentRecord, WorkflowDefinition, DateTimeOffset, Decision> decide,
        Action<IDocumentSession, ConsentRecord>? alsoStore = null)
    {
        var clinic = http.User.FindFirst(StaffRoles.ClinicClaim)!.Value;
        await using var session = store.IdentitySession(clinic);
        var attempt = await DecideAndAppendAsync(session, http, id, (_, record) => record.Version != renderedVersion, decide, alsoStore, beforeSave: null);
        return new PageOutcome(attempt.After, attempt.Rejection);
    }

    private async Task<Attempt> DecideAndAppendAsync(
        IDocumentSession session, HttpContext http, string id, Func<HttpContext, ConsentRecord, bool> stale,
        Func<ConsentRecord, WorkflowDefinition, DateTimeOffset, Decision> decide, Action<IDocumentSession, ConsentRecord>? alsoStore,
        Action<ConsentRecord, WorkflowDefinition>? beforeSave)
    {
        var ct = http.RequestAborted;
        var record = await ConsentStreams.LoadAsync(session, id, ct);
        if (OutOfScope(http, id, record) is { } refusal) return new Attempt(refusal);
        ArgumentNullException.ThrowIfNull(record); // OutOfScope has refused a missing consent already
        if (stale(http, record)) return new Attempt(Problems.Field(StatusCodes.Status412PreconditionFailed, "If-Match", $"The consent is at version {record.Version}; read it again."));
        if (workflows.Find(record.ClinicId, record.Runtime.WorkflowId, record.Runtime.WorkflowVersion) is not { } definition)
        {
            return new Attempt(Problems.Field(StatusCodes.Status409Conflict, "workflow", $"Workflow {record.Runtime.WorkflowId} v{record.Runtime.WorkflowVersion} is no longer published here."));
        }

        var decision = decide(record, definition, clock.GetUtcNow());
        if (decision.Rejection is { } rejection) return new Attempt(Reject(rejection)) { Rejection = rejection };

        var after = ConsentStreams.Append(session, record, Actor.From(http), decision.Events, id);
        alsoStore?.Invoke(session, after);
        await TabletLinks.RevokeWhenFinishedAsync(session, after, clock.GetUtcNow(), ct);
        beforeSave?.Invoke(after, definition);
        try
        {
            await session.SaveChangesAsync(ct);
        }
        catch (Exception ex) when (ConsentStreams.IsLostRace(ex) || ex is DocumentAlreadyExistsException or Marten.Exceptions.ExistingStreamIdCollisionException)
        {
            WriteConflict(log, ex.GetType().Name, ex.Message);
            return new Attempt(null) { LostRace = true };
        }
        return new Attempt(null) { After = after };
    }

    private sealed record Attempt(IResult? Refusal)
    {
        public Rejection? Rejection { get; init; }
        public ConsentRecord? After { get; init; }
        public bool LostRace { get; init; }
    }

    /// <summary>
    /// Only the consent a tablet was issued for exists for that tablet, and only while the link is the consent's
    /// current one and the consent has not ended; another clinic's consent never exists.
    /// </summary>
    public static bool InScope(HttpContext http, ConsentRecord record) =>
        !http.User.IsInRole(StaffRoles.Tablet)
        || (http.User.FindFirst(TabletAuthenticationHandler.ConsentClaim)?.Value == record.Id
            && http.User.FindFirst(TabletAuthenticationHandler.LinkClaim)?.Value == record.TabletTokenSha256
            && !record.Runtime.Status.IsFinal());

    /// <summary>Null when the caller may act on the consent; else 404, or 401 for a tablet whose link has ended.</summary>
    public static IResult? OutOfScope(HttpContext http, string id, ConsentRecord? record)
    {
        if (record is not null && InScope(http, record)) return null;
        var ownTablet = record is not null && http.User.IsInRole(StaffRoles.Tablet) && http.User.FindFirst(TabletAuthenticationHandler.ConsentClaim)?.Value == record.Id;
        return ownTablet
            ? Problems.Field(StatusCodes.Status401Unauthorized, "Authorization", "This tablet link has ended: the consent is finished or a new link was issued.")
            : Problems.NotFound($"No consent '{id}'.");
    }

    private static bool IfMatchIsStale(HttpContext http, ConsentRecord record)
    {
        var ifMatch = http.Request.Headers.IfMatch.ToString();
        return ifMatch.Length > 0 && ifMatch != "*" && ifMatch.Trim() != $"\"{record.Version}\"" && ifMatch.Trim() != record.Version.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    private static IResult Replay(IdempotentResponse earlier, string requestHash)
    {
        if (earlier.RequestSha256 != requestHash)
        {
            return Problems.Field(StatusCodes.Status422UnprocessableEntity, "Idempotency-Key", "This Idempotency-Key was already used with a different request.");
        }
        return new ReplayedResult(earlier);
    }

    // Another writer appended first. If it was this same request retried, answer as it was answered.
    private async Task<IResult> LostRace(HttpContext http, string id, string? idempotencyId, string requestHash)
    {
        await using var session = store.LightweightSession(http.User.FindFirst(StaffRoles.ClinicClaim)!.Value);
        if (idempotencyId is not null && await session.LoadAsync<IdempotentResponse>(idempotencyId) is { } earlier) return Replay(earlier, requestHash);
        var current = await ConsentStreams.LoadAsync(session, id, CancellationToken.None);
        return http.Request.Headers.IfMatch.Count > 0
            ? Problems.Field(StatusCodes.Status412PreconditionFailed, "If-Match", "The consent changed while this request was handled; read it again.")
            : Problems.Field(StatusCodes.Status409Conflict, "stepId", "Someone else changed this consent at the same moment; read it again.",
                new Dictionary<string, object?> { ["currentStepId"] = current?.Runtime.CurrentStepId });
    }

    public static IResult Reject(Rejection rejection)
    {
        var extensions = new Dictionary<string, object?> { ["code"] = rejection.Code.ToString() };
        if (rejection.CurrentStepId is not null || rejection.Code == RejectionCode.StepNotCurrent) extensions["currentStepId"] = rejection.CurrentStepId;
        var status = rejection.Code switch
        {
            RejectionCode.StepNotCurrent or RejectionCode.NotAllowedInStatus or RejectionCode.WrongDefinition => StatusCodes.Status409Conflict,
            RejectionCode.UnknownStep => StatusCodes.Status404NotFound,
            _ => StatusCodes.Status422UnprocessableEntity,
        };
        return Problems.Field(status, rejection.Field, rejection.Message, extensions);
    }

    private sealed class ReplayedResult(IdempotentResponse earlier) : IResult
    {
        public async Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.StatusCode = earlier.StatusCode;
            httpContext.Response.ContentType = "application/json";
            httpContext.Response.Headers["Idempotent-Replayed"] = "true";
            if (earlier.ETag is not null) httpContext.Response.Headers.ETag = earlier.ETag;
            await httpContext.Response.WriteAsync(earlier.Body);
        }
    }

    // The consent id is random and the message names no patient data.
    [LoggerMessage(Level = LogLevel.Warning, Message = "Write conflict on a consent: {Kind}: {Detail}")]
    private static partial void WriteConflict(ILogger logger, string kind, string detail);
}

/// <summary>What a tablet page's action did: the record after it, or the runtime's rejection, or nothing (stale or out of scope).</summary>
public sealed record PageOutcome(ConsentRecord? After, Rejection? Rejection);

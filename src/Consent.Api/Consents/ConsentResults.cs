using System.Text.Json;
using Consent.Api.Auth;
using Consent.Api.Hosting;
using Consent.Workflows.Runtime;
using Consent.Api.Auditing;

namespace Consent.Api.Consents;

/// <summary>
/// The JSON API's side of the write path: a request becomes a <see cref="ConsentWrite"/> (clinic, caller, scope,
/// If-Match, Idempotency-Key), and the one <see cref="WriteOutcome"/> becomes the answer.
/// </summary>
public static class ConsentResults
{
    /// <summary>The write a JSON request asks for; null with a problem when its headers are not acceptable.</summary>
    public static (ConsentWrite? Write, IResult? Problem) WriteFor(HttpContext http, string id, string rawBody, ConsentChange change)
    {
        var write = new ConsentWrite(Clinic(http), id, Actor.From(http), change) { Tablet = TabletScope.Of(http.User), ExpectedVersion = IfMatch(http) };
        var key = http.Request.Headers["Idempotency-Key"].ToString();
        if (key.Length == 0) return (write, null);
        if (key.Length > 128) return (null, Problems.Field(StatusCodes.Status400BadRequest, "Idempotency-Key", "An Idempotency-Key is at most 128 characters."));
        var idempotency = new IdempotencyKey(IdempotentResponse.IdFor(write.Actor.Subject, key), IdempotentResponse.HashOf(http.Request.Method, http.Request.Path, rawBody));
        return (write with { Idempotency = idempotency }, null);
    }

    public static string Clinic(HttpContext http) => http.User.FindFirst(StaffRoles.ClinicClaim)!.Value;

    /// <summary>Writes <paramref name="change"/> to consent <paramref name="id"/> and answers as the contract says.</summary>
    public static async Task<IResult> RunAsync(HttpContext http, ConsentWriter writer, string id, string rawBody, ConsentChange change)
    {
        var (write, problem) = WriteFor(http, id, rawBody, change);
        if (problem is not null) return problem;
        var outcome = await writer.WriteAsync(write!, http.RequestAborted);
        return From(http, id, outcome);
    }

    public static IResult From(HttpContext http, string id, WriteOutcome outcome) => outcome.Status switch
    {
        WriteStatus.Done => Ok(http, outcome),
        WriteStatus.NotFound => Problems.NotFound($"No consent '{id}'."),
        WriteStatus.TabletLinkEnded => LinkEnded(),
        WriteStatus.Stale => Problems.Field(StatusCodes.Status412PreconditionFailed, "If-Match", $"The consent is at version {outcome.CurrentVersion}; read it again."),
        WriteStatus.WorkflowGone => Problems.Field(StatusCodes.Status409Conflict, "workflow",
            $"Workflow {outcome.After!.Runtime.WorkflowId} v{outcome.After.Runtime.WorkflowVersion} is no longer published here."),
        WriteStatus.Rejected => Reject(outcome.Rejection!),
        WriteStatus.Replayed => new ReplayedResult(outcome.Earlier!),
        WriteStatus.KeyReused => Problems.Field(StatusCodes.Status422UnprocessableEntity, "Idempotency-Key", "This Idempotency-Key was already used with a different request."),
        _ => http.Request.Headers.IfMatch.Count > 0
            ? Problems.Field(StatusCodes.Status412PreconditionFailed, "If-Match", "The consent changed while this request was handled; read it again.")
            : Problems.Field(StatusCodes.Status409Conflict, "stepId", "Someone else changed this consent at the same moment; read it again.",
                new Dictionary<string, object?> { ["currentStepId"] = outcome.CurrentStepId }),
    };

    /// <summary>Read access to one consent: null when the caller may see it; else 404, or 401 for a tablet whose link has ended.</summary>
    public static IResult? OutOfScope(HttpContext http, string id, ConsentRecord? record)
    {
        var tablet = TabletScope.Of(http.User);
        if (record is not null && (tablet is null || tablet.Allows(record))) return null;
        return record is not null && tablet?.ConsentId == record.Id ? LinkEnded() : Problems.NotFound($"No consent '{id}'.");
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

    private static Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult LinkEnded() =>
        Problems.Field(StatusCodes.Status401Unauthorized, "Authorization", "This tablet link has ended: the consent is finished or a new link was issued.");

    private static IResult Ok(HttpContext http, WriteOutcome outcome)
    {
        http.Response.Headers.ETag = $"\"{outcome.After!.Version}\"";
        return Results.Text(JsonSerializer.Serialize(ConsentView.From(outcome.After, outcome.Definition), JsonSerializerOptions.Web), "application/json", statusCode: 200);
    }

    /// <summary>An If-Match header's version; -1 for one that names no version this consent can have; null when absent or "*".</summary>
    private static long? IfMatch(HttpContext http)
    {
        var ifMatch = http.Request.Headers.IfMatch.ToString().Trim();
        if (ifMatch.Length == 0 || ifMatch == "*") return null;
        return long.TryParse(ifMatch.Trim('"'), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var version) ? version : -1;
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
}

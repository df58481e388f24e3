using Consent.Api.Auth;
using Consent.Api.Hosting;
using Consent.Workflows.Runtime;

namespace Consent.Api.Consents.AnsweringSteps;

/// <summary>The JSON commands on one consent: answering a step, a question, a resumption, a countersignature, a reaffirmation, a withdrawal.</summary>
public static class AnsweringApi
{
    // A signature image is at most 200 KB, which is about 270 KB as base64 inside the JSON body.
    private const int StepBodyLimit = 300 * 1024;

    public static RouteGroupBuilder MapAnsweringSteps(this RouteGroupBuilder consents)
    {
        consents.MapPost("/{id}/steps/{stepId}", SubmitStep).RequireAuthorization(Policies.Tablet).WithSummary("Answer the current step (tablet).")
            .WithName("submitStep").AcceptsSchema("StepInput").DocumentedAsConsentCommand();
        consents.MapPost("/{id}/questions", (HttpContext h, string id, ConsentWriter w) => Run<QuestionRequest>(h, id, w, r => new RaiseQuestion(r.Text)))
            .RequireAuthorization(Policies.Tablet).WithSummary("The patient wants to talk to someone.").DocumentedAsConsentCommand<QuestionRequest>("raiseQuestion");
        consents.MapPost("/{id}/resume", (HttpContext h, string id, ConsentWriter w) => Run<ResumeRequest>(h, id, w, r => new ResumeAfterDiscussion(r.Note)))
            .RequireAuthorization(Policies.CoordinatorOrClinician).WithSummary("Discussion held; the tablet continues.").DocumentedAsConsentCommand<ResumeRequest>("resumeConsent");
        consents.MapPost("/{id}/countersign", (HttpContext h, string id, ConsentWriter w) => Run<CountersignRequest>(h, id, w, r => new Countersign(r.Name, r.Attestation)))
            .RequireAuthorization(Policies.Clinician).WithSummary("Clinician countersignature.").DocumentedAsConsentCommand<CountersignRequest>("countersignConsent");
        consents.MapPost("/{id}/reaffirm", (HttpContext h, string id, ConsentWriter w) => Run<ReaffirmRequest>(h, id, w, r => new Reaffirm(r.Confirmed)))
            .RequireAuthorization(Policies.TabletOrClinician).WithSummary("Day-of-procedure reaffirmation.").DocumentedAsConsentCommand<ReaffirmRequest>("reaffirmConsent");
        consents.MapPost("/{id}/withdraw", (HttpContext h, string id, ConsentWriter w) => Run<WithdrawRequest>(h, id, w, r => new Withdraw(r.Reason)))
            .RequireAuthorization(Policies.TabletOrCareTeam).WithSummary("Withdraw consent (reason code).").DocumentedAsConsentCommand<WithdrawRequest>("withdrawConsent");
        return consents;
    }

    /// <summary>
    /// A command on one consent through the write path: a JSON body, the answer a ConsentView with its ETag, optional
    /// If-Match / Idempotency-Key / X-Device-Id, and the write's refusals.
    /// </summary>
    private static RouteHandlerBuilder DocumentedAsConsentCommand<TBody>(this RouteHandlerBuilder builder, string operationId) where TBody : notnull =>
        builder.WithName(operationId).Accepts<TBody>("application/json").DocumentedAsConsentCommand();

    private static RouteHandlerBuilder DocumentedAsConsentCommand(this RouteHandlerBuilder builder) =>
        builder.Produces<ConsentView>().ProducesHeaders(StatusCodes.Status200OK, ApiHeaders.ETag, ApiHeaders.TabletDevice)
            .AcceptsHeaders(ApiHeaders.IfMatch, ApiHeaders.IdempotencyKey, ApiHeaders.DeviceId, ApiHeaders.TabletDevice)
            .ProducesProblems(400, 404, 409, 412, 413, 415, 422);

    private static async Task<IResult> SubmitStep(HttpContext http, string id, string stepId, ConsentWriter writer)
    {
        var body = await JsonBody.ReadAsync<StepInputRequest>(http.Request, StepBodyLimit);
        if (body.Problem is not null) return body.Problem;
        return await ConsentResults.RunAsync(http, writer, id, body.Raw, new AnswerStep(stepId, body.Value!));
    }

    private static async Task<IResult> Run<T>(HttpContext http, string id, ConsentWriter writer, Func<T, ConsentCommand> command) where T : class
    {
        var body = await JsonBody.ReadAsync<T>(http.Request, JsonBody.SmallBody);
        if (body.Problem is not null) return body.Problem;
        return await ConsentResults.RunAsync(http, writer, id, body.Raw, new RuntimeChange(command(body.Value!)));
    }
}

using System.Globalization;
using Consent.Api.Auth;
using Consent.Api.Hosting;
using Consent.Workflows.Runtime;
using Microsoft.Extensions.Options;

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
        consents.MapPost("/{id}/countersign", (HttpContext h, string id, ConsentWriter w, TimeProvider clock) =>
                Signed<CountersignRequest>(h, id, w, clock, (r, signer) => new Countersign(signer, r.Attestation, r.Name, r.Meaning)))
            .RequireAuthorization(Policies.Clinician)
            .WithSummary("Clinician countersignature, in the signed-in account's name; needs a token whose auth_time is recent (401 otherwise).")
            .DocumentedAsConsentCommand<CountersignRequest>("countersignConsent").ProducesProblems(401);
        consents.MapPost("/{id}/reaffirm", (HttpContext h, string id, ConsentWriter w, TimeProvider clock) =>
                Signed<ReaffirmRequest>(h, id, w, clock, (r, signer) => new Reaffirm(r.Confirmed, signer)))
            .RequireAuthorization(Policies.TabletOrClinician)
            .WithSummary("Day-of-procedure reaffirmation; a clinician's is a signature and needs a token whose auth_time is recent.")
            .DocumentedAsConsentCommand<ReaffirmRequest>("reaffirmConsent").ProducesProblems(401);
        consents.MapPost("/{id}/withdraw", (HttpContext h, string id, ConsentWriter w, TimeProvider clock) =>
                Signed<WithdrawRequest>(h, id, w, clock, (r, signer) => new Withdraw(r.Reason, signer)))
            .RequireAuthorization(Policies.TabletOrCareTeam)
            .WithSummary("Withdraw consent (reason code); staff withdrawing on the patient's behalf sign, with a token whose auth_time is recent.")
            .DocumentedAsConsentCommand<WithdrawRequest>("withdrawConsent").ProducesProblems(401);
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

    /// <summary>A command that staff sign (the patient's own tablet does not): the signer is the token's account, freshly signed in.</summary>
    private static async Task<IResult> Signed<T>(HttpContext http, string id, ConsentWriter writer, TimeProvider clock, Func<T, StaffSigner?, ConsentCommand> command) where T : class
    {
        StaffSigner? signer = null;
        if (!http.User.IsInRole(StaffRoles.Tablet))
        {
            var maxAge = http.RequestServices.GetRequiredService<IOptions<AuthSettings>>().Value.RecentSignInSeconds;
            var (proved, why) = RecentSignIn.FromToken(http.User, TimeSpan.FromSeconds(maxAge), clock.GetUtcNow());
            if (why is not null)
            {
                // RFC 9470's step-up challenge: the client knows to sign the person in again, no older than max_age.
                http.Response.Headers.WWWAuthenticate = string.Create(CultureInfo.InvariantCulture,
                    $"Bearer error=\"insufficient_user_authentication\", error_description=\"A fresh sign-in is needed to sign\", max_age={maxAge}");
                return Problems.Field(StatusCodes.Status401Unauthorized, RecentSignIn.AuthTimeClaim, why);
            }
            signer = proved;
        }
        return await Run<T>(http, id, writer, r => command(r, signer));
    }

    private static async Task<IResult> Run<T>(HttpContext http, string id, ConsentWriter writer, Func<T, ConsentCommand> command) where T : class
    {
        var body = await JsonBody.ReadAsync<T>(http.Request, JsonBody.SmallBody);
        if (body.Problem is not null) return body.Problem;
        return await ConsentResults.RunAsync(http, writer, id, body.Raw, new RuntimeChange(command(body.Value!)));
    }
}

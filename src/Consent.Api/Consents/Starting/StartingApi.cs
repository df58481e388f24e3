using System.Text.Json;
using System.Text.Json.Nodes;
using Consent.Api.Auth;
using Consent.Api.Consents.AnsweringSteps;
using Consent.Api.Hosting;
using Consent.Api.Workflows;
using Consent.Workflows.Definitions;
using Consent.Workflows.Runtime;
using Consent.Api.Consents;
using Consent.Api.Auditing;

namespace Consent.Api.Consents.Starting;

/// <summary>Starting a consent for a patient: from the JSON API, and (through <see cref="StartAsync"/>) from the dashboard.</summary>
public static class StartingApi
{
    public static RouteGroupBuilder MapStarting(this RouteGroupBuilder consents)
    {
        consents.MapPost("/", Create).RequireAuthorization(Policies.Coordinator).WithSummary("Start a consent for a patient; returns the tablet link.")
            .WithName("createConsent").Accepts<CreateConsentRequest>("application/json").ProducesSchema(StatusCodes.Status201Created, "CreatedConsent")
            .ProducesHeaders(StatusCodes.Status201Created, ApiHeaders.Location, ApiHeaders.ETag).AcceptsHeaders(ApiHeaders.DeviceId).ProducesProblems(400, 413, 415, 422);
        return consents;
    }

    /// <summary>What starting a consent made: the write's outcome and the tablet token (handed out once, never stored).</summary>
    public sealed record Started(WriteOutcome Outcome, string TabletToken);

    /// <summary>Starts a consent for a patient in one transaction with its first tablet link.</summary>
    public static async Task<Started> StartAsync(
        ConsentWriter writer, string clinic, Actor actor, WorkflowDefinition definition, CreateConsentRequest request, PatientDetails? patient, CancellationToken ct)
    {
        var representative = request.Representative is { } r ? new Representative(r.Name.Trim(), r.Relationship.Trim()) : null;
        var token = TabletSession.NewToken();
        var id = OpenConsent.NewId();
        var change = new OpenConsent(id, clinic, request.PatientId, request.ProcedureCode, definition, new StartConsent(request.Locale, representative), TabletSession.HashOf(token),
            patient);
        return new Started(await writer.WriteAsync(new ConsentWrite(clinic, id, actor, change), ct), token);
    }

    private static async Task<IResult> Create(HttpContext http, ConsentWriter writer, PublishedWorkflows workflows, TimeProvider clock)
    {
        var body = await JsonBody.ReadAsync<CreateConsentRequest>(http.Request, JsonBody.SmallBody);
        if (body.Problem is not null) return body.Problem;
        var request = body.Value!;
        if (ExternalIds.PatientAndProcedureProblem(request.PatientId, request.ProcedureCode) is { } invalid) return invalid;
        var (patient, patientProblem) = PatientDetails.Read(request.PatientName, request.PatientBirthDate, clock.GetUtcNow());
        if (patientProblem is { } p) return Problems.Field(StatusCodes.Status400BadRequest, p.Field, p.Message);
        if (workflows.Find(ConsentResults.Clinic(http), request.WorkflowId) is not { } definition) return Problems.Field(StatusCodes.Status422UnprocessableEntity, "workflowId", $"No published workflow '{request.WorkflowId}'.");

        var (outcome, token) = await StartAsync(writer, ConsentResults.Clinic(http), Actor.From(http), definition, request, patient, http.RequestAborted);
        if (outcome.Status != WriteStatus.Done) return ConsentResults.From(http, "", outcome);
        var record = outcome.After!;
        var view = JsonSerializer.SerializeToNode(ConsentView.From(record, definition), JsonSerializerOptions.Web)!.AsObject();
        view["tabletToken"] = token;
        // The token rides in the fragment, which browsers never send to a server or write to its logs.
        view["tabletUrl"] = $"{TransportSecurity.PublicBaseUrl(http)}/tablet#{token}";
        http.Response.Headers.ETag = $"\"{record.Version}\"";
        return new CreatedWithLocation($"/api/consents/{record.Id}", view.ToJsonString());
    }

    private sealed class CreatedWithLocation(string location, string body) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.StatusCode = StatusCodes.Status201Created;
            httpContext.Response.Headers.Location = location;
            httpContext.Response.ContentType = "application/json";
            return httpContext.Response.WriteAsync(body);
        }
    }
}

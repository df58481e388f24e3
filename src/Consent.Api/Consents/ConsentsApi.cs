using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Consent.Api.Auth;
using Consent.Api.Consents.Integrity;
using Consent.Api.Events;
using Consent.Api.Hosting;
using Consent.Api.Tablet;
using Consent.Api.Workflows;
using Consent.Workflows.Runtime;
using Marten;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Npgsql;

namespace Consent.Api.Consents;

public static partial class ConsentsApi
{
    // A signature image is at most 200 KB, which is about 270 KB as base64 inside the JSON body.
    private const int StepBodyLimit = 300 * 1024;

    public static IServiceCollection AddConsents(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddConsentStore();
        services.AddScoped<ConsentCommandPipeline>();
        services.AddSingleton<TabletSessionCache>();
        services.AddSingleton<ConsentTimers>();
        services.AddHostedService(sp => sp.GetRequiredService<ConsentTimers>());
        services.AddHostedService<Reconsent>();
        return services;
    }

    public static IEndpointRouteBuilder MapConsentsApi(this IEndpointRouteBuilder app)
    {
        var consents = app.MapGroup("/api/consents").WithTags("Consents");
        consents.MapPost("/", Create).RequireAuthorization(Policies.Coordinator).WithSummary("Start a consent for a patient; returns the tablet link.")
            .WithName("createConsent").Accepts<CreateConsentRequest>("application/json").ProducesSchema(StatusCodes.Status201Created, "CreatedConsent")
            .ProducesHeaders(StatusCodes.Status201Created, ApiHeaders.Location, ApiHeaders.ETag).AcceptsHeaders(ApiHeaders.DeviceId).ProducesProblems(400, 413, 415, 422);
        consents.MapGet("/", List).RequireAuthorization(Policies.CoordinatorOrClinician).WithSummary("The clinic's consents, filtered and paged.")
            .WithName("listConsents").Produces<ConsentPage>().ProducesProblems(400);
        consents.MapGet("/{id}", Get).RequireAuthorization(Policies.StaffOrTablet).WithSummary("One consent; ETag is its version.")
            .WithName("getConsent").Produces<ConsentView>().ProducesHeaders(StatusCodes.Status200OK, ApiHeaders.ETag).ProducesProblems(404);
        consents.MapPost("/{id}/steps/{stepId}", SubmitStep).RequireAuthorization(Policies.Tablet).WithSummary("Answer the current step (tablet).")
            .WithName("submitStep").AcceptsSchema("StepInput").DocumentedAsConsentCommand();
        consents.MapPost("/{id}/questions", (HttpContext h, string id, ConsentCommandPipeline p) =>
            Run<QuestionRequest>(h, id, p, JsonBody.SmallBody, r => new RaiseQuestion(r.Text))).RequireAuthorization(Policies.Tablet).WithSummary("The patient wants to talk to someone.")
            .DocumentedAsConsentCommand<QuestionRequest>("raiseQuestion");
        consents.MapPost("/{id}/resume", (HttpContext h, string id, ConsentCommandPipeline p) =>
            Run<ResumeRequest>(h, id, p, JsonBody.SmallBody, r => new ResumeAfterDiscussion(r.Note))).RequireAuthorization(Policies.CoordinatorOrClinician).WithSummary("Discussion held; the tablet continues.")
            .DocumentedAsConsentCommand<ResumeRequest>("resumeConsent");
        consents.MapPost("/{id}/countersign", (HttpContext h, string id, ConsentCommandPipeline p) =>
            Run<CountersignRequest>(h, id, p, JsonBody.SmallBody, r => new Countersign(r.Name, r.Attestation))).RequireAuthorization(Policies.Clinician).WithSummary("Clinician countersignature.")
            .DocumentedAsConsentCommand<CountersignRequest>("countersignConsent");
        consents.MapPost("/{id}/reaffirm", (HttpContext h, string id, ConsentCommandPipeline p) =>
            Run<ReaffirmRequest>(h, id, p, JsonBody.SmallBody, r => new Reaffirm(r.Confirmed))).RequireAuthorization(Policies.TabletOrClinician).WithSummary("Day-of-procedure reaffirmation.")
            .DocumentedAsConsentCommand<ReaffirmRequest>("reaffirmConsent");
        consents.MapPost("/{id}/withdraw", (HttpContext h, string id, ConsentCommandPipeline p) =>
            Run<WithdrawRequest>(h, id, p, JsonBody.SmallBody, r => new Withdraw(r.Reason))).RequireAuthorization(Policies.TabletOrCareTeam).WithSummary("Withdraw consent (reason code).")
            .DocumentedAsConsentCommand<WithdrawRequest>("withdrawConsent");
        consents.MapGet("/{id}/history", History).RequireAuthorization(Policies.CoordinatorOrClinician).WithSummary("Every event with its place in the hash chain.")
            .WithName("getConsentHistory").Produces<HistoryEntry[]>().ProducesProblems(404);
        consents.MapGet("/{id}/verify", Verify).RequireAuthorization(Policies.CoordinatorOrClinician).WithSummary("Recompute the hash chain from storage.")
            .WithName("verifyConsentChain").Produces<ChainCheck>().ProducesProblems(404);
        return app;
    }

    internal static string Clinic(HttpContext http) => http.User.FindFirst(StaffRoles.ClinicClaim)!.Value;

    private static async Task<IResult> Create(HttpContext http, IDocumentStore store, PublishedWorkflows workflows, TimeProvider clock)
    {
        var body = await JsonBody.ReadAsync<CreateConsentRequest>(http.Request, JsonBody.SmallBody);
        if (body.Problem is not null) return body.Problem;
        var request = body.Value!;
        if (PatientAndProcedureProblem(request.PatientId, request.ProcedureCode) is { } invalid) return invalid;
        if (workflows.Find(Clinic(http), request.WorkflowId) is not { } definition) return Problems.Field(StatusCodes.Status422UnprocessableEntity, "workflowId", $"No published workflow '{request.WorkflowId}'.");

        var started = await StartAsync(store, Clinic(http), Actor.From(http), definition, request, clock.GetUtcNow(), http.RequestAborted);
        if (started.Rejection is { } rejection) return ConsentCommandPipeline.Reject(rejection);
        var (record, token, id) = (started.Record!, started.TabletToken!, started.Record!.Id);

        var view = JsonSerializer.SerializeToNode(ConsentView.From(record, definition), JsonSerializerOptions.Web)!.AsObject();
        view["tabletToken"] = token;
        // The token rides in the fragment, which browsers never send to a server or write to its logs.
        view["tabletUrl"] = $"{http.Request.Scheme}://{http.Request.Host}/tablet#{token}";
        http.Response.Headers.ETag = $"\"{record.Version}\"";
        return new CreatedWithLocation($"/api/consents/{id}", view.ToJsonString());
    }

    /// <summary>What starting a consent made: the stored record and its tablet token (shown once, never stored), or why not.</summary>
    internal sealed record Started(ConsentRecord? Record, string? TabletToken, Rejection? Rejection);

    /// <summary>Starts a consent for a patient in one transaction with its first tablet link: for the API and the dashboard.</summary>
    internal static async Task<Started> StartAsync(
        IDocumentStore store, string clinic, Actor actor, Consent.Workflows.Definitions.WorkflowDefinition definition, CreateConsentRequest request, DateTimeOffset now, CancellationToken ct)
    {
        var representative = request.Representative is { } r ? new Representative(r.Name.Trim(), r.Relationship.Trim()) : null;
        var start = ConsentRuntime.Start(definition, new StartConsent(request.Locale, representative), now);
        if (start.Rejection is { } rejection) return new Started(null, null, rejection);

        var id = "cns_" + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(12));
        var (token, tablet, issued) = NewTabletLink(id, clinic, definition.Settings.TabletTokenLifetime, now);
        ConsentEvent[] events =
        [
            new ConsentOpened(id, clinic, request.PatientId, request.ProcedureCode, definition.Settings.ReminderAfter, now),
            .. start.Events,
            issued,
        ];
        await using var session = store.LightweightSession(clinic);
        var record = ConsentStreams.Append(session, ConsentRecord.None, actor, events, id);
        session.Store(tablet);
        await session.SaveChangesAsync(ct);
        return new Started(record, token, null);
    }

    /// <summary>A fresh tablet link for a consent: the token (handed out once), its stored session, and the event that records it.</summary>
    internal static (string Token, TabletSession Session, TabletLinkIssued Issued) NewTabletLink(string consentId, string clinic, TimeSpan lifetime, DateTimeOffset now)
    {
        var token = TabletSession.NewToken();
        var tablet = new TabletSession { Id = TabletSession.HashOf(token), ConsentId = consentId, ClinicId = clinic, ExpiresAt = now + lifetime };
        return (token, tablet, new TabletLinkIssued(tablet.Id, tablet.ExpiresAt, now));
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

    private static async Task<IResult> List(HttpContext http, IDocumentStore store, PublishedWorkflows workflows, TimeProvider clock,
        string? status, string? patientId, string? procedureCode, string? page, string? pageSize)
    {
        if (status is not null && ConsentStatusNames.FromContract(status) is null)
        {
            return Problems.Field(StatusCodes.Status400BadRequest, "status", "status is one of pending, in_progress, needs_discussion, awaiting_countersign, granted, declined, withdrawn, expired, superseded.");
        }
        if (!Positive(page, 1, int.MaxValue, out var pageNumber)) return Problems.Field(StatusCodes.Status400BadRequest, "page", "page is a whole number from 1.");
        if (!Positive(pageSize, 20, 100, out var size)) return Problems.Field(StatusCodes.Status400BadRequest, "pageSize", "pageSize is a whole number from 1 to 100.");
        await using var session = store.QuerySession(Clinic(http));
        var query = session.Query<ConsentSummary>().Where(s => true);
        if (status is not null) query = query.Where(s => s.Status == status);
        if (patientId is not null) query = query.Where(s => s.PatientId == patientId);
        if (procedureCode is not null) query = query.Where(s => s.ProcedureCode == procedureCode);
        var total = await query.CountAsync(http.RequestAborted);
        var rows = await query.OrderByDescending(s => s.UpdatedAt).Skip((pageNumber - 1) * size).Take(size).ToListAsync(http.RequestAborted);
        var items = rows.Select(s => ConsentView.From(s.Record, workflows.Find(s.Record.ClinicId, s.WorkflowId, s.WorkflowVersion), withStepBody: false)).ToList();
        await using (var audit = store.LightweightSession(Clinic(http)))
        {
            await RecordAccess(http, audit, "(list)", "list: " + string.Join(",", rows.Select(r => r.Id)), clock);
        }
        return Results.Ok(new { items, total });
    }

    /// <summary>A whole number from 1 to <paramref name="max"/> in a query parameter, or <paramref name="fallback"/> when absent.</summary>
    internal static bool Positive(string? text, int fallback, int max, out int value)
    {
        value = fallback;
        return text is null || (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value >= 1 && value <= max);
    }

    private static async Task<IResult> Get(HttpContext http, string id, IDocumentStore store, PublishedWorkflows workflows, TimeProvider clock)
    {
        await using var session = store.LightweightSession(Clinic(http));
        var summary = await session.LoadAsync<ConsentSummary>(id, http.RequestAborted);
        if (ConsentCommandPipeline.OutOfScope(http, id, summary?.Record) is { } refusal) return refusal;
        await RecordAccess(http, session, id, "consent", clock);
        http.Response.Headers.ETag = $"\"{summary!.Record.Version}\"";
        return Results.Ok(ConsentView.From(summary.Record, workflows.Find(summary.Record.ClinicId, summary.WorkflowId, summary.WorkflowVersion)));
    }

    private static async Task<IResult> SubmitStep(HttpContext http, string id, string stepId, ConsentCommandPipeline pipeline)
    {
        var body = await JsonBody.ReadAsync<StepInputRequest>(http.Request, StepBodyLimit);
        if (body.Problem is not null) return body.Problem;
        return await pipeline.ExecuteAsync(http, id, body.Raw, (record, definition, now) =>
        {
            // The input's shape follows the step named in the path; the runtime then checks it is the current one.
            var type = definition.FindStep(stepId)?.Type ?? Consent.Workflows.Definitions.StepType.Explain;
            var (input, stray) = body.Value!.For(type);
            return stray is not null
                ? Decision.Reject(RejectionCode.InvalidInput, stray, $"'{stray}' does not belong to a {type.ToString().ToLowerInvariant()} step: {ConsentRuntime.ExpectedInput(type)}.")
                : ConsentRuntime.Decide(definition, record.Runtime, new SubmitStep(stepId, input!), now);
        }, (session, after) => KeepSignatureImage(session, id, stepId, body.Value!.SignatureImage, after));
    }

    /// <summary>A signature's drawn image is stored beside the events (which hold its hash) in the same transaction.</summary>
    internal static void KeepSignatureImage(IDocumentSession session, string id, string stepId, string? image, ConsentRecord after)
    {
        if (image is not null && after.Runtime.Signatures.LastOrDefault() is { } signed && signed.StepId == stepId
            && ConsentRuntime.SignatureImage(image) is { } png)
        {
            session.Store(new SignatureImage { Id = signed.SignatureSha256, ConsentId = id, PngBase64 = Convert.ToBase64String(png) });
        }
    }

    private static async Task<IResult> Run<T>(HttpContext http, string id, ConsentCommandPipeline pipeline, int limit, Func<T, ConsentCommand> command) where T : class
    {
        var body = await JsonBody.ReadAsync<T>(http.Request, limit);
        if (body.Problem is not null) return body.Problem;
        return await pipeline.ExecuteAsync(http, id, body.Raw, (record, definition, now) =>
            ConsentRuntime.Decide(definition, record.Runtime, command(body.Value!), now));
    }

    private static async Task<IResult> History(HttpContext http, string id, IDocumentStore store, TimeProvider clock)
    {
        await using var session = store.LightweightSession(Clinic(http));
        var events = await session.Events.FetchStreamAsync(id, token: http.RequestAborted);
        if (events.Count == 0) return Problems.NotFound($"No consent '{id}'.");
        await RecordAccess(http, session, id, "history", clock);
        return Results.Ok(events.Select(e => new
        {
            seq = e.Version,
            type = e.EventTypeName,
            at = (e.Data as ConsentEvent)?.At ?? e.Timestamp,
            actor = new { sub = Header(e, "actor"), role = Header(e, "role"), device = Header(e, "device") },
            data = e.Data,
            prevHash = Header(e, ConsentStreams.PrevHashHeader),
            hash = Header(e, ConsentStreams.HashHeader),
        }));
    }

    private static string? Header(JasperFx.Events.IEvent e, string key) => e.Headers?.GetValueOrDefault(key)?.ToString();

    /// <summary>Recomputes the chain from the rows as PostgreSQL holds them, not from anything the service cached.</summary>
    private static async Task<IResult> Verify(HttpContext http, string id, EventLog log, IDocumentStore store, TimeProvider clock)
    {
        var clinic = Clinic(http);
        if (await log.ReadChainAsync(clinic, id, http.RequestAborted) is not { } chain) return Problems.NotFound($"No consent '{id}'.");
        await using (var session = store.LightweightSession(clinic))
        {
            await RecordAccess(http, session, id, "verify", clock);
        }
        var broken = EventChain.FirstBroken(chain.Links, chain.RecordedVersion);
        return Results.Ok(new { valid = broken is null, events = chain.Links.Count, brokenAtSeq = broken });
    }

    internal static async Task RecordAccess(HttpContext http, IDocumentSession session, string consentId, string what, TimeProvider clock)
    {
        if (http.User.IsInRole(StaffRoles.Tablet)) return;
        var actor = Actor.From(http);
        session.Store(new AccessRecord { Id = Guid.NewGuid(), ConsentId = consentId, Actor = actor.Subject, Role = actor.Role, What = what, At = clock.GetUtcNow() });
        await session.SaveChangesAsync(http.RequestAborted);
    }

    /// <summary>The one check of the ids other clinic systems send: a consent's patient and procedure, and the gate's question.</summary>
    internal static Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult? PatientAndProcedureProblem(string? patientId, string? procedureCode) =>
        PatientIdProblem(patientId) is { } patient ? Problems.Field(StatusCodes.Status400BadRequest, "patientId", patient)
        : ProcedureCodeProblem(procedureCode) is { } procedure ? Problems.Field(StatusCodes.Status400BadRequest, "procedureCode", procedure)
        : null;

    /// <summary>What is wrong with a patient id, or null when it is one.</summary>
    internal static string? PatientIdProblem(string? patientId) =>
        patientId is null || !ExternalId().IsMatch(patientId) ? "A patient id is 1 to 64 letters, digits, '.', '-' or '_'." : null;

    /// <summary>What is wrong with a procedure code, or null when it is one.</summary>
    internal static string? ProcedureCodeProblem(string? procedureCode) =>
        procedureCode is null || procedureCode.Length > 32 || !ExternalId().IsMatch(procedureCode) ? "A procedure code is 1 to 32 letters, digits, '.', '-' or '_'." : null;

    [GeneratedRegex("^[A-Za-z0-9._-]{1,64}$")]
    private static partial Regex ExternalId();
}

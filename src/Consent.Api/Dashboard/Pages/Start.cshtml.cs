using Consent.Api.Auth;
using Consent.Api.Consents;
using Consent.Api.Consents.AnsweringSteps;
using Consent.Api.Consents.Starting;
using Consent.Api.Workflows;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Consent.Api.Auditing;

namespace Consent.Api.Dashboard.Pages;

/// <summary>A coordinator starts a consent for a patient and hands its link to a tablet.</summary>
[Authorize(AuthenticationSchemes = DashboardSetup.CookieScheme, Policy = Policies.Coordinator)]
public sealed class StartModel(IDocumentStore store, PublishedWorkflows workflows, ConsentWriter writer, TimeProvider clock) : PageModel
{
    [BindProperty] public string? PatientId { get; set; }
    [BindProperty] public string? PatientName { get; set; }
    [BindProperty] public string? PatientBirthDate { get; set; }
    [BindProperty] public string? ProcedureCode { get; set; }
    [BindProperty] public string? WorkflowId { get; set; }
    [BindProperty] public string? Locale { get; set; }
    [BindProperty] public string? RepresentativeName { get; set; }
    [BindProperty] public string? RepresentativeRelationship { get; set; }

    public PublishedWorkflows Workflows => workflows;
    public (string Field, string Message)? Problem { get; private set; }
    public string? StartedId { get; private set; }
    public TabletLinkView? Link { get; private set; }

    public void OnGet() => ViewData["Nav"] = "start";

    public async Task<IActionResult> OnPostAsync()
    {
        ViewData["Nav"] = "start";
        Problem = Check();
        var (patient, patientProblem) = PatientDetails.Read(PatientName, PatientBirthDate, clock.GetUtcNow());
        Problem ??= patientProblem;
        if (Problem is not null || workflows.Find(User.FindFirst(StaffRoles.ClinicClaim)!.Value, WorkflowId!) is not { } definition)
        {
            Problem ??= ("workflowId", "Choose a workflow from the list.");
            Response.StatusCode = StatusCodes.Status422UnprocessableEntity;
            return Page();
        }
        var request = new CreateConsentRequest
        {
            PatientId = PatientId!.Trim(), ProcedureCode = ProcedureCode!.Trim(), WorkflowId = definition.Id, Locale = Locale ?? "",
            Representative = string.IsNullOrWhiteSpace(RepresentativeName) ? null : new RepresentativeRequest { Name = RepresentativeName, Relationship = RepresentativeRelationship ?? "" },
        };
        var clinic = User.FindFirst(StaffRoles.ClinicClaim)!.Value;
        var (outcome, token) = await StartingApi.StartAsync(writer, clinic, Actor.From(HttpContext), definition, request, patient, HttpContext.RequestAborted);
        if (!outcome.Stored)
        {
            Problem = outcome.Rejection is { } rejection ? (rejection.Field, rejection.Message) : ("patientId", "The consent could not be started; try again.");
            Response.StatusCode = StatusCodes.Status422UnprocessableEntity;
            return Page();
        }
        StartedId = outcome.After!.Id;
        Link = (await TabletLinkView.HandOverAsync(store, Request, token, outcome.After.TabletExpiresAt!.Value, clock.GetUtcNow(), HttpContext.RequestAborted))
            with { Patient = PatientLine.Of(outcome.After) };
        return Page();
    }

    private (string, string)? Check()
    {
        if (ExternalIds.PatientIdProblem(PatientId?.Trim()) is { } patient) return ("patientId", patient);
        if (ExternalIds.ProcedureCodeProblem(ProcedureCode?.Trim()) is { } procedure) return ("procedureCode", procedure);
        var hasName = !string.IsNullOrWhiteSpace(RepresentativeName);
        if (hasName != !string.IsNullOrWhiteSpace(RepresentativeRelationship)) return ("representative", "A representative needs both a name and their relationship to the patient.");
        if (hasName && (RepresentativeName!.Length > 200 || RepresentativeRelationship!.Length > 100)) return ("representative", "A representative's name is at most 200 characters, the relationship at most 100.");
        return null;
    }
}

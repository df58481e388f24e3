using System.Globalization;
using Consent.Api.Auditing;
using Consent.Api.Auth;
using Consent.Api.Clinics;
using Consent.Workflows.Clinics;
using Consent.Api.Consents;
using Consent.Api.Consents.AnsweringSteps;
using Consent.Api.Consents.Starting;
using Consent.Api.Gate;
using Consent.Api.Workflows;
using Consent.Workflows.Definitions;
using Consent.Workflows.Runtime;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Consent.Api.Dashboard.Pages;

/// <summary>
/// One consent for the care team: where the patient is, every event, answers, the gate and the subscribers'
/// confirmations, and the actions the user's role allows. Actions go through the same command pipeline as the API.
/// </summary>
[Authorize(AuthenticationSchemes = DashboardSetup.CookieScheme, Policy = Policies.CoordinatorOrClinician)]
public sealed class ConsentModel(
    IDocumentStore store, PublishedWorkflows workflows, ConsentWriter writer, GateReader gate, GateAckReader acks, StaffAccounts accounts, TimeProvider clock, ClinicSettings clocks, OidcSignatures oidcSignatures) : PageModel
{
    public static readonly IReadOnlyList<string> StaffWithdrawalReasons = ["patient_request", "changed_mind", "clinical_reason", "other_treatment", "not_eligible"];

    public ConsentSummary Consent { get; private set; } = null!;
    public WorkflowDefinition? Definition { get; private set; }
    public IReadOnlyList<JasperFx.Events.IEvent> Events { get; private set; } = [];
    public GateAnswer GateNow { get; private set; } = GateAnswer.NoConsent;
    public GateAnswer? GateAt { get; private set; }
    public GateAnswer? GateScheduled { get; private set; }
    public DateTimeOffset? At { get; private set; }
    public ConsentAcks? Acks { get; private set; }
    public TabletLinkView? Link { get; private set; }
    public string? Message { get; private set; }
    public (string Field, string Message)? Problem { get; private set; }
    public ConsentState State => Consent.Record.Runtime;
    public bool IsClinician => User.IsInRole(StaffRoles.Clinician);
    public DateTimeOffset Now => clock.GetUtcNow();
    public bool IsCoordinator => User.IsInRole(StaffRoles.Coordinator);
    /// <summary>The signed-in account's name: a staff signature is in it, never in a typed one.</summary>
    public string SignerName => User.FindFirst(RecentSignIn.NameClaim)?.Value ?? User.FindFirst(StaffRoles.SubjectClaim)?.Value ?? "";
    /// <summary>Which signing form a refused password belongs to, so that form opens again.</summary>
    public string? Signing { get; private set; }

    private string Clinic => User.FindFirst(StaffRoles.ClinicClaim)!.Value;

    /// <summary>The clinic's time zone: staff read and type its local times; the stored times stay UTC.</summary>
    public TimeZoneInfo Zone => clocks.ZoneOf(User);

    /// <summary>A stored time as the clinic's staff read it, with its offset.</summary>
    public string When(DateTimeOffset? at) => ClinicTime.Show(at, Zone);

    public async Task<IActionResult> OnGetAsync(string id, string? at, string? done, string? signature)
    {
        if (OidcSignatures.Words(signature) is { } refused) Problem = ("signature", refused);
        if (at is { Length: > 0 })
        {
            var reading = ClinicTime.FromLocal(at, Zone);
            At = reading.Utc;
            if (reading.Problem is { } problem) Problem = ("at", problem);
        }
        Message = done switch
        {
            "resumed" => "The discussion is recorded; the tablet goes on.",
            "countersigned" => "Countersigned.",
            "withdrawn" => "The consent is withdrawn; subscribers are told.",
            "revoked" => "The tablet link is revoked.",
            "scheduled" => "The procedure time is recorded.",
            "reaffirmed" => "The patient's reaffirmation is recorded.",
            _ => null,
        };
        return await LoadAsync(id) ? Page() : NotFound();
    }

    /// <summary>
    /// The newest stored event's position: a page that (re)connects to live updates asks it once, so an update sent while
    /// it was loading or reconnecting is not missed. A number only, no patient data.
    /// </summary>
    public async Task<IActionResult> OnGetSequenceAsync(string id)
    {
        await using var session = store.QuerySession(Clinic);
        var events = await session.Events.FetchStreamAsync(id, token: HttpContext.RequestAborted);
        return events.Count == 0 ? NotFound() : new JsonResult(new { sequence = events.Max(e => e.Sequence) });
    }

    public Task<IActionResult> OnPostResumeAsync(string id, long version, string? note) =>
        ActAsync(id, version, "resumed", new RuntimeChange(new ResumeAfterDiscussion(note)));

    public async Task<IActionResult> OnPostCountersignAsync(string id, long version, string? attestation, string? password)
    {
        if (!IsClinician) return Forbid();
        bool? attested = attestation == "yes" ? true : null;
        if (oidcSignatures.Applies(User)) return await oidcSignatures.BeginAsync(HttpContext, id, version, StaffSigned.Countersign, attested, null);
        var (signer, refused) = await SignerAsync(id, "countersign", password);
        return refused ?? await ActAsync(id, version, DoneWord(StaffSigned.Countersign), SignedChange(StaffSigned.Countersign, attested, null, signer!));
    }

    /// <summary>The booked procedure time, typed in the clinic's local time and stored as UTC, so the gate's answer for it is in view.</summary>
    public Task<IActionResult> OnPostScheduleAsync(string id, long version, string? scheduledFor)
    {
        var reading = ClinicTime.FromLocal(scheduledFor, Zone);
        return ActAsync(id, version, "scheduled", new ScheduleProcedure(reading.Utc, reading.Problem ?? ""));
    }

    /// <summary>A clinician records the patient's day-of-procedure reaffirmation, as the API's reaffirm does, and signs it.</summary>
    public async Task<IActionResult> OnPostReaffirmAsync(string id, long version, string? confirmed, string? password)
    {
        if (!IsClinician) return Forbid();
        bool? yes = confirmed == "yes" ? true : null;
        if (oidcSignatures.Applies(User)) return await oidcSignatures.BeginAsync(HttpContext, id, version, StaffSigned.Reaffirm, yes, null);
        var (signer, refused) = await SignerAsync(id, "reaffirm", password);
        return refused ?? await ActAsync(id, version, DoneWord(StaffSigned.Reaffirm), SignedChange(StaffSigned.Reaffirm, yes, null, signer!));
    }

    public async Task<IActionResult> OnPostWithdrawAsync(string id, long version, string? reason, string? confirm, string? password)
    {
        if (confirm != "yes") return await RefuseAsync(id, "withdraw", "confirm", "Tick the box to confirm the withdrawal; nothing was changed.");
        if (oidcSignatures.Applies(User)) return await oidcSignatures.BeginAsync(HttpContext, id, version, StaffSigned.Withdraw, null, reason);
        var (signer, refused) = await SignerAsync(id, "withdraw", password);
        return refused ?? await ActAsync(id, version, DoneWord(StaffSigned.Withdraw), SignedChange(StaffSigned.Withdraw, null, reason, signer!));
    }

    /// <summary>The signed act as a change, the same whether the password or a fresh sign-in at the authority proved the signer.</summary>
    public static ConsentChange SignedChange(string act, bool? confirmed, string? reason, StaffSigner signer) => act switch
    {
        StaffSigned.Countersign => new RuntimeChange(new Countersign(signer, confirmed)),
        StaffSigned.Reaffirm => new RuntimeChange(new Reaffirm(confirmed, signer)),
        _ => new WithdrawForPatient(reason, StaffWithdrawalReasons, "Choose a reason from the list.", signer),
    };

    /// <summary>The page's word for a signed act once it is stored.</summary>
    public static string DoneWord(string act) => act switch
    {
        StaffSigned.Countersign => "countersigned",
        StaffSigned.Reaffirm => "reaffirmed",
        _ => "withdrawn",
    };

    /// <summary>
    /// The signer, proved by the password typed again at signing (21 CFR 11.200) and checked like a sign-in: a wrong one
    /// counts towards the account's lockout and stores nothing.
    /// </summary>
    private async Task<(StaffSigner? Signer, IActionResult? Refused)> SignerAsync(string id, string form, string? password)
    {
        if (string.IsNullOrEmpty(password)) return (null, await RefuseAsync(id, form, "password", "Type your password again to sign; nothing was signed."));
        var address = HttpContext.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        var account = await accounts.VerifyAsync(User.FindFirst(StaffRoles.SubjectClaim)?.Value, password, address, HttpContext.RequestAborted);
        if (account is null || account.ClinicId != Clinic)
        {
            return (null, await RefuseAsync(id, form, "password", "That password is not right for the signed-in account; nothing was signed. Repeated failures lock the account."));
        }
        return (new StaffSigner(account.Id, account.DisplayName, StaffSigner.PasswordReentry, clock.GetUtcNow()), null);
    }

    private async Task<IActionResult> RefuseAsync(string id, string form, string field, string message)
    {
        if (!await LoadAsync(id)) return NotFound();
        Signing = form;
        Problem = (field, message);
        Response.StatusCode = StatusCodes.Status422UnprocessableEntity;
        return Page();
    }

    public Task<IActionResult> OnPostRevokeAsync(string id, long version) =>
        !IsCoordinator ? Task.FromResult<IActionResult>(Forbid()) : ActAsync(id, version, "revoked", new RevokeTabletLink());

    /// <summary>A new tablet link (the old one stops at once), shown here once.</summary>
    public async Task<IActionResult> OnPostReissueAsync(string id, long version, string? reason, string? confirm)
    {
        if (!IsCoordinator) return Forbid();
        var token = TabletSession.NewToken();
        var open = await LoadAsync(id) && HasOpenTabletSession;
        var outcome = await WriteAsync(id, version, new ReplaceTabletLink(TabletSession.HashOf(token), NullIfEmpty(reason), confirm == "yes", open));
        if (!outcome.Stored) return await AfterRefusalAsync(id, outcome);
        Link = (await TabletLinkView.HandOverAsync(store, Request, token, outcome.After!.TabletExpiresAt!.Value, clock.GetUtcNow(), HttpContext.RequestAborted))
            with { Patient = PatientLine.Of(outcome.After) };
        Message = "A new tablet link is issued; the old one no longer opens anything.";
        await LoadAsync(id);
        return Page();
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    /// <summary>Whether the current link is open on a tablet (a patient may be reading), so a new link must say why and be confirmed.</summary>
    public bool HasOpenTabletSession { get; private set; }

    private async Task<bool> TabletInUseAsync(ConsentRecord record)
    {
        if (record.TabletTokenSha256 is not { } link || record.Runtime.Status.IsFinal()) return false;
        // The clinic's session: a tablet link is stored in its clinic's database.
        await using var session = store.QuerySession(Clinic);
        return await session.LoadAsync<TabletSession>(link, HttpContext.RequestAborted) is { BoundDevice: not null } used && used.IsUsable(Now);
    }

    /// <summary>Re-consent: a consent that ended (superseded, expired, withdrawn, declined) is started again on the workflow's latest version.</summary>
    public async Task<IActionResult> OnPostResendAsync(string id)
    {
        if (!IsCoordinator) return Forbid();
        if (!await LoadAsync(id)) return NotFound();
        if (!State.Status.IsFinal() || workflows.Find(Clinic, State.WorkflowId) is not { } latest)
        {
            Problem = ("status", "Only a consent that has ended can be sent again.");
            Response.StatusCode = StatusCodes.Status409Conflict;
            return Page();
        }
        var request = new CreateConsentRequest
        {
            PatientId = Consent.PatientId, ProcedureCode = Consent.ProcedureCode, WorkflowId = latest.Id, Locale = State.Locale,
            Representative = State.Representative is { } r ? new RepresentativeRequest { Name = r.Name, Relationship = r.Relationship } : null,
        };
        var patient = Consent.Record.PatientName is { } name ? new PatientDetails(name, Consent.Record.PatientBirthDate) : null;
        var (outcome, token) = await StartingApi.StartAsync(writer, Clinic, Actor.From(HttpContext), latest, request, patient, HttpContext.RequestAborted);
        if (!outcome.Stored) return BadRequest();
        Link = (await TabletLinkView.HandOverAsync(store, Request, token, outcome.After!.TabletExpiresAt!.Value, clock.GetUtcNow(), HttpContext.RequestAborted))
            with { Patient = PatientLine.Of(outcome.After) };
        await LoadAsync(outcome.After.Id);
        Message = $"A new consent is started on version {latest.Version} for the same patient and procedure.";
        return Page();
    }

    private async Task<IActionResult> ActAsync(string id, long version, string done, ConsentChange change)
    {
        var outcome = await WriteAsync(id, version, change);
        return outcome.Stored ? Redirect($"/dashboard/consents/{id}?done={done}") : await AfterRefusalAsync(id, outcome);
    }

    /// <summary>A page's form carries the version it was drawn from, so a second tap or a re-posted form changes nothing.</summary>
    private Task<WriteOutcome> WriteAsync(string id, long version, ConsentChange change) =>
        writer.WriteAsync(new ConsentWrite(Clinic, id, Actor.From(HttpContext), change) { ExpectedVersion = version }, HttpContext.RequestAborted);

    private async Task<IActionResult> AfterRefusalAsync(string id, WriteOutcome outcome)
    {
        if (!await LoadAsync(id)) return NotFound();
        Problem = outcome.Rejection is { } r ? (r.Field, r.Message) : ("version", "The consent changed while you were looking at it; here it is as it is now.");
        Response.StatusCode = outcome.Rejection?.Code == RejectionCode.InvalidInput ? StatusCodes.Status422UnprocessableEntity : StatusCodes.Status409Conflict;
        return Page();
    }

    private async Task<bool> LoadAsync(string id)
    {
        await using var session = store.LightweightSession(Clinic);
        if (await session.LoadAsync<ConsentSummary>(id, HttpContext.RequestAborted) is not { } summary) return false;
        Consent = summary;
        Definition = workflows.Catalog.Find(summary.WorkflowId, summary.WorkflowVersion);
        Events = await session.Events.FetchStreamAsync(id, token: HttpContext.RequestAborted);
        var inputs = await gate.ReadAsync(Clinic, summary.PatientId, summary.ProcedureCode, HttpContext.RequestAborted);
        GateNow = GateRules.Evaluate(inputs.Candidates, clock.GetUtcNow());
        GateAt = At is { } at ? GateRules.Evaluate(inputs.Candidates, at) : null;
        GateScheduled = summary.Record.ScheduledFor is { } scheduled ? GateRules.Evaluate(inputs.Candidates, scheduled) : null;
        Acks = await acks.ForConsentAsync(Clinic, summary, HttpContext.RequestAborted);
        HasOpenTabletSession = await TabletInUseAsync(summary.Record);
        await AccessLog.RecordAsync(HttpContext, session, id, "dashboard consent", clock);
        return true;
    }

    public string? CurrentStepTitle => State.CurrentStepId is { } step && Definition?.FindStep(step) is { } s ? s.Title.For("en", Definition.DefaultLocale) : null;

    /// <summary>The tablet's own measure, so the patient and staff read the same progress.</summary>
    public SteadyProgress Progress => Definition is null ? new SteadyProgress(0, 0) : Navigation.Steady(Definition, State);

    /// <summary>The risks acknowledged, in the order the patient read them (the stored state keeps no order), with the initials that count.</summary>
    public IEnumerable<(string StepId, string Initials)> RisksInOrder => Events.Select(e => e.Data).OfType<RiskAcknowledged>()
        .Select(r => r.StepId).Distinct(StringComparer.Ordinal).Where(State.RiskInitials.ContainsKey).Select(id => (id, State.RiskInitials[id]));

    public string StepTitle(string stepId) => Definition?.FindStep(stepId)?.Title.For("en", Definition.DefaultLocale) ?? stepId;

    public static string Header(JasperFx.Events.IEvent e, string key) => e.Headers?.GetValueOrDefault(key)?.ToString() ?? "";

    /// <summary>How a staff signer proved it was them at signing, in words.</summary>
    public static string AuthMethodText(StaffSigned s) => s.AuthMethod switch
    {
        StaffSigner.PasswordReentry => $"password re-entered at {s.AuthenticatedAt.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC",
        StaffSigner.TokenAuthTime => $"signed in at {s.AuthenticatedAt.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC (token auth_time)",
        OidcSignatures.AuthMethod => $"signed in again at the sign-in service at {s.AuthenticatedAt.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC",
        _ => s.AuthMethod,
    };

    /// <summary>An event in a few words for the timeline.</summary>
    public string Describe(JasperFx.Events.IEvent e) => e.Data switch
    {
        ConsentOpened => "Consent opened",
        ConsentStarted s => $"Started on {s.WorkflowId} v{s.WorkflowVersion} in {StaffLabels.Language(s.Locale)}",
        TabletLinkIssued t => $"Tablet link issued (ends {When(t.ExpiresAt)})",
        TabletLinkRevoked => "Tablet link revoked",
        TabletLinkReplaced r => $"Open tablet session ended for a new link: {StaffLabels.Reason(r.ReasonCode)}",
        SectionRead r => $"Read: {StepTitle(r.StepId)}",
        RiskAcknowledged r => $"Risk acknowledged ({r.Initials}): {StepTitle(r.StepId)}",
        QuizAnswered q => $"Quiz {(q.Correct ? "answered correctly" : "answered wrongly")} (attempt {q.Attempt}): {StepTitle(q.StepId)}",
        ExplanationReopened r => $"Explanation shown again: {StepTitle(r.StepId)}",
        QuizAttemptsExhausted x => $"Quiz attempts used up ({x.Attempts}): a person must talk with the patient",
        ChoiceMade c => $"Chose {c.OptionId}: {StepTitle(c.StepId)}",
        ProvisionAnswered p => $"{(p.Accepted ? "Allowed" : "Did not allow")}: {StepTitle(p.StepId)}",
        DecisionRequested => "Asked to stop: taken to the decision",
        StopRequested r => $"Did not want to go on (at {StepTitle(r.FromStepId)}): shown the choice to read on, talk or decline",
        ReadingContinued r => $"Went back to reading: {StepTitle(r.StepId)}",
        StaffSigned s => $"Signed by {s.SignerName} ({s.AccountId}) to {s.Act}: \"{s.Meaning}\" — {AuthMethodText(s)}",
        DecisionRecorded d => d.Consented ? "Decided yes" : "Decided no",
        global::Consent.Workflows.Runtime.ConsentDeclined => "Declined",
        ConsentSigned s => $"Signed by {s.SignerName} as {s.SignerRole}{(s.Relationship is null ? "" : $" ({s.Relationship})")}",
        CountersignRequested => "Awaiting countersignature",
        ConsentCountersigned c => $"Countersigned by {c.ClinicianName}",
        global::Consent.Workflows.Runtime.ConsentGranted g => $"Granted: valid {When(g.ValidFrom)} to {When(g.ValidUntil)}",
        QuestionRaised q => $"Question raised: \"{q.Text}\"",
        DiscussionResumed r => $"Discussion held{(r.Note.Length > 0 ? $": \"{r.Note}\"" : "")}",
        PatientIdentified => "Patient's name and date of birth recorded",
        PatientIdentityConfirmed => "The patient confirmed on the tablet that this is them",
        PatientIdentityRejected => "\"This is not me\" on the tablet: the tablet link ended",
        ProcedureScheduled p => $"Procedure booked for {When(p.ScheduledFor)}",
        LocaleChanged l => $"Language changed from {StaffLabels.Language(l.FromLocale)} to {StaffLabels.Language(l.Locale)}",
        ConsentReaffirmed => "Reaffirmed",
        global::Consent.Workflows.Runtime.ConsentWithdrawn w => $"Withdrawn: {StaffLabels.Reason(w.ReasonCode)}",
        CoolingOffEnded => "Cooling-off period ended",
        global::Consent.Workflows.Runtime.ConsentExpired => "Expired",
        ReminderDue => "Reminder: idle too long",
        ConsentSuperseded s => $"Superseded by v{s.ToVersion} ({string.Join(", ", s.ChangedSections)})",
        _ => e.EventTypeName,
    };
}

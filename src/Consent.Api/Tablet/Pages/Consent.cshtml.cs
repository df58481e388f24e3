using Consent.Api.Auth;
using Consent.Api.Consents;
using Consent.Api.Workflows;
using Consent.Workflows.Definitions;
using Consent.Workflows.Runtime;
using Marten;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;
using Consent.Api.Auditing;

namespace Consent.Api.Tablet.Pages;

/// <summary>
/// One screen per step of the patient's own consent, and the screens around the steps (waiting for someone,
/// signed, withdrawing). Every answer goes through the same command pipeline as the JSON API; a form carries the
/// version it was drawn from, so a double tap or a re-posted form changes nothing.
/// </summary>
public sealed class ConsentModel(
    IDocumentStore store, PublishedWorkflows workflows, ConsentWriter writer, IOptions<TabletUiSettings> settings) : TabletPage(store, workflows, settings)
{
    public ConsentState State => Record.Runtime;
    /// <summary>The step shown: the current one, or an earlier one being reread.</summary>
    public StepDefinition? Step { get; private set; }
    public bool Reviewing { get; private set; }
    /// <summary><c>ask</c> or <c>withdraw</c> when the patient opened one of those screens.</summary>
    public string? Mode { get; private set; }
    public string? Feedback { get; private set; }
    public string? ErrorField { get; private set; }
    public IReadOnlyList<StepDefinition> Reread { get; private set; } = [];
    public SteadyProgress Progress { get; private set; } = new(0, 0);
    /// <summary>The patient said "I do not want to go on": the neutral screen is shown instead of a step.</summary>
    public bool Stopped { get; private set; }

    private string ConsentId => User.FindFirst(TabletClaims.Consent)!.Value;

    public async Task<IActionResult> OnGetAsync(string? review, string? mode, string? feedback)
    {
        if (await LoadAsync() is { } elsewhere) return elsewhere;
        Mode = mode is "ask" or "withdraw" ? mode : null;
        Feedback = feedback == "correct" ? feedback : null;
        if (review is not null && !Stopped && Reread.FirstOrDefault(s => s.Id == review) is { } earlier)
        {
            Step = earlier;
            Reviewing = true;
        }
        return Page();
    }

    /// <summary>Polled while the patient waits for staff, so the screen moves on by itself when they are done.</summary>
    public async Task<IActionResult> OnGetVersionAsync()
    {
        await using var session = Store.QuerySession(User.FindFirst(StaffRoles.ClinicClaim)!.Value);
        var summary = await session.LoadAsync<ConsentSummary>(ConsentId, HttpContext.RequestAborted);
        return new JsonResult(new { version = summary?.Record.Version ?? 0 });
    }

    public Task<IActionResult> OnPostStepAsync(string? stepId, long version) =>
        stepId is null ? Task.FromResult<IActionResult>(Redirect("/tablet/consent")) : ActAsync(version, new AnswerStep(stepId, new TabletFormAnswer(Request.Form)));

    public Task<IActionResult> OnPostQuestionAsync(long version, string? text) => ActAsync(version, new AskQuestion(text));

    public Task<IActionResult> OnPostStopAsync(long version) => ActAsync(version, new RuntimeChange(new StopGoingOn()));

    /// <summary>From the neutral stop screen: back to the step where the patient stopped.</summary>
    public Task<IActionResult> OnPostContinueAsync(long version) => ActAsync(version, new RuntimeChange(new ContinueReading()));

    /// <summary>From the neutral stop screen: the patient declines; recorded as a decline, never as a decision.</summary>
    public Task<IActionResult> OnPostDeclineAsync(long version) => ActAsync(version, new RuntimeChange(new DeclineAfterStopping()));

    public Task<IActionResult> OnPostLocaleAsync(long version, string? locale) => ActAsync(version, new RuntimeChange(new ChangeLocale(locale)));

    public Task<IActionResult> OnPostWithdrawAsync(long version, string? reason) =>
        ActAsync(version, new WithdrawForPatient(reason, TabletText.WithdrawalReasons, "Choose a reason."));

    public async Task<IActionResult> OnPostFinishAsync(string? lang)
    {
        await HttpContext.SignOutAsync(TabletUi.CookieScheme);
        return Redirect("/tablet/ended?why=finished&lang=" + TabletText.Known(lang));
    }

    /// <summary>A finished consent's screen left untouched: the session ends, so the next person sees nothing of it.</summary>
    public Task<IActionResult> OnPostIdleEndAsync(string? lang) => OnPostFinishAsync(lang);

    private async Task<IActionResult> ActAsync(long version, ConsentChange change)
    {
        var write = new ConsentWrite(User.FindFirst(StaffRoles.ClinicClaim)!.Value, ConsentId, Actor.From(HttpContext), change)
        {
            Tablet = TabletScope.Of(User), ExpectedVersion = version,
        };
        var outcome = await writer.WriteAsync(write, HttpContext.RequestAborted);
        if (outcome.Rejection is { Code: RejectionCode.InvalidInput } invalid)
        {
            // The same screen again, saying what to fix; nothing was stored.
            if (await LoadAsync() is { } elsewhere) return elsewhere;
            ErrorField = invalid.Field;
            Mode = invalid.Field switch { "text" => "ask", "reason" => "withdraw", _ => null };
            Response.StatusCode = StatusCodes.Status422UnprocessableEntity;
            return Page();
        }
        var quizPassed = change is AnswerStep answered && outcome.Stored && outcome.After!.Runtime.Completed.Contains(answered.StepId)
            && outcome.Definition?.FindStep(answered.StepId)?.Type == StepType.Quiz;
        // Stale forms, double taps and refusals all end on the consent as it is now.
        return Redirect(quizPassed ? "/tablet/consent?feedback=correct" : "/tablet/consent");
    }

    /// <summary>Loads the consent this session may show; anything else ends the session on a screen saying why.</summary>
    private async Task<IActionResult?> LoadAsync()
    {
        if (!await LoadOwnAsync())
        {
            await HttpContext.SignOutAsync(TabletUi.CookieScheme);
            return Redirect("/tablet/ended");
        }
        var (record, definition) = (Record, Definition);
        if (record.Runtime.Status.IsFinal())
        {
            // Nothing of the consent is shown once it has ended; the link is already revoked.
            await HttpContext.SignOutAsync(TabletUi.CookieScheme);
            var why = record.Runtime.Status is ConsentStatus.Declined or ConsentStatus.Withdrawn ? record.Runtime.Status.ToContract() : "ended";
            return Redirect($"/tablet/ended?why={why}&lang={record.Runtime.Locale}");
        }
        // Whom the form is for comes first: "Is this you?" once per tablet link.
        if (record.AsksIdentity) return Redirect("/tablet/identity");
        // A step is answered only while the consent is open for answers; waiting for someone keeps its place.
        Stopped = ConsentRuntime.StoppedAt(definition, State) is not null;
        Step = !Stopped && State.Status is ConsentStatus.Pending or ConsentStatus.InProgress && State.CurrentStepId is { } id ? definition.FindStep(id) : null;
        Progress = Navigation.Steady(definition, State);
        Reread = Navigation.Reread(definition, State);
        return null;
    }

    /// <summary>The earlier step "Back" goes to from the step shown, if any.</summary>
    public StepDefinition? BackTarget() => Navigation.BackTarget(Definition, State, Step, Reviewing);

    /// <summary>While rereading: the next earlier step, or null when the next one is where the patient is.</summary>
    public StepDefinition? ForwardTarget() => Navigation.ForwardTarget(Definition, State, Step, Reviewing);

    /// <summary>After a wrong quiz answer the runtime re-opens the quiz's explanation; the screen says so kindly.</summary>
    public bool ReopenedAfterWrongAnswer =>
        !Reviewing && Step is not null && State.ReturnToStepId is { } quizId && Definition.FindStep(quizId) is { Type: StepType.Quiz } quiz
        && quiz.Explanation == Step.Id && State.WrongAnswers.GetValueOrDefault(quizId) > 0;

    /// <summary>"Risk 2 of 5" among the risks on this patient's path.</summary>
    public (int Number, int Of) RiskPosition() => Navigation.RiskPosition(Definition, State, Step?.Id);

    public bool CanSwitchLanguage => State.Status is ConsentStatus.Pending or ConsentStatus.InProgress or ConsentStatus.NeedsDiscussion or ConsentStatus.AwaitingCountersign
        && Definition.Locales.Length > 1;
}

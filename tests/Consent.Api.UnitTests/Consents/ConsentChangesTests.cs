using Consent.Api.Consents;
using Consent.Api.Consents.AnsweringSteps;
using Consent.Api.UnitTests.Support;
using Consent.Workflows.Definitions;
using Consent.Workflows.Runtime;

namespace Consent.Api.UnitTests.Consents;

/// <summary>The service's own decisions on one consent (<see cref="ConsentChange"/>), each on a record folded from real events.</summary>
public sealed class ConsentChangesTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);
    private static readonly WorkflowDefinition Workflow = Support.Workflows.StemCellMs;

    private static OpenConsent Open(string locale = "en") =>
        new("cns_test", "demo", "P-1", "MSC", Workflow, new StartConsent(locale, null), "token-sha");

    /// <summary>A consent just opened, folded through the one fold the service uses.</summary>
    private static ConsentRecord Opened()
    {
        var decision = Open().Decide(ConsentRecord.None, Workflow, Now);
        decision.Accepted.ShouldBeTrue();
        return decision.Events.Aggregate(ConsentRecord.None, (record, e) => record.Apply(e));
    }

    private static ConsentRecord InStatus(ConsentStatus status) => Opened() with { Runtime = Opened().Runtime with { Status = status } };

    public static TheoryData<ConsentStatus> FinalStatuses => [.. Enum.GetValues<ConsentStatus>().Where(s => s.IsFinal())];

    public static TheoryData<ConsentStatus> OpenStatuses => [.. Enum.GetValues<ConsentStatus>().Where(s => !s.IsFinal())];

    [Fact]
    public void Opening_a_consent_records_who_it_is_for_starts_the_workflow_and_issues_the_first_tablet_link()
    {
        var decision = Open().Decide(ConsentRecord.None, Workflow, Now);

        decision.Accepted.ShouldBeTrue();
        decision.Events.Length.ShouldBe(3);
        decision.Events[0].ShouldBe(new ConsentOpened("cns_test", "demo", "P-1", "MSC", Workflow.Settings.ReminderAfter, Now));
        var started = decision.Events[1].ShouldBeOfType<ConsentStarted>();
        (started.WorkflowId, started.WorkflowVersion, started.Locale, started.FirstStepId).ShouldBe((Workflow.Id, Workflow.Version, "en", Navigation.FirstStep(Workflow)));
        decision.Events[2].ShouldBe(new TabletLinkIssued("token-sha", Now + Workflow.Settings.TabletTokenLifetime, Now));

        var record = Opened();
        (record.Id, record.ClinicId, record.PatientId, record.TabletTokenSha256, record.Runtime.Status).ShouldBe(("cns_test", "demo", "P-1", "token-sha", ConsentStatus.Pending));
        Open().Creates.ShouldBeTrue();
        Open().Definition.ShouldBe(Workflow);
    }

    [Fact]
    public void Opening_in_a_language_the_workflow_lacks_is_refused_with_nothing_stored()
    {
        var decision = Open("xx").Decide(ConsentRecord.None, Workflow, Now);
        decision.Events.ShouldBeEmpty();
        (decision.Rejection!.Code, decision.Rejection.Field).ShouldBe((RejectionCode.InvalidInput, "locale"));
    }

    [Fact]
    public void New_consent_ids_are_random_and_carry_no_patient_data()
    {
        var ids = Enumerable.Range(0, 50).Select(_ => OpenConsent.NewId()).ToList();
        ids.Distinct().Count().ShouldBe(50);
        ids.ShouldAllBe(id => System.Text.RegularExpressions.Regex.IsMatch(id, "^cns_[0-9a-f]{24}$"));
    }

    [Theory]
    [MemberData(nameof(FinalStatuses))]
    public void A_new_tablet_link_is_refused_once_the_consent_has_ended(ConsentStatus status)
    {
        var decision = new IssueTabletLink("new-sha").Decide(InStatus(status), Workflow, Now);
        (decision.Rejection!.Code, decision.Rejection.Field).ShouldBe((RejectionCode.NotAllowedInStatus, "status"));
        decision.Events.ShouldBeEmpty();
    }

    [Theory]
    [MemberData(nameof(OpenStatuses))]
    public void A_new_tablet_link_replaces_the_current_one_while_the_consent_is_open(ConsentStatus status)
    {
        var decision = new IssueTabletLink("new-sha").Decide(InStatus(status), Workflow, Now);
        decision.Events.ShouldBe([new TabletLinkIssued("new-sha", Now + Workflow.Settings.TabletTokenLifetime, Now)]);
    }

    [Fact]
    public void Revoking_needs_a_current_link_and_then_leaves_none()
    {
        var record = Opened();
        var revoke = new RevokeTabletLink().Decide(record, Workflow, Now);
        revoke.Events.ShouldBe([new TabletLinkRevoked(Now)]);

        var revoked = record.Apply(revoke.Events[0]);
        revoked.TabletTokenSha256.ShouldBeNull();
        var again = new RevokeTabletLink().Decide(revoked, Workflow, Now);
        (again.Rejection!.Code, again.Rejection.Field).ShouldBe((RejectionCode.NotAllowedInStatus, "tablet"));
    }

    [Fact]
    public void Scheduling_stores_the_time_sent_refuses_what_is_not_a_time_and_refuses_an_ended_consent()
    {
        var when = Now.AddDays(7);
        new ScheduleProcedure(when, "hint").Decide(Opened(), Workflow, Now).Events.ShouldBe([new ProcedureScheduled(when, Now)]);

        var invalid = new ScheduleProcedure(null, "Use an ISO 8601 time.").Decide(Opened(), Workflow, Now);
        invalid.Rejection.ShouldBe(new Rejection(RejectionCode.InvalidInput, "scheduledFor", "Use an ISO 8601 time."));

        foreach (var status in Enum.GetValues<ConsentStatus>().Where(s => s.IsFinal()))
        {
            var ended = new ScheduleProcedure(when, "hint").Decide(InStatus(status), Workflow, Now);
            (ended.Rejection!.Code, ended.Rejection.Field).ShouldBe((RejectionCode.NotAllowedInStatus, "status"), status.ToString());
        }
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("because I said so")]
    [InlineData("CHANGED_MIND")]
    public void A_withdrawal_reason_outside_the_offered_list_is_refused_naming_the_reason(string? reason)
    {
        var decision = new WithdrawForPatient(reason, ["changed_mind", "patient_request"], "Choose a reason.").Decide(Opened(), Workflow, Now);
        decision.Rejection.ShouldBe(new Rejection(RejectionCode.InvalidInput, "reason", "Choose a reason."));
    }

    [Fact]
    public void A_withdrawal_reason_from_the_list_withdraws_with_that_code() =>
        new WithdrawForPatient("patient_request", ["changed_mind", "patient_request"], "Choose a reason.").Decide(Opened(), Workflow, Now)
            .Events.ShouldContain(new ConsentWithdrawn("patient_request", Now));

    [Fact]
    public void An_answer_with_a_field_that_does_not_belong_to_the_step_named_is_refused_naming_that_field()
    {
        var first = Opened().Runtime.CurrentStepId!;
        Workflow.FindStep(first)!.Type.ShouldBe(StepType.Explain);

        var stray = new AnswerStep(first, new StepInputRequest { Acknowledged = true, Initials = "JD" }).Decide(Opened(), Workflow, Now);
        (stray.Rejection!.Code, stray.Rejection.Field).ShouldBe((RejectionCode.InvalidInput, "initials"));
        stray.Rejection.Message.ShouldContain("explain step");

        var fine = new AnswerStep(first, new StepInputRequest { Acknowledged = true }).Decide(Opened(), Workflow, Now);
        fine.Events.ShouldHaveSingleItem().ShouldBeOfType<SectionRead>().StepId.ShouldBe(first);
    }
}

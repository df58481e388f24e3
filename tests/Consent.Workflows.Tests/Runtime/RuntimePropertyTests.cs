using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Consent.Workflows.Definitions;
using Consent.Workflows.Loading;
using Consent.Workflows.Runtime;
using Consent.Workflows.Tests.Support;
using CsCheck;

namespace Consent.Workflows.Tests.Runtime;

/// <summary>Invariants that hold for any sequence of inputs, valid or not, in any order, on every workflow.</summary>
public sealed class RuntimePropertyTests
{
    // One generated action: which kind of command, plus random numbers that pick its details.
    public sealed record Action(int Kind, int A, int B, int Minutes);

    public sealed record Run(int Workflow, bool WithRepresentative, List<Action> Actions);

    /// <summary>What one command did: the state before and after, and every event up to and including its own.</summary>
    private sealed record Step(WorkflowDefinition Definition, ConsentState Before, ConsentCommand Command, DateTimeOffset Now, Decision Decision, ConsentState After, IReadOnlyList<ConsentEvent> History);

    private static WorkflowDefinition[] Definitions => [Shipped.StemCellMs, Shipped.LumbarPuncture, .. TestWorkflows.All];

    private static readonly Gen<Action> GenAction = Gen.Select(Gen.Int[0, 19], Gen.Int[0, 99], Gen.Int[0, 99], Gen.Int[0, 60 * 24 * 40],
        (kind, a, b, minutes) => new Action(kind, a, b, minutes));

    private static readonly Gen<Run> GenRun = Gen.Select(Gen.Int[0, 4], Gen.Bool, GenAction.List[1, 150], (w, rep, actions) => new Run(w, rep, actions));

    /// <summary>Mostly sensible input for the current step, sometimes wrong, sometimes another command entirely.</summary>
    private static ConsentCommand Command(WorkflowDefinition d, ConsentState state, Action a)
    {
        var current = ConsentRuntime.CurrentStep(d, state);
        var step = a.B < 85 && current is not null ? current : d.Steps[a.A % d.Steps.Length];
        return a.Kind switch
        {
            <= 9 => new SubmitStep(a.B > 97 ? "unknown-step" : step.Id, Input(step, a)),
            10 => new RaiseQuestion(a.A % 2 == 0 ? "a question" : null),
            11 => new ResumeAfterDiscussion(a.A % 50 == 0 ? new string('x', 3000) : "discussed"),
            12 => new StopGoingOn(),
            13 => new Countersign(a.A % 3 == 0 ? null : Walker.Clinician, a.B % 4 != 0, a.A % 7 == 0 ? "Dr. Jane Smith" : null),
            14 => new Withdraw(a.A % 5 == 0 ? "free text reason" : "patient_request"),
            15 => new Reaffirm(a.A % 3 != 0),
            16 => new Supersede(d.Version + a.A % 2, ["decision"]),
            17 => new ContinueReading(),
            18 => new DeclineAfterStopping(),
            _ => new Tick(),
        };
    }

    private static StepInput Input(StepDefinition step, Action a)
    {
        if (a.A >= 75) return Invalid(a.B);
        var role = step.SignerRoles.IsDefaultOrEmpty ? "patient" : step.SignerRoles[a.B % step.SignerRoles.Length].ToString().ToLowerInvariant();
        return step.Type switch
        {
            StepType.Explain => new ExplainInput(true),
            StepType.Risk => new RiskInput(true, "AB"),
            StepType.Quiz => new QuizInput(a.B < 70 ? step.CorrectOption : step.Options[a.B % step.Options.Length].Id),
            StepType.Choice => new ChoiceInput(step.Options[a.B % step.Options.Length].Id),
            StepType.Provision => new ProvisionInput(a.B % 2 == 0),
            StepType.Decision => new DecisionInput(a.B < 80),
            _ => new SignatureInput("Jane Doe", role, DrawnSignature.FromDataUrl(Walker.SignaturePng), true),
        };
    }

    private static StepInput Invalid(int pick) => (pick % 8) switch
    {
        0 => new ExplainInput(false),
        1 => new RiskInput(true, "12"),
        2 => new QuizInput("nonsense"),
        3 => new ChoiceInput(null),
        4 => new SignatureInput("Jane", "patient", DrawnSignature.FromDataUrl("data:image/png;base64,AAAA"), true),
        5 => new SignatureInput("Jane", "patient", DrawnSignature.FromDataUrl(Walker.SignaturePng), false),
        6 => new RiskInput(null, "AB"),
        _ => new DecisionInput(null),
    };

    private static void Walk(Run run, Action<Step> check)
    {
        var d = Definitions[run.Workflow];
        var now = Walker.T0;
        var history = ConsentRuntime.Start(d, new StartConsent("en", run.WithRepresentative ? new Representative("John Doe", "parent") : null), now).Events.ToList();
        var state = ConsentRuntime.Replay(history);
        foreach (var action in run.Actions)
        {
            now = now.AddMinutes(action.Minutes % 7 == 0 ? action.Minutes : action.Minutes % 30);
            var command = Command(d, state, action);
            var decision = ConsentRuntime.Decide(d, state, command, now);
            var after = decision.Events.Aggregate(state, ConsentRuntime.Evolve);
            history.AddRange(decision.Events);
            check(new Step(d, state, command, now, decision, after, history));
            state = after;
        }
    }

    [Fact]
    public void No_consent_is_granted_without_every_applicable_risk_quiz_decision_and_signature()
    {
        var granted = 0;
        GenRun.Sample(run => Walk(run, step =>
        {
            if (step.Before.Status is ConsentStatus.AwaitingCountersign or ConsentStatus.Granted || step.After.Status is not (ConsentStatus.AwaitingCountersign or ConsentStatus.Granted)) return;
            Interlocked.Increment(ref granted);
            // Proved from the events, not from the runtime's own bookkeeping of what was completed.
            var events = step.History;
            foreach (var s in Navigation.Path(step.Definition, step.After.Choices))
            {
                switch (s.Type)
                {
                    case StepType.Risk:
                        events.OfType<RiskAcknowledged>().ShouldContain(r => r.StepId == s.Id && r.Initials.Length > 0, $"risk {s.Id}");
                        break;
                    case StepType.Quiz:
                        var answers = events.OfType<QuizAnswered>().Where(q => q.StepId == s.Id).ToList();
                        answers.ShouldNotBeEmpty($"quiz {s.Id}");
                        answers[^1].Correct.ShouldBeTrue($"quiz {s.Id}");
                        break;
                    case StepType.Signature:
                        var signed = events.OfType<ConsentSigned>().Last(e => e.StepId == s.Id);
                        signed.StatementSha256.ShouldBe(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(s.Statement.For("en", "en")))));
                        signed.SignatureSha256.Length.ShouldBe(64);
                        s.SignerRoles.Select(r => r.ToString().ToLowerInvariant()).ShouldContain(signed.SignerRole);
                        break;
                }
            }
            events.OfType<DecisionRecorded>().Last().Consented.ShouldBeTrue();
            events.OfType<ConsentDeclined>().ShouldBeEmpty();
        }), iter: 400);
        // The generator must actually reach signed consents, or the property above proves nothing.
        granted.ShouldBeGreaterThan(20);
    }

    [Fact]
    public void A_consent_is_recorded_only_at_the_decision_step_reached_in_order()
    {
        var yes = 0;
        GenRun.Sample(run => Walk(run, step =>
        {
            if (!step.Decision.Events.OfType<DecisionRecorded>().Any(d => d.Consented)) return;
            Interlocked.Increment(ref yes);
            var path = Navigation.Path(step.Definition, step.Before.Choices);
            var decision = path.First(s => s.Type == StepType.Decision);
            foreach (var before in path.TakeWhile(s => s != decision))
            {
                step.Before.Completed.ShouldContain(before.Id, $"'{before.Id}' comes before the decision");
            }
            step.Before.StoppedAtStepId.ShouldBeNull();
        }), iter: 400);
        yes.ShouldBeGreaterThan(20);
    }

    [Fact]
    public void Stopping_decides_nothing_and_the_neutral_screen_is_left_only_by_reading_on_talking_declining_or_withdrawing()
    {
        var stops = 0;
        GenRun.Sample(run => Walk(run, step =>
        {
            if (step.Command is StopGoingOn or ContinueReading or DeclineAfterStopping)
            {
                step.Decision.Events.ShouldAllBe(e => e is StopRequested || e is ReadingContinued || e is ConsentDeclined);
                step.After.Consented.ShouldBe(step.Before.Consented);
                step.After.Completed.ShouldBe(step.Before.Completed);
            }
            if (step.Command is StopGoingOn && step.Decision.Accepted && step.Before.Status is ConsentStatus.Pending or ConsentStatus.InProgress)
            {
                Interlocked.Increment(ref stops);
                ConsentRuntime.StoppedAt(step.Definition, step.After).ShouldBe(step.Before.StoppedAtStepId ?? step.Before.CurrentStepId, "every tap shows the neutral screen");
                step.After.CurrentStepId.ShouldBe(step.Before.CurrentStepId);
            }
            if (ConsentRuntime.StoppedAt(step.Definition, step.Before) is not null && ConsentRuntime.StoppedAt(step.Definition, step.After) is null)
            {
                step.Decision.Events.ShouldContain(e => e is ReadingContinued || e is QuestionRaised || e is QuizAttemptsExhausted || e is ConsentDeclined || e is ConsentWithdrawn || e is ConsentExpired);
            }
        }), iter: 400);
        stops.ShouldBeGreaterThan(20);
    }

    [Fact]
    public void Every_staff_act_is_signed_by_the_account_with_its_meaning_and_how_it_authenticated() =>
        GenRun.Sample(run => Walk(run, step =>
        {
            var events = step.Decision.Events;
            for (var i = 0; i < events.Length; i++)
            {
                if (events[i] is ConsentCountersigned c)
                {
                    var signed = events[i - 1].ShouldBeOfType<StaffSigned>();
                    (signed.Act, signed.AccountId, signed.SignerName, signed.AuthMethod).ShouldBe((StaffSigned.Countersign, "rivera", "Dr. Rivera", StaffSigner.PasswordReentry));
                    c.ClinicianName.ShouldBe(signed.SignerName, "the name is the account's, never a typed one");
                    signed.Meaning.ShouldBe(StaffSignatureMeanings.Countersign);
                }
            }
            if (step.Command is Countersign { Signer: null } or Countersign { Name: "Dr. Jane Smith" }) step.Decision.Accepted.ShouldBeFalse();
        }), iter: 300);

    [Fact]
    public void A_rejected_command_appends_nothing_and_says_precisely_why() =>
        GenRun.Sample(run => Walk(run, step =>
        {
            if (step.Decision.Rejection is not { } rejection) return;
            step.Decision.Events.ShouldBeEmpty();
            step.After.ShouldBe(step.Before);
            rejection.Field.ShouldNotBeNullOrWhiteSpace();
            rejection.Message.ShouldNotBeNullOrWhiteSpace();
            rejection.Code.ShouldNotBe(RejectionCode.WrongDefinition);
            if (rejection.Code == RejectionCode.StepNotCurrent) rejection.CurrentStepId.ShouldBe(step.Before.CurrentStepId);
        }), iter: 300);

    [Fact]
    public void A_final_status_never_changes_again_and_granted_is_left_only_for_one() =>
        GenRun.Sample(run => Walk(run, step =>
        {
            if (step.Before.Status.IsFinal()) step.Decision.Events.ShouldBeEmpty();
            if (step.Before.Status == ConsentStatus.Granted && step.After.Status != ConsentStatus.Granted) step.After.Status.IsFinal().ShouldBeTrue();
        }), iter: 200);

    [Fact]
    public void Deciding_is_deterministic_and_a_tick_acts_exactly_when_the_next_timer_is_due() =>
        GenRun.Sample(run => Walk(run, step =>
        {
            var again = ConsentRuntime.Decide(step.Definition, step.Before, step.Command, step.Now);
            Json(again.Events).ShouldBe(Json(step.Decision.Events));
            again.Rejection.ShouldBe(step.Decision.Rejection);
            if (step.Command is not Tick) return;
            var due = ConsentRuntime.NextTimer(step.Definition.Settings, step.Before);
            step.Decision.Events.IsEmpty.ShouldBe(due is null || step.Now < due, $"due {due}, now {step.Now}, status {step.Before.Status}");
        }), iter: 200);

    [Fact]
    public void Replaying_the_events_rebuilds_the_same_state() =>
        GenRun.Sample(run =>
        {
            Step? last = null;
            Walk(run, step => last = step);
            Json(ConsentRuntime.Replay(last!.History)).ShouldBe(Json(last.After));
        }, iter: 300);

    [Fact]
    public void An_instance_keeps_its_version_after_a_new_version_is_published() =>
        GenRun.Sample(run => Walk(run, step =>
        {
            var d = step.Definition;
            var v2 = d with { Version = d.Version + 1, Title = new LocalizedText(d.Title.ByLocale.SetItem("en", "Renamed")) };
            v2 = v2 with { ContentHash = ContentHash.Of(v2) };
            ConsentRuntime.Decide(v2, step.Before, step.Command, step.Now).Rejection!.Code.ShouldBe(RejectionCode.WrongDefinition);
            step.Decision.Rejection?.Code.ShouldNotBe(RejectionCode.WrongDefinition);
            (step.After.WorkflowId, step.After.WorkflowVersion, step.After.ContentHash).ShouldBe((d.Id, d.Version, d.ContentHash));
        }), iter: 100);

    private static string Json(ConsentState state) => JsonSerializer.Serialize(state);

    private static string Json(IEnumerable<ConsentEvent> events) => string.Join('\n', events.Select(e => JsonSerializer.Serialize(e, e.GetType())));
}

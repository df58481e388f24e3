using System.Text.Json;
using Consent.Workflows.Definitions;
using Consent.Workflows.Loading;
using Consent.Workflows.Runtime;
using Consent.Workflows.Tests.Support;
using CsCheck;

namespace Consent.Workflows.Tests.Runtime;

/// <summary>Invariants that hold for any sequence of inputs, valid or not, in any order.</summary>
public sealed class RuntimePropertyTests
{
    // One generated action: which kind of command, plus random numbers that pick its details.
    public sealed record Action(int Kind, int A, int B, int Minutes);

    private static readonly Gen<Action> GenAction = Gen.Select(Gen.Int[0, 15], Gen.Int[0, 99], Gen.Int[0, 99], Gen.Int[0, 60 * 24 * 40],
        (kind, a, b, minutes) => new Action(kind, a, b, minutes));

    private static readonly Gen<(bool StemCell, List<Action> Actions)> GenRun = Gen.Select(Gen.Bool, GenAction.List[1, 120]);

    /// <summary>Mostly sensible input for the current step, sometimes wrong, sometimes another command entirely.</summary>
    private static ConsentCommand Command(WorkflowDefinition d, ConsentState state, Action a)
    {
        var current = state.CurrentStepId is { } id ? d.FindStep(id) : null;
        var anyStep = d.Steps[a.A % d.Steps.Length];
        var step = a.B < 85 && current is not null ? current : anyStep;
        return a.Kind switch
        {
            <= 8 => new SubmitStep(a.B > 97 ? "unknown-step" : step.Id, Input(step, a)),
            9 => new RaiseQuestion(a.A % 2 == 0 ? "a question" : null),
            10 => new ResumeAfterDiscussion("discussed"),
            11 => new GoToDecision(),
            12 => new Countersign(a.A % 3 == 0 ? "" : "Dr. Rivera", a.B % 4 != 0),
            13 => new Withdraw(a.A % 5 == 0 ? "free text reason" : "patient_request"),
            14 => new Reaffirm(a.A % 3 != 0),
            _ => new Tick(),
        };
    }

    private static StepInput Input(StepDefinition step, Action a)
    {
        var valid = a.A < 75;
        return (step.Type, valid) switch
        {
            (StepType.Explain, true) => new ExplainInput(true),
            (StepType.Risk, true) => new RiskInput(true, "AB"),
            (StepType.Quiz, true) => new QuizInput(a.B < 70 ? step.CorrectOption : step.Options[a.B % step.Options.Length].Id),
            (StepType.Choice, true) => new ChoiceInput(step.Options[a.B % step.Options.Length].Id),
            (StepType.Provision, true) => new ProvisionInput(a.B % 2 == 0),
            (StepType.Decision, true) => new DecisionInput(a.B < 80),
            (StepType.Signature, true) => new SignatureInput("Jane Doe", "patient", Walker.SignaturePng, true),
            _ => (a.B % 6) switch
            {
                0 => new ExplainInput(false),
                1 => new RiskInput(true, "12"),
                2 => new QuizInput("nonsense"),
                3 => new ChoiceInput(null),
                4 => new SignatureInput("Jane", "patient", "data:image/png;base64,AAAA", true),
                _ => new DecisionInput(null),
            },
        };
    }

    private static void Run((bool StemCell, List<Action> Actions) run, Action<WorkflowDefinition, ConsentState, ConsentCommand, Decision, ConsentState> check)
    {
        var d = run.StemCell ? Shipped.StemCellMs : Shipped.LumbarPuncture;
        var now = Walker.T0;
        var state = ConsentState.Replay(ConsentRuntime.Start(d, new StartConsent("en", null), now).Events);
        foreach (var action in run.Actions)
        {
            now = now.AddMinutes(action.Minutes % 7 == 0 ? action.Minutes : action.Minutes % 30);
            var command = Command(d, state, action);
            var decision = ConsentRuntime.Decide(d, state, command, now);
            var after = decision.Events.Aggregate(state, (s, e) => s.Evolve(e));
            check(d, state, command, decision, after);
            state = after;
        }
    }

    [Fact]
    public void No_consent_is_granted_without_every_applicable_risk_quiz_decision_and_signature()
    {
        var signedRuns = 0;
        GenRun.Sample(run => Run(run, (d, _, _, _, after) =>
        {
            if (after.Status is not (ConsentStatus.AwaitingCountersign or ConsentStatus.Granted) && after.GrantedAt is null) return;
            Interlocked.Increment(ref signedRuns);
            var path = Navigation.Path(d, after.Choices);
            foreach (var step in path)
            {
                after.Completed.ShouldContain(step.Id, $"{step.Type} step {step.Id} was not completed");
                if (step.Type == StepType.Risk) after.RiskInitials.ShouldContainKey(step.Id);
            }
            after.Consented.ShouldBe(true);
            after.Signatures.ShouldNotBeEmpty();
            after.WrongAnswers.Keys.Where(q => path.Any(s => s.Id == q)).ShouldBeEmpty("every quiz on the path was answered right last");
        }), iter: 300);
        // The generator must actually reach signed consents, or the property above proves nothing.
        signedRuns.ShouldBeGreaterThan(0);
    }

    [Fact]
    public void A_rejected_input_appends_nothing() =>
        GenRun.Sample(run => Run(run, (_, before, _, decision, after) =>
        {
            if (decision.Accepted) return;
            decision.Events.ShouldBeEmpty();
            after.ShouldBeSameAs(before);
        }), iter: 200);

    [Fact]
    public void Replaying_the_events_rebuilds_the_same_state() =>
        GenRun.Sample(run =>
        {
            var events = new List<ConsentEvent>();
            ConsentState? last = null;
            Run(run, (_, _, _, decision, after) =>
            {
                events.AddRange(decision.Events);
                last = after;
            });
            var d = run.StemCell ? Shipped.StemCellMs : Shipped.LumbarPuncture;
            var replayed = ConsentState.Replay(ConsentRuntime.Start(d, new StartConsent("en", null), Walker.T0).Events.Concat(events));
            Json(replayed).ShouldBe(Json(last!));
        }, iter: 200);

    [Fact]
    public void An_instance_keeps_its_version_after_a_new_version_is_published() =>
        GenRun.Sample(run =>
        {
            var v1 = run.StemCell ? Shipped.StemCellMs : Shipped.LumbarPuncture;
            var yaml = File.ReadAllText(v1.Source.File).Replace("version: 1", "version: 2", StringComparison.Ordinal).Replace("Your decision", "Your choice", StringComparison.Ordinal);
            var v2 = WorkflowLoader.Parse(yaml, "v2.yaml").Definition!;
            Run(run, (d, before, command, decision, _) =>
            {
                ConsentRuntime.Decide(v2, before, command, Walker.T0).Rejection!.Code.ShouldBe(RejectionCode.WrongDefinition);
                before.WorkflowVersion.ShouldBe(1);
                before.ContentHash.ShouldBe(v1.ContentHash);
            });
        }, iter: 50);

    private static string Json(ConsentState state) => JsonSerializer.Serialize(state with { });
}

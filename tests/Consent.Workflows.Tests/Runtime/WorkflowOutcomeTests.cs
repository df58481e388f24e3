using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Consent.Workflows.Definitions;
using Consent.Workflows.Runtime;
using Consent.Workflows.Tests.Support;

namespace Consent.Workflows.Tests.Runtime;

/// <summary>Every route (each combination of choice options) of every workflow, shipped or built in code, to every outcome.</summary>
public sealed class WorkflowOutcomeTests
{
    public enum Outcome
    {
        Granted, Declined, DeclinedWithoutGoingOn, WithdrawnBeforeGrant, WithdrawnAfterGrant, Expired, Superseded,
        GrantedAfterWrongAnswersAndADiscussion, GrantedAfterAQuestionAndADiscussion,
    }

    private static IEnumerable<WorkflowDefinition> Workflows => [Shipped.StemCellMs, Shipped.LumbarPuncture, .. TestWorkflows.All];

    public static TheoryData<string, string, Outcome> Paths()
    {
        var data = new TheoryData<string, string, Outcome>();
        foreach (var definition in Workflows)
        {
            foreach (var route in Routes(definition))
            {
                foreach (var outcome in Enum.GetValues<Outcome>()) data.Add(definition.Id, route, outcome);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void Every_route_of_every_workflow_reaches_every_outcome(string workflowId, string route, Outcome outcome)
    {
        var walk = new Walker(Workflows.Single(d => d.Id == workflowId));
        var choices = route.Split(';', StringSplitOptions.RemoveEmptyEntries).Select(c => c.Split('=')).ToDictionary(c => c[0], c => c[1]);

        Reach(walk, choices, outcome);

        walk.State.Status.ShouldBe(outcome switch
        {
            Outcome.Declined or Outcome.DeclinedWithoutGoingOn => ConsentStatus.Declined,
            Outcome.WithdrawnBeforeGrant or Outcome.WithdrawnAfterGrant => ConsentStatus.Withdrawn,
            Outcome.Expired => ConsentStatus.Expired,
            Outcome.Superseded => ConsentStatus.Superseded,
            _ => ConsentStatus.Granted,
        });
        ConsentRuntime.WaitingFor(walk.Definition, walk.State).ShouldBeNull();
        if (walk.State.Status.IsFinal())
        {
            walk.Send(new Withdraw("patient_request")).Rejection!.Code.ShouldBe(RejectionCode.NotAllowedInStatus);
            walk.Send(new Tick()).Events.ShouldBeEmpty();
        }
        JsonSerializer.Serialize(ConsentRuntime.Replay(walk.Events)).ShouldBe(JsonSerializer.Serialize(walk.State));
    }

    private static void Reach(Walker walk, Dictionary<string, string> choices, Outcome outcome)
    {
        switch (outcome)
        {
            case Outcome.Granted:
                Grant(walk, choices);
                break;
            case Outcome.Declined:
                walk.Complete(choices, consent: false);
                walk.Events.OfType<DecisionRecorded>().Single().Consented.ShouldBeFalse();
                walk.Events[^1].ShouldBeOfType<ConsentDeclined>();
                walk.Events.OfType<ConsentSigned>().ShouldBeEmpty();
                break;
            case Outcome.DeclinedWithoutGoingOn:
                walk.AnswerCurrent(choices);
                walk.Send(new StopGoingOn()).Accepted.ShouldBeTrue();
                walk.Send(new DeclineAfterStopping()).Accepted.ShouldBeTrue();
                walk.Events.OfType<DecisionRecorded>().ShouldBeEmpty();
                break;
            case Outcome.WithdrawnBeforeGrant:
                AnswerWhile(walk, choices, () => walk.State.Completed.Count < Navigation.Path(walk.Definition, walk.State.Choices).Count / 2);
                walk.Send(new Withdraw("changed_mind")).Accepted.ShouldBeTrue();
                walk.Submit(new ExplainInput(true)).Rejection!.Code.ShouldBe(RejectionCode.NotAllowedInStatus);
                break;
            case Outcome.WithdrawnAfterGrant:
                Grant(walk, choices);
                walk.Send(new Withdraw("clinical_reason")).Accepted.ShouldBeTrue();
                walk.State.WithdrawalReason.ShouldBe("clinical_reason");
                break;
            case Outcome.Expired:
                Grant(walk, choices);
                walk.Now = walk.State.ValidUntil!.Value.AddSeconds(-1);
                walk.Send(new Tick()).Events.OfType<ConsentExpired>().ShouldBeEmpty();
                walk.Now = walk.State.ValidUntil!.Value;
                walk.Send(new Tick()).Events[^1].ShouldBeOfType<ConsentExpired>();
                break;
            case Outcome.Superseded:
                Grant(walk, choices);
                walk.Send(new Supersede(walk.Definition.Version + 1, ["decision"])).Accepted.ShouldBeTrue();
                walk.State.SupersededBy.ShouldBe(walk.Definition.Version + 1);
                break;
            case Outcome.GrantedAfterWrongAnswersAndADiscussion:
                FailFirstQuiz(walk, choices);
                Grant(walk, choices);
                break;
            case Outcome.GrantedAfterAQuestionAndADiscussion:
                AnswerWhile(walk, choices, () => walk.State.Completed.Count < 2);
                var paused = walk.State.CurrentStepId;
                walk.Send(new RaiseQuestion("Will it hurt?")).Accepted.ShouldBeTrue();
                ConsentRuntime.WaitingFor(walk.Definition, walk.State).ShouldBe(new Bookmark(BookmarkKind.Discussion, paused, null));
                walk.Send(new ResumeAfterDiscussion("Talked it through")).Accepted.ShouldBeTrue();
                walk.State.CurrentStepId.ShouldBe(paused);
                Grant(walk, choices);
                break;
        }
    }

    /// <summary>Answers the first quiz on the route wrong up to its limit, re-reading its explanation in between, then resumes.</summary>
    private static void FailFirstQuiz(Walker walk, Dictionary<string, string> choices)
    {
        AnswerWhile(walk, choices, () => walk.Current!.Type != StepType.Quiz);
        var quiz = walk.Current!;
        var limit = quiz.AttemptLimit(walk.Definition.Settings);
        for (var attempt = 1; attempt <= limit; attempt++)
        {
            walk.Submit(new QuizInput(quiz.Options.First(o => o.Id != quiz.CorrectOption).Id)).Accepted.ShouldBeTrue();
            walk.State.CurrentStepId.ShouldBe(quiz.Explanation ?? quiz.Id);
            if (attempt == limit) break;
            walk.State.Status.ShouldBe(ConsentStatus.InProgress);
            if (quiz.Explanation is not null) walk.AnswerCurrent();
            walk.State.CurrentStepId.ShouldBe(quiz.Id);
        }
        walk.State.Status.ShouldBe(ConsentStatus.NeedsDiscussion);
        walk.State.WrongAnswers[quiz.Id].ShouldBe(limit);
        walk.Events.OfType<QuizAttemptsExhausted>().Single().Attempts.ShouldBe(limit);
        walk.Send(new ResumeAfterDiscussion("Went through it together")).Accepted.ShouldBeTrue();
        walk.State.WrongAnswers.ShouldNotContainKey(quiz.Id);
    }

    /// <summary>Completes the route and, where the workflow asks for one, the clinician's countersignature; checks what was granted.</summary>
    private static void Grant(Walker walk, Dictionary<string, string> choices)
    {
        var d = walk.Definition;
        walk.Complete(choices);
        if (d.Settings.CountersignRequired)
        {
            walk.State.Status.ShouldBe(ConsentStatus.AwaitingCountersign);
            ConsentRuntime.WaitingFor(d, walk.State).ShouldBe(new Bookmark(BookmarkKind.Countersign, null, null));
            walk.Now = walk.Now.AddMinutes(30);
            walk.Send(new Countersign(Walker.Clinician, true)).Accepted.ShouldBeTrue();
        }
        var state = walk.State;
        state.Status.ShouldBe(ConsentStatus.Granted);
        state.GrantedAt.ShouldBe(walk.Now);
        state.ValidFrom.ShouldBe(walk.Now + d.Settings.CoolingOff);
        state.ValidUntil.ShouldBe(walk.Now + d.Settings.Validity);

        var path = Navigation.Path(d, state.Choices);
        walk.Events.OfType<ChoiceMade>().Select(c => c.OptionId).ShouldBe(choices.Values, ignoreOrder: true);
        walk.Events.Select(StepOf).OfType<string>().ShouldAllBe(id => path.Any(s => s.Id == id), "no step off the route is shown");
        foreach (var step in path)
        {
            switch (step.Type)
            {
                case StepType.Risk:
                    walk.Events.OfType<RiskAcknowledged>().ShouldContain(r => r.StepId == step.Id);
                    break;
                case StepType.Quiz:
                    walk.Events.OfType<QuizAnswered>().Last(q => q.StepId == step.Id).Correct.ShouldBeTrue();
                    break;
                case StepType.Decision:
                    walk.Events.OfType<DecisionRecorded>().Last().Consented.ShouldBeTrue();
                    break;
                case StepType.Signature:
                    var signed = walk.Events.OfType<ConsentSigned>().Single(s => s.StepId == step.Id);
                    signed.Statement.ShouldBe(step.Statement.For("en", "en"));
                    signed.StatementSha256.ShouldBe(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(signed.Statement))));
                    break;
            }
        }
    }

    private static string? StepOf(ConsentEvent e) => e switch
    {
        SectionRead s => s.StepId, RiskAcknowledged r => r.StepId, QuizAnswered q => q.StepId, ChoiceMade c => c.StepId,
        ProvisionAnswered p => p.StepId, DecisionRecorded d => d.StepId, ConsentSigned s => s.StepId, _ => null,
    };

    private static void AnswerWhile(Walker walk, Dictionary<string, string> choices, Func<bool> condition)
    {
        for (var guard = 0; condition(); guard++)
        {
            guard.ShouldBeLessThan(200);
            walk.AnswerCurrent(choices);
        }
    }

    /// <summary>Every combination of choice options, as "step=option;…" so that a theory row names its route.</summary>
    private static IEnumerable<string> Routes(WorkflowDefinition definition) =>
        definition.Steps.Where(s => s.Type == StepType.Choice).Aggregate(
            (IEnumerable<string>)[""],
            (routes, choice) => routes.SelectMany(r => choice.Options.Select(o => $"{r}{choice.Id}={o.Id};")));
}

using Consent.Workflows.Definitions;
using Consent.Workflows.Runtime;
using Consent.Workflows.Tests.Support;

namespace Consent.Workflows.Tests.Runtime;

/// <summary>The tablet's Back, Next-while-rereading and risk counter (<see cref="Navigation"/>), on walks through the runtime.</summary>
public sealed class TabletNavigationTests
{
    private static readonly Dictionary<string, string> RouteA = new() { ["route"] = "a" };
    private static readonly Dictionary<string, string> RouteB = new() { ["route"] = "b" };

    private static string? Id(StepDefinition? step) => step?.Id;

    private static string[] Ids(IEnumerable<StepDefinition> steps) => [.. steps.Select(s => s.Id)];

    [Fact]
    public void Nothing_can_be_reread_or_gone_back_to_before_the_first_step_is_done()
    {
        var walk = new Walker(TestWorkflows.Branching);
        Navigation.Reread(walk.Definition, walk.State).ShouldBeEmpty();
        Navigation.BackTarget(walk.Definition, walk.State, walk.Current, rereading: false).ShouldBeNull();
        Navigation.BackTarget(walk.Definition, walk.State, null, rereading: false).ShouldBeNull();
    }

    [Fact]
    public void The_steps_to_reread_are_those_done_on_the_patient_s_own_path_in_order_without_the_current_one()
    {
        var a = new Walker(TestWorkflows.Branching).Until("quiz", RouteA);
        Ids(Navigation.Reread(a.Definition, a.State)).ShouldBe(["intro", "route", "a-info", "a-risk"]);

        var b = new Walker(TestWorkflows.Branching).Until("quiz", RouteB);
        Ids(Navigation.Reread(b.Definition, b.State)).ShouldBe(["intro", "route", "b-info", "b-risk", "b-aftercare"], "option b jumps past a-info");
    }

    [Fact]
    public void Back_from_the_current_step_goes_to_the_last_step_done_before_it_and_with_none_shown_to_the_last_done()
    {
        var walk = new Walker(TestWorkflows.Branching).Until("quiz", RouteB);
        Id(Navigation.BackTarget(walk.Definition, walk.State, walk.Current, rereading: false)).ShouldBe("b-aftercare");

        walk.Send(new RaiseQuestion("What is this?")).Accepted.ShouldBeTrue();
        walk.State.Status.ShouldBe(ConsentStatus.NeedsDiscussion);
        Id(Navigation.BackTarget(walk.Definition, walk.State, null, rereading: false)).ShouldBe("b-aftercare", "waiting for someone, the patient may still reread");
    }

    [Fact]
    public void While_rereading_back_and_next_move_one_step_along_the_steps_done_and_next_stops_before_the_current_step()
    {
        var walk = new Walker(TestWorkflows.Branching).Until("quiz", RouteA);
        var reread = Navigation.Reread(walk.Definition, walk.State);
        for (var i = 0; i < reread.Count; i++)
        {
            Id(Navigation.BackTarget(walk.Definition, walk.State, reread[i], rereading: true)).ShouldBe(i > 0 ? reread[i - 1].Id : null);
            Id(Navigation.ForwardTarget(walk.Definition, walk.State, reread[i], rereading: true)).ShouldBe(i + 1 < reread.Count ? reread[i + 1].Id : null);
        }
        Navigation.ForwardTarget(walk.Definition, walk.State, walk.Current, rereading: false).ShouldBeNull("next while not rereading is the form's own button");
        Navigation.ForwardTarget(walk.Definition, walk.State, null, rereading: true).ShouldBeNull();
    }

    [Fact]
    public void After_a_wrong_quiz_answer_next_never_reads_past_the_reopened_explanation()
    {
        var walk = new Walker(TestWorkflows.Branching).Until("quiz", RouteA);
        var quiz = walk.Current!;
        walk.Submit(new QuizInput(quiz.Options.First(o => o.Id != quiz.CorrectOption).Id)).Accepted.ShouldBeTrue();
        walk.State.CurrentStepId.ShouldBe("intro", "the quiz re-opens its explanation");

        var reread = Navigation.Reread(walk.Definition, walk.State);
        reread.ShouldNotContain(s => s.Id == "intro");
        foreach (var step in reread)
        {
            Navigation.ForwardTarget(walk.Definition, walk.State, step, rereading: true).ShouldBeNull($"{step.Id} is past where the patient is");
        }
    }

    [Fact]
    public void The_risk_counter_counts_only_the_risks_on_the_patient_s_path()
    {
        var walk = new Walker(Shipped.StemCellMs);
        var delivery = walk.Definition.Steps.First(s => s.Type == StepType.Choice);
        var choice = new Dictionary<string, string> { [delivery.Id] = delivery.Options[0].Id };
        walk.Until(delivery.Id).AnswerCurrent(choice);

        var risks = walk.Definition.Steps.Where(s => s.Type == StepType.Risk && s.AppliesTo(walk.State.Choices)).ToList();
        risks.Count.ShouldBeGreaterThan(1);
        risks.Count.ShouldBeLessThan(walk.Definition.Steps.Count(s => s.Type == StepType.Risk), "the other routes' risks are not counted");
        for (var i = 0; i < risks.Count; i++)
        {
            Navigation.RiskPosition(walk.Definition, walk.State, risks[i].Id).ShouldBe((i + 1, risks.Count));
        }
        Navigation.RiskPosition(walk.Definition, walk.State, delivery.Id).ShouldBe((0, risks.Count));
        Navigation.RiskPosition(walk.Definition, walk.State, null).ShouldBe((0, risks.Count));
    }

    [Fact]
    public void On_every_careful_walk_back_from_the_current_step_is_a_step_that_can_be_reread()
    {
        foreach (var (definition, choices) in new[] { (TestWorkflows.Branching, RouteA), (TestWorkflows.Branching, RouteB), (Shipped.StemCellMs, new Dictionary<string, string>()) })
        {
            var walk = new Walker(definition);
            for (var guard = 0; walk.Current is not null; guard++)
            {
                guard.ShouldBeLessThan(500);
                var back = Navigation.BackTarget(definition, walk.State, walk.Current, rereading: false);
                if (back is not null) Navigation.Reread(definition, walk.State).ShouldContain(back);
                walk.AnswerCurrent(choices);
            }
        }
    }
}

using Consent.Workflows.Clinics;
using Consent.Workflows.Definitions;
using Consent.Workflows.Runtime;
using Consent.Workflows.Tests.Support;

namespace Consent.Workflows.Tests.Runtime;

public sealed class SteadyProgressTests
{
    public static TheoryData<string, string> Routes()
    {
        var data = new TheoryData<string, string>();
        foreach (var d in Definitions())
        {
            var choice = d.Steps.FirstOrDefault(s => s.Type == StepType.Choice);
            foreach (var o in choice?.Options.Select(o => o.Id) ?? ["-"]) data.Add($"{d.Id} v{d.Version}", o);
        }
        return data;
    }

    // Walked as a clinic's patients read them: the runtime refuses a definition with a placeholder left unfilled.
    private static readonly ClinicProfile Demo = ClinicProfile.LoadFile(Path.Combine(Shipped.RepoRoot, "clinics", "demo.yaml")).Profile!;

    private static IEnumerable<WorkflowDefinition> Definitions() => Shipped.All.All.Select(d => Placeholders.RenderAll(d, Demo)).Concat(TestWorkflows.All);

    [Theory]
    [MemberData(nameof(Routes))]
    public void Progress_never_moves_backwards_on_any_route_even_after_a_wrong_answer(string workflow, string option)
    {
        var d = Definitions().Single(x => $"{x.Id} v{x.Version}" == workflow);
        var choice = d.Steps.FirstOrDefault(s => s.Type == StepType.Choice);
        var choices = choice is null ? new Dictionary<string, string>() : new Dictionary<string, string> { [choice.Id] = option };
        var walk = new Walker(d);
        var shown = new List<int> { Navigation.Steady(d, walk.State).Percent };
        var wrongOnce = new HashSet<string>();
        for (var guard = 0; walk.Current is { } step; guard++)
        {
            guard.ShouldBeLessThan(500);
            // A wrong answer re-opens the explanation first: the patient reads again, progress must not drop.
            if (step.Type == StepType.Quiz && step.AttemptLimit(d.Settings) > 1 && wrongOnce.Add(step.Id) && step.Options.FirstOrDefault(o => o.Id != step.CorrectOption) is { } wrong)
            {
                walk.Submit(new QuizInput(wrong.Id)).Accepted.ShouldBeTrue();
            }
            else
            {
                walk.AnswerCurrent(choices);
            }
            shown.Add(Navigation.Steady(d, walk.State).Percent);
        }
        for (var i = 1; i < shown.Count; i++) shown[i].ShouldBeGreaterThanOrEqualTo(shown[i - 1], $"{workflow} {option}: {string.Join(" → ", shown)}");
        shown[^1].ShouldBe(100);
    }

    [Fact]
    public void Before_the_route_is_chosen_the_longest_route_is_counted()
    {
        var walk = new Walker(Shipped.StemCellMs).Until("delivery-method");
        var before = Navigation.Steady(walk.Definition, walk.State);
        var longest = Shipped.StemCellMs.Steps.Count(s => s.AppliesTo(new Dictionary<string, string> { ["delivery-method"] = "both" }));
        before.Total.ShouldBe(longest);
        walk.AnswerCurrent(new Dictionary<string, string> { ["delivery-method"] = "iv" });
        var after = Navigation.Steady(walk.Definition, walk.State);
        after.Total.ShouldBeLessThan(before.Total);
        after.Percent.ShouldBeGreaterThan(before.Percent);
    }
}

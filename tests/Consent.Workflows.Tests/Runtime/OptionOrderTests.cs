using Consent.Workflows.Definitions;
using Consent.Workflows.Runtime;
using Consent.Workflows.Tests.Support;

namespace Consent.Workflows.Tests.Runtime;

public sealed class OptionOrderTests
{
    private static StepDefinition Quiz => TestWorkflows.Quiz("quiz", explanation: null) with
    {
        Options = [TestWorkflows.Option("right"), TestWorkflows.Option("wrong"), TestWorkflows.Option("unsure"), TestWorkflows.Option("other")],
    };

    [Fact]
    public void Every_order_is_a_permutation_of_the_options()
    {
        for (var seed = -500; seed < 500; seed++)
        {
            OptionOrder.Permutation(seed, "quiz", 5).Order().ShouldBe([0, 1, 2, 3, 4]);
        }
    }

    [Fact]
    public void The_seed_recorded_at_the_start_gives_the_same_order_after_a_replay()
    {
        var started = ConsentRuntime.Start(TestWorkflows.Retry, new StartConsent("en", null, OptionSeed: 12345), Walker.T0).Events.Single().ShouldBeOfType<ConsentStarted>();
        started.OptionSeed.ShouldBe(12345);
        var live = ConsentState.None.Evolve(started);
        var replayed = ConsentState.Replay([started]);
        OptionOrder.AsShown(Quiz, replayed).Select(o => o.Id).ShouldBe(OptionOrder.AsShown(Quiz, live).Select(o => o.Id));
        OptionOrder.AsShown(Quiz, replayed).Select(o => o.Id).ShouldBe(OptionOrder.Permutation(12345, "quiz", 4).Select(i => Quiz.Options[i].Id));
    }

    [Fact]
    public void The_right_answer_lands_in_every_position_across_consents()
    {
        var positions = new int[4];
        for (var seed = 0; seed < 2000; seed++)
        {
            var shown = OptionOrder.AsShown(Quiz, ConsentState.None with { OptionSeed = seed });
            positions[shown.IndexOf(shown.Single(o => o.Id == "right"))]++;
        }
        // A fair shuffle puts it in each of 4 places about 500 times in 2000; 400 leaves room for chance.
        positions.ShouldAllBe(count => count > 400);
    }

    [Fact]
    public void Two_quizzes_of_one_consent_are_shuffled_independently()
    {
        var differ = Enumerable.Range(0, 200).Count(seed => !OptionOrder.Permutation(seed, "quiz-a", 4).SequenceEqual(OptionOrder.Permutation(seed, "quiz-b", 4)));
        differ.ShouldBeGreaterThan(150);
    }

    [Fact]
    public void A_consent_started_before_seeds_existed_shows_the_written_order() =>
        OptionOrder.AsShown(Quiz, ConsentState.None).Select(o => o.Id).ShouldBe(["right", "wrong", "unsure", "other"]);

    [Fact]
    public void Choice_options_keep_their_written_order() =>
        OptionOrder.AsShown(Quiz with { Type = StepType.Choice }, ConsentState.None with { OptionSeed = 7 }).Select(o => o.Id).ShouldBe(["right", "wrong", "unsure", "other"]);
}

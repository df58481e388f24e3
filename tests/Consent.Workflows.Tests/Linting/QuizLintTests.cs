using Consent.Workflows.Linting;
using Consent.Workflows.Tests.Support;

namespace Consent.Workflows.Tests.Linting;

public sealed class QuizLintTests
{
    private static List<string> Codes(string yaml) => [.. WorkflowLinter.LintYaml(yaml, "test.yaml", Shipped.Rules).Errors.Select(f => f.Code)];

    private const string TwoWrongOptions = "      - id: game\n        label: { en: It is a game, es: Es un juego }\n";

    [Fact]
    public void A_quiz_with_two_options_is_an_error() =>
        Codes(Minimal.With(TwoWrongOptions, "").Replace("      - id: unsure\n        label: { en: I do not know, es: No lo sé }\n", "", StringComparison.Ordinal))
            .ShouldContain("too-few-options");

    [Fact]
    public void Allowing_as_many_wrong_answers_as_there_are_wrong_options_is_an_error() =>
        Codes(Minimal.With("  quizAttempts: 2\n", "  quizAttempts: 3\n")).ShouldContain("quiz-passes-by-elimination");

    [Fact]
    public void A_quiz_limit_of_its_own_below_the_wrong_options_passes() =>
        Codes(Minimal.With("  quizAttempts: 2\n", "  quizAttempts: 3\n").Replace("    correct: right\n", "    correct: right\n    maxAttempts: 2\n", StringComparison.Ordinal))
            .ShouldNotContain("quiz-passes-by-elimination");

    [Fact]
    public void An_investigational_consent_must_check_the_four_understandings()
    {
        var codes = WorkflowLinter.LintYaml(Minimal.With("  kind: standard\n", "  kind: investigational\n"), "test.yaml", Shipped.Rules).Errors
            .Where(f => f.Code == "missing-understanding-check").Select(f => f.Message).ToList();
        codes.Count.ShouldBe(4);
        foreach (var check in new[] { "not_approved", "withdraw_keeps_care", "route_serious_risk", "alternatives_exist" }) codes.ShouldContain(m => m.Contains($"'{check}'"));
    }

    [Fact]
    public void A_check_whose_right_answer_does_not_say_it_is_an_error()
    {
        var yaml = Minimal.With("    correct: right\n", "    correct: right\n    checks: [not_approved]\n");
        Codes(yaml).Count(c => c == "check-without-evidence").ShouldBe(2);
    }

    [Fact]
    public void A_check_whose_right_answer_says_it_passes()
    {
        var yaml = Minimal.With("    correct: right\n", "    correct: right\n    checks: [not_approved]\n")
            .Replace("label: { en: \"Yes\", es: \"Sí\" }", "label: { en: It is experimental and not approved, es: Es experimental y no está aprobado }", StringComparison.Ordinal);
        Codes(yaml).ShouldNotContain("check-without-evidence");
    }

    [Fact]
    public void An_unknown_check_is_an_error() =>
        Codes(Minimal.With("    correct: right\n", "    correct: right\n    checks: [likes_us]\n")).ShouldContain("unknown-check");
}

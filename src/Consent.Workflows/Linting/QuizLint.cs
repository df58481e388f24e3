using Consent.Workflows.Definitions;

namespace Consent.Workflows.Linting;

/// <summary>
/// Comprehension checks that can be failed: enough wrong options that trying each one in turn does not pass, and
/// in an investigational consent, quizzes on what a patient must have understood (not approved, withdrawing keeps
/// usual care, the gravest risk of the chosen route, that alternatives exist), each right answer showing it.
/// </summary>
internal static class QuizLint
{
    public const int MinQuizOptions = 3;

    public static readonly IReadOnlyList<string> InvestigationalChecks = ["not_approved", "withdraw_keeps_care", "route_serious_risk", "alternatives_exist"];

    public static void Check(WorkflowDefinition d, EvidenceRules evidence, List<LintFinding> f)
    {
        foreach (var q in d.Steps.Where(s => s.Type == StepType.Quiz))
        {
            if (q.Options.Length is > 1 and < MinQuizOptions)
            {
                f.Add(Error("too-few-options", q.Source, q.Source.Path, $"a quiz needs at least {MinQuizOptions} options: with two, a guess is right half the time"));
            }
            var wrong = q.Options.Count(o => o.Id != q.CorrectOption);
            var allowed = q.AttemptLimit(d.Settings);
            if (wrong > 0 && allowed >= wrong)
            {
                f.Add(Error("quiz-passes-by-elimination", q.Source, q.Source.Path,
                    $"{allowed} wrong answers are allowed but there are only {wrong} wrong options: trying each in turn passes; allow fewer (maxAttempts or settings.quizAttempts) or add options"));
            }
            foreach (var (check, i) in q.Checks.Select((c, i) => (c, i)))
            {
                if (!InvestigationalChecks.Contains(check))
                {
                    f.Add(Error("unknown-check", q.Source, $"{q.Source.Path}.checks[{i}]", $"'{check}' is not an understanding a quiz can check ({string.Join(", ", InvestigationalChecks)})"));
                    continue;
                }
                if (q.Options.FirstOrDefault(o => o.Id == q.CorrectOption) is not { } right) continue;
                foreach (var locale in d.Locales)
                {
                    if (evidence.For(locale)?.Understandings.GetValueOrDefault(check) is not { } rule) continue;
                    if (EvidenceRules.Shows(rule, right.Label.ByLocale.GetValueOrDefault(locale) ?? "", out _)) continue;
                    f.Add(Error("check-without-evidence", right.Source, $"{right.Source.Path}.label",
                        $"{locale}: the quiz checks '{check}' but its right answer does not say it ({rule.Means})"));
                }
            }
        }
        if (d.Disclosure?.Kind != DisclosureKind.Investigational) return;
        foreach (var check in InvestigationalChecks.Where(c => !CheckedOnEveryPath(d, c)))
        {
            f.Add(Error("missing-understanding-check", d.Source, "steps",
                $"an investigational consent must check '{check}' with a quiz on every path (a quiz step with checks: [{check}])"));
        }
    }

    // The route's gravest risk differs per route, so a quiz under a choice covers it when every option has one.
    private static bool CheckedOnEveryPath(WorkflowDefinition d, string check)
    {
        var quizzes = d.Steps.Where(s => s.Type == StepType.Quiz && s.Checks.Contains(check)).ToList();
        if (quizzes.Any(q => q.When is null)) return true;
        return d.Steps.Where(c => c.Type == StepType.Choice).Any(c =>
            c.Options.All(o => quizzes.Any(q => q.When is { } w && w.StepId == c.Id && w.AnyOf.Contains(o.Id))));
    }

    private static LintFinding Error(string code, SourceLocation at, string path, string message) => new(LintSeverity.Error, code, path, at.Line, message);
}

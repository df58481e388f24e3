using System.Collections.Immutable;
using System.Globalization;
using Consent.Workflows.Definitions;
using Consent.Workflows.Loading;

namespace Consent.Workflows.Linting;

/// <summary>
/// Checks a definition before it reaches a patient: structure, required disclosure elements, misleading claims
/// and readability. Every finding names a stable code, the field path and the line.
/// </summary>
public static class WorkflowLinter
{
    /// <summary>Flesch-Kincaid grade above which a section is an error; above <see cref="TargetGrade"/> a warning.</summary>
    public const double MaxGrade = 10;
    public const double TargetGrade = 8;
    /// <summary>Fernández-Huerta ease below which a Spanish section is an error (about grade 10+); below <see cref="TargetEase"/> a warning.</summary>
    public const double MinEase = 50;
    public const double TargetEase = 60;
    /// <summary>One sentence above this grade (or below this ease in Spanish) is an error wherever it stands.</summary>
    public const double MaxSentenceGrade = 12;
    public const double MinSentenceEase = 40;
    // Under six words the formulas judge the longest word, not the sentence: "This treatment is experimental."
    // scores grade 12.5 and "Un estudio de investigación registrado." ease 34. Short jargon is caught by the terms rule.
    private const int MinWordsForSentenceScore = 6;
    // Grade formulas swing wildly on a few words; shorter sections are judged by their longest sentence instead.
    private const int MinWordsToScore = 25;
    private const int MaxSentenceWords = 25;

    /// <summary>Lints with claim rules only: no evidence rules, so disclosure is checked by tags alone.</summary>
    public static LintReport LintYaml(string yaml, string sourceName, ClaimRules rules) => LintYaml(yaml, sourceName, new LintRules(rules, EvidenceRules.None));

    public static LintReport LintYaml(string yaml, string sourceName, LintRules rules)
    {
        var loaded = WorkflowLoader.Parse(yaml, sourceName);
        return loaded.Definition is { } definition
            ? Lint(definition, rules)
            : new LintReport([.. loaded.Errors.Select(e => new LintFinding(LintSeverity.Error, "load", e.Path, e.Line, e.Message))]);
    }

    public static LintReport Lint(WorkflowDefinition definition, ClaimRules rules) => Lint(definition, new LintRules(rules, EvidenceRules.None));

    /// <summary>
    /// Lints <paramref name="definition"/> as <paramref name="profile"/>'s patients read it: the template's findings,
    /// then the clinic's values it uses (<see cref="ProfileLint"/>), which the template's lint cannot see.
    /// </summary>
    public static LintReport Lint(WorkflowDefinition definition, LintRules rules, Clinics.ClinicProfile profile) =>
        new([.. Lint(definition, rules).Findings, .. ProfileLint.Check(definition, profile, rules)]);

    public static LintReport Lint(WorkflowDefinition definition, LintRules rules)
    {
        var findings = new List<LintFinding>();
        var d = definition;
        Structure(d, findings);
        Locales(d, findings);
        Settings(d, findings);
        DisclosureLint.Check(d, rules.Evidence, findings);
        TermsLint.Check(d, rules.Evidence, findings);
        QuizLint.Check(d, rules.Evidence, findings);
        PlaceholderLint.Check(d, findings);
        Claims(d, rules.Claims, findings);
        ReadabilityOf(d, findings);
        return new LintReport([.. findings.OrderBy(f => f.Line).ThenBy(f => f.Code, StringComparer.Ordinal)]);
    }

    private static void Error(List<LintFinding> f, string code, SourceLocation at, string message, string? path = null) =>
        f.Add(new LintFinding(LintSeverity.Error, code, path ?? at.Path, at.Line, message));

    private static void Warning(List<LintFinding> f, string code, SourceLocation at, string message, string? path = null) =>
        f.Add(new LintFinding(LintSeverity.Warning, code, path ?? at.Path, at.Line, message));

    private static void Structure(WorkflowDefinition d, List<LintFinding> f)
    {
        foreach (var dup in d.Steps.GroupBy(s => s.Id).Where(g => g.Count() > 1))
        {
            foreach (var s in dup.Skip(1)) Error(f, "duplicate-id", s.Source, $"step id '{s.Id}' is used more than once");
        }
        var ids = d.Steps.Select(s => s.Id).ToHashSet(StringComparer.Ordinal);
        foreach (var s in d.Steps)
        {
            foreach (var dup in s.Options.GroupBy(o => o.Id).Where(g => g.Count() > 1))
            {
                Error(f, "duplicate-id", dup.Skip(1).First().Source, $"option id '{dup.Key}' is used more than once in step '{s.Id}'");
            }
            if (s.Next is { } next && !ids.Contains(next)) Error(f, "unknown-step", s.Source, $"next goes to unknown step '{next}'", $"{s.Source.Path}.next");
            foreach (var o in s.Options.Where(o => o.Next is not null && !ids.Contains(o.Next)))
            {
                Error(f, "unknown-step", o.Source, $"option '{o.Id}' branches to unknown step '{o.Next}'", $"{o.Source.Path}.next");
            }
            if (s.When is { } when)
            {
                var target = d.FindStep(when.StepId);
                if (target is null) Error(f, "unknown-step", s.Source, $"when refers to unknown step '{when.StepId}'", $"{s.Source.Path}.when.step");
                else if (target.Type != StepType.Choice) Error(f, "when-not-choice", s.Source, $"when refers to '{when.StepId}', which is not a choice step", $"{s.Source.Path}.when.step");
                else if (d.Steps.IndexOf(target) > d.Steps.IndexOf(s))
                {
                    Error(f, "when-not-earlier", s.Source, $"when refers to choice '{when.StepId}', which comes after this step: the step would always be skipped", $"{s.Source.Path}.when.step");
                }
                else
                {
                    foreach (var option in when.AnyOf.Where(o => target.Options.All(x => x.Id != o)))
                    {
                        Error(f, "unknown-option", s.Source, $"choice '{when.StepId}' has no option '{option}'", $"{s.Source.Path}.when.anyOf");
                    }
                }
            }
            if (s.Type is StepType.Choice or StepType.Quiz && s.Options.Length < 2)
            {
                Error(f, "too-few-options", s.Source, $"a {Name(s.Type)} step needs at least two options");
            }
            if (s.Type == StepType.Quiz)
            {
                if (s.Explanation is null) Error(f, "quiz-without-explanation", s.Source, "a quiz must name the explanation step it re-opens after a wrong answer", $"{s.Source.Path}.explanation");
                else if (d.FindStep(s.Explanation) is not { } explanation) Error(f, "unknown-step", s.Source, $"explanation refers to unknown step '{s.Explanation}'", $"{s.Source.Path}.explanation");
                else if (explanation.Type != StepType.Explain) Error(f, "quiz-without-explanation", s.Source, $"the explanation '{s.Explanation}' must be an explain step", $"{s.Source.Path}.explanation");
                if (s.CorrectOption is null || s.Options.All(o => o.Id != s.CorrectOption))
                {
                    Error(f, "quiz-without-answer", s.Source, $"the correct option '{s.CorrectOption}' is not one of the quiz's options", $"{s.Source.Path}.correct");
                }
            }
            if (s.Type == StepType.Signature && s.SignerRoles.IsEmpty) Error(f, "signature-without-signer", s.Source, "a signature step names who signs (signerRoles)");
        }

        var decisions = d.Steps.Where(s => s.Type == StepType.Decision).ToList();
        var signatures = d.Steps.Where(s => s.Type == StepType.Signature).ToList();
        if (decisions.Count == 0) Error(f, "no-decision", d.Source, "the workflow has no decision step: the patient must be able to say no", "steps");
        if (signatures.Count == 0) Error(f, "no-signature", d.Source, "the workflow has no signature step", "steps");
        if (f.Any(x => x.Code is "unknown-step" or "duplicate-id") || d.Steps.IsEmpty) return;

        var graph = new StepGraph(d);
        var reachable = graph.ReachableFrom(0, stopAt: null);
        foreach (var (s, i) in d.Steps.Select((s, i) => (s, i)).Where(x => !reachable.Contains(x.i)))
        {
            Error(f, "unreachable-step", s.Source, $"step '{s.Id}' can never be reached");
        }
        foreach (var (s, i) in d.Steps.Select((s, i) => (s, i)).Where(x => reachable.Contains(x.i)))
        {
            if (!graph.CanFinish(i)) Error(f, "loop-without-exit", s.Source, $"from step '{s.Id}' the workflow loops forever: no path reaches a decision or the end");
        }
        var beforeDecision = graph.ReachableFrom(0, stopAt: i => d.Steps[i].Type == StepType.Decision);
        foreach (var s in signatures.Where(s => beforeDecision.Contains(d.Steps.IndexOf(s))))
        {
            Error(f, "signature-before-decision", s.Source, $"signature '{s.Id}' can be reached before the patient's decision");
        }
    }

    private static void Locales(WorkflowDefinition d, List<LintFinding> f)
    {
        void Check(LocalizedText text, SourceLocation at, string field, bool required = true)
        {
            if (!required && text.ByLocale.IsEmpty) return;
            foreach (var locale in d.Locales.Where(l => !text.ByLocale.ContainsKey(l)))
            {
                Error(f, "missing-locale", at, $"{field} has no '{locale}' text", Join(at.Path, field));
            }
            foreach (var locale in text.ByLocale.Keys.Where(l => !d.Locales.Contains(l)))
            {
                Error(f, "unknown-locale", at, $"{field} has text for '{locale}', which is not in locales", Join(at.Path, field));
            }
        }
        Check(d.Title, d.Source, "title");
        foreach (var s in d.Steps)
        {
            Check(s.Title, s.Source, "title");
            Check(s.Body, s.Source, "body", required: s.Type != StepType.Signature);
            Check(s.Statement, s.Source, "statement", required: s.Type == StepType.Signature);
            foreach (var o in s.Options) Check(o.Label, o.Source, "label");
        }
    }

    private static string Join(string path, string field) => path.Length == 0 ? field : $"{path}.{field}";

    private static void Settings(WorkflowDefinition d, List<LintFinding> f)
    {
        var s = d.Settings;
        if (s.CoolingOff > s.Validity) Error(f, "cooling-off-exceeds-validity", d.Source, $"the cooling-off period ({s.CoolingOff}) is longer than the validity ({s.Validity}): the consent would expire before it could be used", "settings.coolingOff");
        if (s.Validity <= TimeSpan.Zero) Error(f, "no-validity", d.Source, "validity must be longer than zero", "settings.validity");
        if (s.WitnessRequired && !d.Steps.Any(x => x.Type == StepType.Signature && x.SignerRoles.Contains(SignerRole.Witness)))
        {
            Error(f, "witness-without-signature", d.Source, "a witness is required but no signature step is signed by a witness", "settings.witness");
        }
        if (s.AcceptedEarlierVersions.Any(v => v >= d.Version))
        {
            Error(f, "accepted-version-not-earlier", d.Source, "acceptedEarlierVersions may list only versions before this one", "settings.acceptedEarlierVersions");
        }
    }

    private static void Claims(WorkflowDefinition d, ClaimRules rules, List<LintFinding> f)
    {
        var known = rules.RuleIds;
        foreach (var s in d.Steps)
        {
            // Without rule files nothing can be checked; with them, a misspelt allowance must not pass silently.
            foreach (var (a, i) in s.ClaimsAllowed.Select((a, i) => (a, i)).Where(x => known.Count > 0 && !known.Contains(x.a.Rule)))
            {
                Error(f, "unknown-claim-rule", s.Source, $"claimsAllowed names '{a.Rule}', which is not a claim rule ({string.Join(", ", known.Order(StringComparer.Ordinal))})", $"{s.Source.Path}.claimsAllowed[{i}].rule");
            }
            var allowed = s.ClaimsAllowed.Select(a => a.Rule).ToHashSet(StringComparer.Ordinal);
            var texts = new[] { (s.Source, "title", s.Title), (s.Source, "body", s.Body), (s.Source, "statement", s.Statement) }
                .Concat(s.Options.Select(o => (o.Source, "label", o.Label)));
            foreach (var (at, field, text) in texts)
            {
                foreach (var (locale, value) in text.ByLocale)
                {
                    foreach (var m in rules.Find(locale, value, allowed))
                    {
                        Error(f, $"claim-{m.RuleId}", at, $"misleading claim \"{m.Text}\" ({locale}): {m.Message}", Join(at.Path, field));
                    }
                }
            }
        }
    }

    private static void ReadabilityOf(WorkflowDefinition d, List<LintFinding> f)
    {
        foreach (var s in d.Steps.Where(s => s.PatientFacing))
        {
            foreach (var (field, text) in new[] { ("body", s.Body), ("statement", s.Statement) })
            {
                foreach (var (locale, value) in text.ByLocale)
                {
                    var path = Join(s.Source.Path, field);
                    if (Measures.FirstOrDefault(m => m.Locale == locale) is { } measure) Readable(s.Source, value, path, measure, f);
                    else f.Add(new LintFinding(LintSeverity.Info, "readability-unmeasured", path, s.Source.Line, $"no readability measure for locale '{locale}'"));
                }
            }
        }
    }

    /// <summary>The readability rules for one text of <paramref name="locale"/> (none for a locale without a measure).</summary>
    internal static void ReadabilityOfText(string text, string locale, SourceLocation at, string path, List<LintFinding> f)
    {
        if (Measures.FirstOrDefault(m => m.Locale == locale) is { } measure) Readable(at, text, path, measure, f);
    }

    /// <summary>
    /// A reading measure for one locale. <see cref="Hardness"/> turns its score into "higher is harder" so both
    /// measures share one check; the thresholds are scores on the measure's own scale.
    /// </summary>
    private sealed record Measure(string Locale, string Name, Func<string, Readability.Score> Score, Func<double, double> Hardness, double Target, double Limit, double SentenceLimit, Func<string, Readability.Score> SentenceScore, string Format)
    {
        public string Show(double score) => $"{Name} {score.ToString(Format, CultureInfo.InvariantCulture)}";
    }

    private static readonly Measure[] Measures =
    [
        new("en", "Flesch-Kincaid grade", Readability.FleschKincaidGrade, g => g, TargetGrade, MaxGrade, MaxSentenceGrade, Readability.FleschKincaidGrade, "0.0"),
        new("es", "Fernández-Huerta ease", Readability.FernandezHuerta, e => -e, TargetEase, MinEase, MinSentenceEase, Readability.FernandezHuertaSentence, "0"),
    ];

    private static void Readable(SourceLocation at, string text, string path, Measure m, List<LintFinding> f)
    {
        var score = m.Score(text);
        LongSentences(at, score, path, m.Locale, f);
        HardSentences(at, score, path, m, f);
        var hardness = m.Hardness(score.Value);
        if (score.Words < MinWordsToScore || hardness <= m.Hardness(m.Target)) return;
        // Name the sentences past the limit; when the section is hard only on average, the hardest one still
        // tells the author where to start.
        var ranked = score.SentenceTexts.Select(x => (Text: x, Score: m.Score(x).Value)).OrderByDescending(x => m.Hardness(x.Score)).ToList();
        var worst = ranked.Where(x => m.Hardness(x.Score) > m.Hardness(m.Limit)).Take(3).ToList() is { Count: > 0 } past ? past : ranked.Take(1).ToList();
        var sentences = string.Join("; ", worst.Select(x => $"\"{x.Text}\" ({m.Show(x.Score)})"));
        if (hardness > m.Hardness(m.Limit))
        {
            Error(f, "readability", at, $"{m.Locale}: {m.Show(score.Value)} is past the limit of {m.Limit}; hardest sentences: {sentences}", path);
        }
        else
        {
            Warning(f, "readability-target", at, $"{m.Locale}: {m.Show(score.Value)} is past the target of {m.Target}; hardest: {sentences}", path);
        }
    }

    // A section's average hides one dense sentence; every sentence is scored on its own against a looser limit.
    private static void HardSentences(SourceLocation at, Readability.Score score, string path, Measure m, List<LintFinding> f)
    {
        foreach (var sentence in score.SentenceTexts.Where(x => Readability.Words(x).Count >= MinWordsForSentenceScore))
        {
            var value = m.SentenceScore(sentence).Value;
            if (m.Hardness(value) <= m.Hardness(m.SentenceLimit)) continue;
            Error(f, "hard-sentence", at, $"{m.Locale}: {m.Show(value)} is past the limit of {m.SentenceLimit} for one sentence: \"{sentence}\"", path);
        }
    }

    private static void LongSentences(SourceLocation at, Readability.Score score, string path, string locale, List<LintFinding> f)
    {
        foreach (var sentence in score.SentenceTexts.Where(x => Readability.Words(x).Count > MaxSentenceWords))
        {
            Error(f, "long-sentence", at, $"{locale}: a sentence of {Readability.Words(sentence).Count} words (at most {MaxSentenceWords}): \"{sentence}\"", path);
        }
    }

    private static string Name(StepType type) => type.ToString().ToLowerInvariant();
}

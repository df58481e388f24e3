using System.Text.RegularExpressions;
using Consent.Workflows.Definitions;

namespace Consent.Workflows.Linting;

/// <summary>
/// An acronym or term of art (aHSCT, IND, IRB, intrathecal) is explained where the patient first meets it, in
/// each locale: a reader who stops at an unexplained word has not been informed, however plain the rest is.
/// </summary>
internal static partial class TermsLint
{
    public static void Check(WorkflowDefinition d, EvidenceRules evidence, List<LintFinding> f)
    {
        foreach (var locale in d.Locales)
        {
            if (evidence.For(locale) is not { } rules) continue;
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var s in d.Steps.Where(s => s.PatientFacing))
            {
                foreach (var (field, text) in Texts(s, locale))
                {
                    foreach (var sentence in Readability.Sentences(text))
                    {
                        foreach (var term in TermsIn(sentence, rules.Terms).Where(seen.Add))
                        {
                            if (Explained(sentence, term, rules.Terms)) continue;
                            f.Add(new LintFinding(LintSeverity.Error, "unexplained-term", $"{s.Source.Path}.{field}", s.Source.Line,
                                $"{locale}: '{term}' is used here first without an explanation (put it in parentheses or say what it means): \"{sentence}\""));
                        }
                    }
                }
            }
        }
    }

    private static IEnumerable<(string Field, string Text)> Texts(StepDefinition s, string locale)
    {
        if (s.Body.ByLocale.TryGetValue(locale, out var body)) yield return ("body", body);
        foreach (var (o, i) in s.Options.Select((o, i) => (o, i)))
        {
            if (o.Label.ByLocale.TryGetValue(locale, out var label)) yield return ($"options[{i}].label", label);
        }
        if (s.Statement.ByLocale.TryGetValue(locale, out var statement)) yield return ("statement", statement);
    }

    private static IEnumerable<string> TermsIn(string sentence, EvidenceRules.Terms terms)
    {
        foreach (Match m in Acronym().Matches(sentence))
        {
            if (!terms.PlainAcronyms.Contains(m.Value)) yield return m.Value;
        }
        var normal = TextNormalizer.Normalize(sentence);
        foreach (var term in terms.Known.Where(t => Regex.IsMatch(normal, $@"\b{Regex.Escape(t)}\b")))
        {
            yield return term;
        }
    }

    private static bool Explained(string sentence, string term, EvidenceRules.Terms terms)
    {
        var normal = TextNormalizer.Normalize(sentence);
        var t = Regex.Escape(TextNormalizer.Normalize(term));
        return Regex.IsMatch(normal, $@"\({t}\)|\b{t}\b\s*\(") || terms.Cues.Any(c => c.IsMatch(normal));
    }

    // Two capitals in one word: MS, FDA, IV, aHSCT. Placeholders ({clinic.contacts.main}) are lower case.
    [GeneratedRegex(@"\b\p{Ll}*\p{Lu}\p{L}*\p{Lu}\p{L}*\b")]
    private static partial Regex Acronym();
}

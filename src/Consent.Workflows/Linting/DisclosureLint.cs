using Consent.Workflows.Definitions;

namespace Consent.Workflows.Linting;

/// <summary>
/// Disclosure checked by evidence, not by tags: a step that says it covers an element must show it in its text in
/// every locale, a procedure consent must have a risk step, the key information must name a specific serious
/// risk, and the signed statement may assert only what every path showed.
/// </summary>
public static class DisclosureLint
{
    internal static void Check(WorkflowDefinition d, EvidenceRules evidence, List<LintFinding> f)
    {
        Declaration(d, f);
        Tags(d, f);
        if (!d.Steps.Any(s => s.Type == StepType.Risk))
        {
            f.Add(Error("no-risk-step", d.Source, "steps", "a procedure consent needs at least one risk step: each risk is shown and acknowledged on its own"));
        }
        if (evidence.IsEmpty) return;
        foreach (var locale in d.Locales)
        {
            if (evidence.For(locale) is not { } rules) continue;
            Evidence(d, locale, rules, f);
            Statements(d, locale, rules, f);
        }
    }

    public static IReadOnlySet<string> RequiredElements(WorkflowDefinition d) =>
        DisclosureElements.Required.Keys.Concat(d.Disclosure?.AdditionalElements.Where(DisclosureElements.Additional.ContainsKey) ?? []).ToHashSet(StringComparer.Ordinal);

    private static void Declaration(WorkflowDefinition d, List<LintFinding> f)
    {
        if (d.Disclosure is not { } declared)
        {
            f.Add(Error("no-disclosure-declaration", d.Source, "disclosure",
                "declare the kind of consent and the 21 CFR 50.25(b) elements that apply (disclosure: { kind: standard|investigational, additionalElements: [...] })"));
            return;
        }
        foreach (var (unknown, i) in declared.AdditionalElements.Select((e, i) => (e, i)).Where(x => !DisclosureElements.Additional.ContainsKey(x.e)))
        {
            f.Add(Error("unknown-element", declared.Source, $"disclosure.additionalElements[{i}]",
                $"'{unknown}' is not an additional element of 21 CFR 50.25(b) ({string.Join(", ", DisclosureElements.Additional.Keys)})"));
        }
    }

    private static void Tags(WorkflowDefinition d, List<LintFinding> f)
    {
        foreach (var s in d.Steps)
        {
            foreach (var unknown in s.Elements.Where(e => !DisclosureElements.IsKnown(e)))
            {
                f.Add(Error("unknown-element", s.Source, $"{s.Source.Path}.elements",
                    $"'{unknown}' is not a disclosure element ({string.Join(", ", DisclosureElements.Required.Keys.Concat(DisclosureElements.Additional.Keys))})"));
            }
        }
        var tagged = d.Steps.SelectMany(s => s.Elements).ToHashSet(StringComparer.Ordinal);
        foreach (var element in RequiredElements(d).Where(e => !tagged.Contains(e)).Order(StringComparer.Ordinal))
        {
            f.Add(Error("missing-element", d.Source, "steps", $"no section discloses '{element}': {DisclosureElements.Meaning(element)}"));
        }
        var first = d.Steps.FirstOrDefault();
        if (first is not null && tagged.Contains("key_information") && !first.Elements.Contains("key_information"))
        {
            f.Add(Error("key-information-not-first", first.Source, first.Source.Path, "the key-information summary must come first"));
        }
    }

    /// <summary>The text a step shows in one locale, whatever its type: body, option labels and statement.</summary>
    public static string Shown(StepDefinition s, string locale) => string.Join("\n",
        new[] { s.Body.ByLocale.GetValueOrDefault(locale), s.Statement.ByLocale.GetValueOrDefault(locale) }
            .Concat(s.Options.Select(o => o.Label.ByLocale.GetValueOrDefault(locale)))
            .Where(t => !string.IsNullOrEmpty(t)));

    private static void Evidence(WorkflowDefinition d, string locale, EvidenceRules.LocaleEvidence rules, List<LintFinding> f)
    {
        foreach (var s in d.Steps)
        {
            var text = Shown(s, locale);
            foreach (var element in s.Elements.Where(DisclosureElements.IsKnown))
            {
                if (!rules.Elements.TryGetValue(element, out var rule) || EvidenceRules.Shows(rule, text, out _)) continue;
                f.Add(element == "key_information"
                    ? Error("key-information-without-serious-risk", s.Source, $"{s.Source.Path}.body",
                        $"{locale}: the key information names no specific serious risk (e.g. death from a blood clot, meningitis, nerve damage); \"some risks are serious\" is not enough")
                    : Error("no-evidence", s.Source, $"{s.Source.Path}.elements",
                        $"{locale}: step '{s.Id}' is tagged '{element}' but its text does not show it ({rule.Means})"));
            }
        }
    }

    /// <summary>Whether every path through the workflow passes a step that shows <paramref name="element"/> in <paramref name="locale"/>.</summary>
    public static bool ShownOnEveryPath(WorkflowDefinition d, string element, string locale, EvidenceRules.LocaleEvidence rules)
    {
        if (!rules.Elements.TryGetValue(element, out var rule)) return false;
        var showing = d.Steps.Where(s => s.Elements.Contains(element) && EvidenceRules.Shows(rule, Shown(s, locale), out _)).ToList();
        if (showing.Any(s => s.When is null)) return true;
        // Conditional steps cover every path when, for some choice, each of its options leads to one of them.
        return d.Steps.Where(c => c.Type == StepType.Choice).Any(c =>
            c.Options.All(o => showing.Any(s => s.When is { } w && w.StepId == c.Id && w.AnyOf.Contains(o.Id))));
    }

    private static void Statements(WorkflowDefinition d, string locale, EvidenceRules.LocaleEvidence rules, List<LintFinding> f)
    {
        foreach (var s in d.Steps.Where(s => s.Type == StepType.Signature))
        {
            if (!s.Statement.ByLocale.TryGetValue(locale, out var statement)) continue;
            foreach (var (element, patterns) in rules.StatementAsserts.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            {
                if (EvidenceRules.FirstMatch(patterns, statement) is not { } said || ShownOnEveryPath(d, element, locale, rules)) continue;
                f.Add(Error("statement-asserts-unshown", s.Source, $"{s.Source.Path}.statement",
                    $"{locale}: the signed statement says \"{said}\", but not every path shows '{element}' ({DisclosureElements.Meaning(element)})"));
            }
        }
    }

    private static LintFinding Error(string code, SourceLocation at, string path, string message) => new(LintSeverity.Error, code, path, at.Line, message);
}

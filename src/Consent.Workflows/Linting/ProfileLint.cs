using Consent.Workflows.Clinics;
using Consent.Workflows.Definitions;

namespace Consent.Workflows.Linting;

/// <summary>
/// The clinic's own words in a consent: every profile value a workflow uses (<c>{clinic.KEY}</c>) is read by the
/// patient as part of the text, so it meets the same claim rules and readability limits, per locale. A template's
/// lint cannot see them (it measures a placeholder as one plain word), so a profile saying "FDA-approved stem cells"
/// would otherwise reach the tablet, the copy and the signed record unchecked.
/// </summary>
public static class ProfileLint
{
    public static IReadOnlyList<LintFinding> Check(WorkflowDefinition definition, ClinicProfile profile, LintRules rules)
    {
        var findings = new List<LintFinding>();
        foreach (var key in Placeholders.UsedBy(definition).Order(StringComparer.Ordinal))
        {
            var path = $"clinic.{key}";
            var at = new SourceLocation($"{profile.Id}.yaml", 0, path);
            var allowed = AllowedWhereUsed(definition, key);
            foreach (var locale in definition.Locales)
            {
                if (profile.Value(key, locale) is not { } value) continue;
                var own = new List<LintFinding>();
                foreach (var m in rules.Claims.Find(locale, value, allowed))
                {
                    own.Add(new LintFinding(LintSeverity.Error, $"claim-{m.RuleId}", path, 0, $"misleading claim \"{m.Text}\" ({locale}): {m.Message}"));
                }
                WorkflowLinter.ReadabilityOfText(value, locale, at, path, own);
                findings.AddRange(own.Select(f => f with { Message = $"clinic '{profile.Id}' value {{{path}}}: {f.Message}" }));
            }
        }
        return findings;
    }

    /// <summary>A claim the clinic's value makes is allowed only where every step showing that value allows it, with its source.</summary>
    private static HashSet<string> AllowedWhereUsed(WorkflowDefinition d, string key)
    {
        var placeholder = $"{{clinic.{key}}}";
        var steps = d.Steps.Where(s => new[] { s.Title, s.Body, s.Statement }.Concat(s.Options.Select(o => o.Label))
            .Any(t => t.ByLocale.Values.Any(v => v.Contains(placeholder, StringComparison.Ordinal)))).ToList();
        if (steps.Count == 0) return [];
        var allowed = steps[0].ClaimsAllowed.Select(a => a.Rule).ToHashSet(StringComparer.Ordinal);
        foreach (var s in steps.Skip(1)) allowed.IntersectWith(s.ClaimsAllowed.Select(a => a.Rule));
        return allowed;
    }
}

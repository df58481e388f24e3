using System.Text.RegularExpressions;
using System.Collections.Immutable;
using Consent.Workflows.Definitions;

namespace Consent.Workflows.Clinics;

/// <summary>
/// <c>{clinic.KEY}</c> in workflow text: found, checked against <see cref="ClinicFields"/> and rendered with a
/// clinic's values. Rendering is what the patient reads, what the copy shows and what the signature's hash covers.
/// </summary>
public static partial class Placeholders
{
    public sealed record Rendered(string Text, IReadOnlyList<string> Missing);

    /// <summary>The keys (without "clinic.") used in <paramref name="text"/>, in order of first use.</summary>
    public static IReadOnlyList<string> In(string text) => [.. Pattern().Matches(text).Select(m => m.Groups[1].Value).Distinct(StringComparer.Ordinal)];

    /// <summary>Every key a workflow uses, in any text and locale.</summary>
    public static IReadOnlySet<string> UsedBy(WorkflowDefinition d) =>
        Texts(d).SelectMany(t => t.ByLocale.Values).SelectMany(In).ToHashSet(StringComparer.Ordinal);

    public static IEnumerable<LocalizedText> Texts(WorkflowDefinition d) =>
        d.Steps.SelectMany(s => new[] { s.Title, s.Body, s.Statement }.Concat(s.Options.Select(o => o.Label))).Prepend(d.Title);

    public static Rendered Render(string text, ClinicProfile profile, string locale)
    {
        var missing = new List<string>();
        var rendered = Pattern().Replace(text, m =>
        {
            var key = m.Groups[1].Value;
            if (profile.Value(key, locale) is { } value) return value;
            missing.Add(key);
            return m.Value;
        });
        return new Rendered(rendered, missing);
    }

    /// <summary>A definition whose every text is rendered for <paramref name="profile"/>; its content hash is the template's.</summary>
    public static WorkflowDefinition RenderAll(WorkflowDefinition d, ClinicProfile profile)
    {
        LocalizedText R(LocalizedText t) => new(t.ByLocale.ToImmutableDictionary(kv => kv.Key, kv => Render(kv.Value, profile, kv.Key).Text, StringComparer.Ordinal));
        return d with
        {
            Title = R(d.Title),
            Steps = [.. d.Steps.Select(s => s with
            {
                Title = R(s.Title), Body = R(s.Body), Statement = R(s.Statement),
                Options = [.. s.Options.Select(o => o with { Label = R(o.Label) })],
            })],
        };
    }

    [GeneratedRegex(@"\{clinic\.([A-Za-z][A-Za-z0-9]*(?:\.[A-Za-z][A-Za-z0-9]*)*)\}")]
    private static partial Regex Pattern();
}

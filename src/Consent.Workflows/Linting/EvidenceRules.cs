using System.Collections.Immutable;
using System.Text.RegularExpressions;

namespace Consent.Workflows.Linting;

/// <summary>
/// What counts as evidence that a text discloses an element, per locale, read from data
/// (<c>workflows/evidence/{locale}.yaml</c>) like the claim rules. A step that tags an element must contain its
/// evidence: each group of patterns in <see cref="Element.Groups"/> must match at least once (injury care needs
/// both the care and who pays). Text is normalised first (<see cref="TextNormalizer"/>).
/// </summary>
public sealed partial class EvidenceRules
{
    private readonly ImmutableDictionary<string, LocaleEvidence> _byLocale;

    private EvidenceRules(ImmutableDictionary<string, LocaleEvidence> byLocale) => _byLocale = byLocale;

    public static readonly EvidenceRules None = new(ImmutableDictionary<string, LocaleEvidence>.Empty);

    public bool IsEmpty => _byLocale.IsEmpty;

    /// <summary>
    /// An element's evidence: every group must match. With <see cref="SameSentence"/> they must match in one sentence,
    /// so "care" from "your usual care" and "pay" from "costs" elsewhere do not add up to injury care.
    /// </summary>
    public sealed record Element(string Name, string Means, ImmutableArray<ImmutableArray<Regex>> Groups, bool SameSentence = false);

    public sealed record LocaleEvidence(
        string Locale,
        ImmutableDictionary<string, Element> Elements,
        ImmutableArray<Regex> SeriousRisks,
        ImmutableDictionary<string, ImmutableArray<Regex>> StatementAsserts,
        ImmutableDictionary<string, Element> Understandings,
        Terms Terms);

    /// <summary>
    /// Terms of art and acronyms a patient must have explained at first use: <see cref="Known"/> lists the terms,
    /// any word with two capitals is an acronym unless <see cref="PlainAcronyms"/> names it, and a sentence explains
    /// a term when it puts it in parentheses or next to one of <see cref="Cues"/> ("means", "also called").
    /// </summary>
    public sealed record Terms(ImmutableArray<string> Known, ImmutableHashSet<string> PlainAcronyms, ImmutableArray<Regex> Cues);

    public static EvidenceRules LoadDirectory(string directory) =>
        new(LocaleRuleFiles.LoadDirectory(directory, Parse, rules => rules.Locale));

    public LocaleEvidence? For(string locale) => _byLocale.GetValueOrDefault(locale);

    public static LocaleEvidence Parse(string yaml, string sourceName)
    {
        var file = LocaleRuleFiles.Deserialize<EvidenceFile>(yaml, sourceName, "evidence file");
        if (string.IsNullOrWhiteSpace(file.Locale)) throw new InvalidDataException($"{sourceName}: 'locale' is required");
        return new LocaleEvidence(
            file.Locale,
            Elements(file.Elements, sourceName),
            LocaleRuleFiles.Patterns(file.SeriousRisks, sourceName, "seriousRisks"),
            file.StatementAsserts.ToImmutableDictionary(kv => kv.Key, kv => LocaleRuleFiles.Patterns(kv.Value, sourceName, $"statementAsserts.{kv.Key}"), StringComparer.Ordinal),
            Elements(file.Understandings, sourceName),
            new Terms([.. file.Terms.Select(TextNormalizer.Normalize)], [.. file.PlainAcronyms], LocaleRuleFiles.Patterns(file.ExplanationCues, sourceName, "explanationCues")));
    }

    private static ImmutableDictionary<string, Element> Elements(Dictionary<string, ElementEntry> entries, string sourceName) =>
        entries.ToImmutableDictionary(kv => kv.Key, kv =>
        {
            var groups = kv.Value.All.Count > 0 ? kv.Value.All : kv.Value.Any.Count > 0 ? [kv.Value.Any] : [];
            if (groups.Count == 0 || groups.Any(g => g.Count == 0)) throw new InvalidDataException($"{sourceName}: '{kv.Key}' needs 'any' patterns or 'all' groups of patterns");
            return new Element(kv.Key, kv.Value.Means ?? kv.Key, [.. groups.Select(g => LocaleRuleFiles.Patterns(g, sourceName, kv.Key))], kv.Value.SameSentence);
        }, StringComparer.Ordinal);

    /// <summary>True when every group of <paramref name="element"/> matches <paramref name="text"/>; the matches found say why.</summary>
    public static bool Shows(Element element, string text, out IReadOnlyList<string> found)
    {
        if (element.SameSentence)
        {
            foreach (var sentence in LocaleRuleFiles.SentenceBreak().Split(text))
            {
                if (ShowsIn(element, sentence, out found)) return true;
            }
            found = [];
            return false;
        }
        return ShowsIn(element, text, out found);
    }

    private static bool ShowsIn(Element element, string text, out IReadOnlyList<string> found)
    {
        var normal = TextNormalizer.Normalize(text);
        var hits = new List<string>();
        foreach (var group in element.Groups)
        {
            var hit = group.Select(p => p.Match(normal)).FirstOrDefault(m => m.Success);
            if (hit is null)
            {
                found = hits;
                return false;
            }
            hits.Add(hit.Value);
        }
        found = hits;
        return true;
    }

    public static string? FirstMatch(IEnumerable<Regex> patterns, string text)
    {
        var normal = TextNormalizer.Normalize(text);
        return patterns.Select(p => p.Match(normal)).FirstOrDefault(m => m.Success)?.Value;
    }


    private sealed class EvidenceFile
    {
        public string Locale { get; set; } = "";
        public Dictionary<string, ElementEntry> Elements { get; set; } = [];
        public List<string> SeriousRisks { get; set; } = [];
        public Dictionary<string, List<string>> StatementAsserts { get; set; } = [];
        public Dictionary<string, ElementEntry> Understandings { get; set; } = [];
        public List<string> Terms { get; set; } = [];
        public List<string> PlainAcronyms { get; set; } = [];
        public List<string> ExplanationCues { get; set; } = [];
    }

    private sealed class ElementEntry
    {
        public string? Means { get; set; }
        public List<string> Any { get; set; } = [];
        public List<List<string>> All { get; set; } = [];
        public bool SameSentence { get; set; }
    }
}

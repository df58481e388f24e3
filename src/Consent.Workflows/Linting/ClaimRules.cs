using System.Collections.Immutable;
using System.Text.RegularExpressions;

namespace Consent.Workflows.Linting;

/// <summary>
/// Misleading-claim rules, per locale, read from data (<c>workflows/claims/{locale}.yaml</c>) so that a clinician
/// can extend them without a code change. Text and patterns are normalised first (<see cref="TextNormalizer"/>),
/// so quotation marks, dashes, case and accents cannot split or disguise a claim. A match is allowed only when
/// the claim itself is negated (a cue shortly before it in the same clause, "this is not a cure"; "there is no
/// question this cures" is not a negation), when the sentence denies the evidence for it ("there is no proof that
/// the effects add up"), or when it reports someone else's claim that the same or the next sentence refutes
/// ("Some clinics say they are registered with the FDA. That does not mean approved.").
/// </summary>
public sealed partial class ClaimRules
{
    private readonly ImmutableDictionary<string, LocaleRules> _byLocale;

    private ClaimRules(ImmutableDictionary<string, LocaleRules> byLocale) => _byLocale = byLocale;

    public static readonly ClaimRules None = new(ImmutableDictionary<string, LocaleRules>.Empty);

    public IEnumerable<string> Locales => _byLocale.Keys;

    /// <summary>Every rule id in any locale: the names a step's <c>claimsAllowed</c> may use.</summary>
    public IReadOnlySet<string> RuleIds => _byLocale.Values.SelectMany(l => l.Rules).Select(r => r.Id).ToHashSet(StringComparer.Ordinal);

    public sealed record Rule(string Id, string Message, bool Negatable, ImmutableArray<Regex> Patterns);

    public sealed record LocaleRules(
        string Locale, int NegationWindow, ImmutableArray<string> Negations, ImmutableArray<Rule> Rules,
        ImmutableArray<string> NotNegations, ImmutableArray<string> ClauseBreaks, ImmutableArray<Regex> EvidenceDenials,
        ImmutableArray<Regex> Reporting, ImmutableArray<Regex> Refutations);

    public sealed record Match(string RuleId, string Message, string Text);

    public static ClaimRules LoadDirectory(string claimsDirectory) =>
        new(LocaleRuleFiles.LoadDirectory(claimsDirectory, Parse, rules => rules.Locale));

    public static ClaimRules From(params LocaleRules[] locales) => new(locales.ToImmutableDictionary(l => l.Locale, StringComparer.Ordinal));

    public static LocaleRules Parse(string yaml, string sourceName)
    {
        var file = LocaleRuleFiles.Deserialize<RuleFile>(yaml, sourceName, "claim rule file");
        if (string.IsNullOrWhiteSpace(file.Locale)) throw new InvalidDataException($"{sourceName}: 'locale' is required");
        ImmutableArray<Regex> Compile(IEnumerable<string> patterns, string where) => LocaleRuleFiles.Patterns(patterns, sourceName, where);
        var rules = file.Rules.Select(r =>
        {
            if (string.IsNullOrWhiteSpace(r.Id) || r.Patterns.Count == 0) throw new InvalidDataException($"{sourceName}: every rule needs an id and patterns");
            return new Rule(r.Id, r.Message ?? r.Id, r.Negatable, Compile(r.Patterns, $"rule '{r.Id}'"));
        });
        // "*" marks a word ending and would be taken for Markdown emphasis.
        static ImmutableArray<string> Words(IEnumerable<string> words) =>
            [.. words.Select(w => w.StartsWith('*') ? "*" + TextNormalizer.Normalize(w[1..]) : TextNormalizer.Normalize(w))];
        return new LocaleRules(file.Locale, file.NegationWindow, Words(file.Negations), [.. rules],
            Words(file.NotNegations), Words(file.ClauseBreaks), Compile(file.EvidenceDenials, "evidenceDenials"),
            Compile(file.Reporting, "reporting"), Compile(file.Refutations, "refutations"));
    }

    /// <summary>Every misleading claim in <paramref name="text"/> for <paramref name="locale"/>, except rules in <paramref name="allowed"/>.</summary>
    public IEnumerable<Match> Find(string locale, string text, IReadOnlySet<string> allowed)
    {
        if (!_byLocale.TryGetValue(locale, out var rules)) yield break;
        var sentences = LocaleRuleFiles.SentenceBreak().Split(TextNormalizer.Normalize(text)).Where(x => x.Length > 0).ToList();
        for (var i = 0; i < sentences.Count; i++)
        {
            var sentence = sentences[i];
            foreach (var rule in rules.Rules.Where(r => !allowed.Contains(r.Id)))
            {
                foreach (var pattern in rule.Patterns)
                {
                    foreach (System.Text.RegularExpressions.Match m in pattern.Matches(sentence))
                    {
                        if (ReportedAndRefuted(rules, sentence, m, i + 1 < sentences.Count ? sentences[i + 1] : "")) continue;
                        if (rule.Negatable && Negated(rules, sentence, m.Index)) continue;
                        yield return new Match(rule.Id, rule.Message, m.Value);
                    }
                }
            }
        }
    }

    // Someone else's claim, quoted to be refuted: a reporting cue before it, and a negation or refutation after it
    // in the same sentence or in the next one.
    private static bool ReportedAndRefuted(LocaleRules rules, string sentence, System.Text.RegularExpressions.Match m, string next)
    {
        var rest = sentence[(m.Index + m.Length)..];
        // The claim as the subject of its own refutation: "being listed with the FDA does not mean approval".
        if (rules.Refutations.Any(r => r.IsMatch(rest))) return true;
        var before = sentence[..m.Index];
        if (!rules.Reporting.Any(r => r.IsMatch(before))) return false;
        var after = rest + " . " + next;
        return rules.Refutations.Any(r => r.IsMatch(after)) || WordsOf(after).Any(w => IsNegation(rules, w));
    }

    // A negation counts when the sentence denies the evidence before the claim, or when a cue stands within the
    // window of words before it in the same clause, once phrases that only look negative ("no question", "not
    // only") are taken out.
    private static bool Negated(LocaleRules rules, string sentence, int index)
    {
        var before = sentence[..index];
        if (rules.EvidenceDenials.Any(r => r.IsMatch(before))) return true;
        var clause = before;
        var cut = clause.LastIndexOfAny([',', ';', ':', '(', ')']);
        if (cut >= 0) clause = clause[(cut + 1)..];
        var words = WordsOf(clause);
        var lastBreak = words.FindLastIndex(w => rules.ClauseBreaks.Contains(w));
        if (lastBreak >= 0) words = words[(lastBreak + 1)..];
        var joined = " " + string.Join(' ', words) + " ";
        foreach (var phrase in rules.NotNegations) joined = joined.Replace(" " + phrase + " ", " _ ", StringComparison.Ordinal);
        return joined.Split(' ', StringSplitOptions.RemoveEmptyEntries).TakeLast(rules.NegationWindow).Any(w => IsNegation(rules, w));
    }

    private static List<string> WordsOf(string text) => [.. NonWord().Split(text).Where(w => w.Length > 0)];

    // A cue written "*n't" matches as a word ending (isn't, doesn't); any other cue matches a whole word.
    private static bool IsNegation(LocaleRules rules, string word) =>
        rules.Negations.Any(n => n.StartsWith('*') ? word.EndsWith(n[1..], StringComparison.Ordinal) : word == n);


    [GeneratedRegex(@"[^\p{L}']+")]
    private static partial Regex NonWord();

    private sealed class RuleFile
    {
        public string Locale { get; set; } = "";
        public int NegationWindow { get; set; } = 4;
        public List<string> Negations { get; set; } = [];
        public List<string> NotNegations { get; set; } = [];
        public List<string> ClauseBreaks { get; set; } = [];
        public List<string> EvidenceDenials { get; set; } = [];
        public List<string> Reporting { get; set; } = [];
        public List<string> Refutations { get; set; } = [];
        public List<RuleEntry> Rules { get; set; } = [];
    }

    private sealed class RuleEntry
    {
        public string Id { get; set; } = "";
        public string? Message { get; set; }
        public bool Negatable { get; set; } = true;
        public List<string> Patterns { get; set; } = [];
    }
}

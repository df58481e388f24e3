using System.Collections.Immutable;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace Consent.Workflows.Linting;

/// <summary>
/// Misleading-claim rules, per locale, read from data (<c>workflows/claims/{locale}.yaml</c>) so that a clinician
/// can extend them without a code change. A match is allowed when a negation cue stands shortly before it
/// in the same sentence ("this is not a cure"), unless the rule says it cannot be negated.
/// </summary>
public sealed class ClaimRules
{
    private readonly ImmutableDictionary<string, LocaleRules> _byLocale;

    private ClaimRules(ImmutableDictionary<string, LocaleRules> byLocale) => _byLocale = byLocale;

    public static readonly ClaimRules None = new(ImmutableDictionary<string, LocaleRules>.Empty);

    public IEnumerable<string> Locales => _byLocale.Keys;

    /// <summary>Every rule id in any locale: the names a step's <c>claimsAllowed</c> may use.</summary>
    public IReadOnlySet<string> RuleIds => _byLocale.Values.SelectMany(l => l.Rules).Select(r => r.Id).ToHashSet(StringComparer.Ordinal);

    public sealed record Rule(string Id, string Message, bool Negatable, ImmutableArray<Regex> Patterns);

    public sealed record LocaleRules(string Locale, int NegationWindow, ImmutableArray<string> Negations, ImmutableArray<Rule> Rules);

    public sealed record Match(string RuleId, string Message, string Text);

    public static ClaimRules LoadDirectory(string claimsDirectory)
    {
        var byLocale = ImmutableDictionary.CreateBuilder<string, LocaleRules>(StringComparer.Ordinal);
        if (Directory.Exists(claimsDirectory))
        {
            foreach (var file in Directory.EnumerateFiles(claimsDirectory, "*.yaml").Order(StringComparer.Ordinal))
            {
                var rules = Parse(File.ReadAllText(file), file);
                byLocale[rules.Locale] = rules;
            }
        }
        return new ClaimRules(byLocale.ToImmutable());
    }

    public static ClaimRules From(params LocaleRules[] locales) => new(locales.ToImmutableDictionary(l => l.Locale, StringComparer.Ordinal));

    public static LocaleRules Parse(string yaml, string sourceName)
    {
        RuleFile file;
        try
        {
            file = new DeserializerBuilder().WithNamingConvention(CamelCaseNamingConvention.Instance).Build().Deserialize<RuleFile>(yaml)
                ?? throw new InvalidDataException($"{sourceName}: empty claim rule file");
        }
        catch (YamlException ex)
        {
            throw new InvalidDataException($"{sourceName}:{ex.Start.Line}: {ex.InnerException?.Message ?? ex.Message}", ex);
        }
        if (string.IsNullOrWhiteSpace(file.Locale)) throw new InvalidDataException($"{sourceName}: 'locale' is required");
        var rules = file.Rules.Select(r =>
        {
            if (string.IsNullOrWhiteSpace(r.Id) || r.Patterns.Count == 0) throw new InvalidDataException($"{sourceName}: every rule needs an id and patterns");
            try
            {
                return new Rule(r.Id, r.Message ?? r.Id, r.Negatable,
                    [.. r.Patterns.Select(p => new Regex(p, RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1)))]);
            }
            catch (ArgumentException ex)
            {
                throw new InvalidDataException($"{sourceName}: rule '{r.Id}' has a bad pattern: {ex.Message}", ex);
            }
        });
        return new LocaleRules(file.Locale, file.NegationWindow, [.. file.Negations.Select(n => n.ToLowerInvariant())], [.. rules]);
    }

    /// <summary>Every misleading claim in <paramref name="text"/> for <paramref name="locale"/>, except rules in <paramref name="allowed"/>.</summary>
    public IEnumerable<Match> Find(string locale, string text, IReadOnlySet<string> allowed)
    {
        if (!_byLocale.TryGetValue(locale, out var rules)) yield break;
        foreach (var rule in rules.Rules.Where(r => !allowed.Contains(r.Id)))
        {
            foreach (var pattern in rule.Patterns)
            {
                foreach (System.Text.RegularExpressions.Match m in pattern.Matches(text))
                {
                    if (rule.Negatable && Negated(rules, text, m.Index)) continue;
                    yield return new Match(rule.Id, rule.Message, m.Value);
                }
            }
        }
    }

    // A negation counts only within the same sentence and within the rule file's window of words before the match.
    private static bool Negated(LocaleRules rules, string text, int index)
    {
        var sentenceStart = text.LastIndexOfAny(['.', '!', '?', '\n', ';', ':'], Math.Max(0, index - 1)) + 1;
        var before = text[sentenceStart..index];
        var words = Regex.Split(before.Replace('’', '\'').ToLowerInvariant(), "[^\\p{L}']+").Where(w => w.Length > 0).TakeLast(rules.NegationWindow);
        // A cue written "*n't" matches as a word ending (isn't, doesn't); any other cue matches a whole word.
        return words.Any(w => rules.Negations.Any(n => n.StartsWith('*') ? w.EndsWith(n[1..], StringComparison.Ordinal) : w == n));
    }

    private sealed class RuleFile
    {
        public string Locale { get; set; } = "";
        public int NegationWindow { get; set; } = 4;
        public List<string> Negations { get; set; } = [];
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

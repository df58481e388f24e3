using Consent.Workflows.Definitions;
using Consent.Workflows.Linting;
using Consent.Workflows.Tests.Support;

namespace Consent.Workflows.Tests.Linting;

/// <summary>
/// The claim rules against a corpus per locale (Linting/Corpus): every claim sentence is caught, every honest one
/// passes, including sentences that quote a claim to refute it and the shipped consents' own sentences.
/// </summary>
public sealed class ClaimCorpusTests
{
    private static readonly IReadOnlySet<string> NothingAllowed = new HashSet<string>();

    private static List<string> Corpus(string file) =>
        [.. File.ReadAllLines(Path.Combine(Shipped.RepoRoot, "tests", "Consent.Workflows.Tests", "Linting", "Corpus", file))
            .Where(l => l.Length > 0 && !l.StartsWith('#'))];

    [Theory]
    [InlineData("en")]
    [InlineData("es")]
    public void Every_claim_sentence_is_caught(string locale)
    {
        var claims = Corpus($"{locale}.claims.txt");
        claims.Count.ShouldBeGreaterThanOrEqualTo(60);
        var missed = claims.Where(c => !Shipped.ClaimRules.Find(locale, c, NothingAllowed).Any()).ToList();
        missed.ShouldBeEmpty($"{missed.Count} of {claims.Count} claims passed: {string.Join(" | ", missed)}");
    }

    [Theory]
    [InlineData("en")]
    [InlineData("es")]
    public void Every_honest_sentence_passes(string locale)
    {
        var honest = Corpus($"{locale}.honest.txt");
        honest.Count.ShouldBeGreaterThanOrEqualTo(60);
        var flagged = honest.Select(h => (h, Found: Shipped.ClaimRules.Find(locale, h, NothingAllowed).ToList())).Where(x => x.Found.Count > 0).ToList();
        flagged.ShouldBeEmpty(string.Join(" | ", flagged.Select(x => $"{x.h} => {string.Join(", ", x.Found.Select(m => $"{m.RuleId} \"{m.Text}\""))}")));
    }

    [Fact]
    public void Every_text_of_every_shipped_version_passes()
    {
        var flagged = new List<string>();
        foreach (var d in Shipped.All.All)
        {
            foreach (var s in d.Steps)
            {
                var allowed = s.ClaimsAllowed.Select(a => a.Rule).ToHashSet(StringComparer.Ordinal);
                foreach (var text in new[] { s.Title, s.Body, s.Statement }.Concat(s.Options.Select(o => o.Label)))
                {
                    foreach (var (locale, value) in text.ByLocale)
                    {
                        flagged.AddRange(Shipped.ClaimRules.Find(locale, value, allowed).Select(m => $"{d.Id} v{d.Version} {s.Id} [{locale}] {m.RuleId}: \"{m.Text}\""));
                    }
                }
            }
        }
        flagged.ShouldBeEmpty(string.Join(" | ", flagged));
    }

    [Theory]
    [InlineData("Our clinic is \"registered\" with the FDA.", "our clinic is registered with the fda.")]
    [InlineData("FDA\u2011REGISTERED", "fda-registered")]
    [InlineData("Está  «registrada»\u00A0ante la FDA", "esta registrada ante la fda")]
    [InlineData("It isn\u2019t 'safe'", "it isn't safe")]
    [InlineData("the U.S. Food and Drug Administration", "the us food and drug administration")]
    public void Typography_is_normalised_before_matching(string text, string normal) => TextNormalizer.Normalize(text).ShouldBe(normal);
}

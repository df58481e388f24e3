using System.Text.Json;
using System.Text.RegularExpressions;
using Consent.Api.Tablet;
using Consent.Api.UnitTests.Support;
using Consent.Workflows.Definitions;

namespace Consent.Api.UnitTests.Tablet;

/// <summary>The tablet's words (<c>src/Consent.Api/Tablet/Text/*.json</c>): every language says everything, and nothing a page asks for is missing.</summary>
public sealed partial class TabletTextTests
{
    private static readonly string TabletSources = Path.Combine(RepoRoot.Path, "src", "Consent.Api", "Tablet");

    [Fact]
    public void Every_language_has_every_key_and_no_other()
    {
        var english = TabletText.Languages[TabletText.Fallback];
        english.Count.ShouldBeGreaterThan(100);
        TabletText.Languages.Keys.ShouldBe(["en", "es"], ignoreOrder: true);
        foreach (var (language, texts) in TabletText.Languages)
        {
            english.Keys.Except(texts.Keys).ShouldBeEmpty($"keys missing in {language}.json");
            texts.Keys.Except(english.Keys).ShouldBeEmpty($"keys in {language}.json that en.json does not have");
            texts.Where(t => string.IsNullOrWhiteSpace(t.Value)).Select(t => t.Key).ShouldBeEmpty($"empty texts in {language}.json");
        }
    }

    [Fact]
    public void Every_file_is_embedded_once_without_a_repeated_key_and_with_the_same_placeholders_in_every_language()
    {
        var files = Directory.GetFiles(Path.Combine(TabletSources, "Text"), "*.json");
        files.Select(f => Path.GetFileNameWithoutExtension(f)).ShouldBe(TabletText.Languages.Keys, ignoreOrder: true);
        foreach (var file in files)
        {
            using var json = JsonDocument.Parse(File.ReadAllText(file));
            var keys = json.RootElement.EnumerateObject().Select(p => p.Name).ToList();
            keys.GroupBy(k => k).Where(g => g.Count() > 1).Select(g => g.Key).ShouldBeEmpty($"repeated keys in {file}");
        }
        foreach (var (key, text) in TabletText.Languages[TabletText.Fallback])
        {
            foreach (var (language, texts) in TabletText.Languages)
            {
                Placeholders(texts[key]).ShouldBe(Placeholders(text), $"{language}: {key}");
            }
        }
    }

    [Fact]
    public void Every_key_the_tablet_uses_exists()
    {
        var used = UsedKeys().ToList();
        used.Count.ShouldBeGreaterThan(80, "the scan finds the pages' keys");
        used.Where(k => !TabletText.Languages[TabletText.Fallback].ContainsKey(k)).Distinct().ShouldBeEmpty();
    }

    [Fact]
    public void Every_key_a_page_builds_from_a_value_exists()
    {
        var english = TabletText.Languages[TabletText.Fallback];
        TabletText.WithdrawalReasons.Select(r => "withdraw." + r).Where(k => !english.ContainsKey(k)).ShouldBeEmpty();
        Enum.GetValues<SignerRole>().Select(r => "role." + r.ToString().ToLowerInvariant()).Where(k => !english.ContainsKey(k)).ShouldBeEmpty();
        new[] { "declined", "withdrawn" }.Select(w => "ended." + w).Where(k => !english.ContainsKey(k)).ShouldBeEmpty();
        TabletText.LanguageNames.ShouldBe(new Dictionary<string, string> { ["en"] = "English", ["es"] = "Español" }, ignoreOrder: true);
    }

    [Fact]
    public void A_missing_key_fails_loudly_and_an_unknown_language_falls_back_to_english()
    {
        Should.Throw<KeyNotFoundException>(() => TabletText.For("en", "no.such.key"));
        TabletText.For("xx", "back").ShouldBe(TabletText.For("en", "back"));
        TabletText.Known("xx").ShouldBe("en");
        TabletText.ErrorFor("es", "no-such-field").ShouldBe(TabletText.For("es", "error.other"));
    }

    /// <summary>
    /// The keys in the tablet's sources: the text argument of <c>T(…)</c>, <c>TabletText.For(…)</c> and
    /// <c>TabletText.Format(…)</c>, and any other literal that starts with a key's first part (a key picked by a
    /// condition, such as <c>yes ? "answer.yes" : "answer.no"</c>).
    /// </summary>
    private static IEnumerable<string> UsedKeys()
    {
        var prefixes = TabletText.Languages[TabletText.Fallback].Keys.Select(k => k.Split('.')[0]).Where(p => p.Length > 0).ToHashSet();
        foreach (var file in Directory.EnumerateFiles(TabletSources, "*.*", SearchOption.AllDirectories)
                     .Where(f => f.EndsWith(".cs", StringComparison.Ordinal) || f.EndsWith(".cshtml", StringComparison.Ordinal)))
        {
            var text = File.ReadAllText(file);
            // TabletText.For("es", key) names a language first, not a key.
            foreach (Match m in Call().Matches(text).Where(m => !TabletText.Languages.ContainsKey(m.Groups["key"].Value))) yield return m.Groups["key"].Value;
            foreach (Match m in DottedLiteral().Matches(text))
            {
                if (prefixes.Contains(m.Groups["key"].Value.Split('.')[0])) yield return m.Groups["key"].Value;
            }
        }
    }

    private static string[] Placeholders(string text) => [.. Placeholder().Matches(text).Select(m => m.Value).Distinct().Order(StringComparer.Ordinal)];

    [GeneratedRegex("""\b(?:T|TabletText\.For|TabletText\.Format)\((?:(?:"[a-z]{2}"|[^,()"]+),\s*)?"(?<key>[^"]+)"[,)]""")]
    private static partial Regex Call();

    [GeneratedRegex("""(?<![\w/])"(?<key>[a-z]+(?:\.[A-Za-z_]+)+)"(?!\s*\+)""")]
    private static partial Regex DottedLiteral();

    [GeneratedRegex(@"\{\d+\}")]
    private static partial Regex Placeholder();
}

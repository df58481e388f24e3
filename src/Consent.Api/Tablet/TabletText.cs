using System.Collections.Frozen;
using System.Text.Json;

namespace Consent.Api.Tablet;

/// <summary>
/// The words of the tablet's own screens, in every language a shipped workflow offers. The consent's content comes
/// from its workflow; these are the buttons, help and status messages around it, kept as plain as the content.
/// They live in one file per language (<c>Tablet/Text/&lt;language&gt;.json</c>, embedded in the assembly and read
/// once), so that a translator edits words, not code; a test keeps every language's keys equal.
/// </summary>
public static class TabletText
{
    public const string Fallback = "en";

    private const string ResourcePrefix = "Consent.Api.Tablet.Text.";

    /// <summary>Each language's texts by key, read from the embedded files.</summary>
    public static readonly FrozenDictionary<string, FrozenDictionary<string, string>> Languages = Load();

    /// <summary>Each language's own name, as its speakers write it, for the language switch.</summary>
    public static readonly FrozenDictionary<string, string> LanguageNames =
        Languages.ToFrozenDictionary(language => language.Key, language => language.Value["language.name"]);

    /// <summary>A language the tablet speaks, from a query or form value; anything else is the fallback.</summary>
    public static string Known(string? locale) => locale is not null && LanguageNames.ContainsKey(locale) ? locale : Fallback;

    public static string For(string locale, string key) =>
        Languages.GetValueOrDefault(locale)?.GetValueOrDefault(key) ?? Languages[Fallback].GetValueOrDefault(key)
            ?? throw new KeyNotFoundException($"No tablet text '{key}'.");

    public static string Format(string locale, string key, params object[] args) =>
        string.Format(System.Globalization.CultureInfo.GetCultureInfo(locale), For(locale, key), args);

    /// <summary>The friendly message for a field the runtime refused.</summary>
    public static string ErrorFor(string locale, string field) =>
        Languages[Fallback].ContainsKey("error." + field) ? For(locale, "error." + field) : For(locale, "error.other");

    /// <summary>Withdrawal reasons a patient may pick: codes only, because reasons are published to other systems.</summary>
    public static readonly IReadOnlyList<string> WithdrawalReasons = ["changed_mind", "want_more_time", "other_treatment", "patient_request"];

    private static FrozenDictionary<string, FrozenDictionary<string, string>> Load()
    {
        var assembly = typeof(TabletText).Assembly;
        var languages = new Dictionary<string, FrozenDictionary<string, string>>(StringComparer.Ordinal);
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal) && n.EndsWith(".json", StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            var texts = JsonSerializer.Deserialize<Dictionary<string, string>>(stream)
                ?? throw new InvalidOperationException($"The tablet texts {name} are empty.");
            languages[name[ResourcePrefix.Length..^".json".Length]] = texts.ToFrozenDictionary(StringComparer.Ordinal);
        }
        return languages.ContainsKey(Fallback)
            ? languages.ToFrozenDictionary(StringComparer.Ordinal)
            : throw new InvalidOperationException($"The tablet texts for '{Fallback}' are not embedded in {assembly.GetName().Name}.");
    }
}

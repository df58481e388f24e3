using System.Collections.Immutable;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace Consent.Workflows.Linting;

/// <summary>
/// What the linter's per-locale data files (<c>workflows/claims/*.yaml</c>, <c>workflows/evidence/*.yaml</c>) share:
/// one file per locale in a directory, YAML read with the same errors, patterns compiled over normalised text, and
/// the sentence split their rules are checked against.
/// </summary>
internal static partial class LocaleRuleFiles
{
    /// <summary>Every <c>*.yaml</c> of <paramref name="directory"/> (none when it is missing), keyed by the locale it declares.</summary>
    public static ImmutableDictionary<string, T> LoadDirectory<T>(string directory, Func<string, string, T> parse, Func<T, string> locale)
    {
        var byLocale = ImmutableDictionary.CreateBuilder<string, T>(StringComparer.Ordinal);
        if (!Directory.Exists(directory)) return byLocale.ToImmutable();
        foreach (var file in Directory.EnumerateFiles(directory, "*.yaml").Order(StringComparer.Ordinal))
        {
            var parsed = parse(File.ReadAllText(file), file);
            byLocale[locale(parsed)] = parsed;
        }
        return byLocale.ToImmutable();
    }

    /// <summary>The file's contents; a YAML error names the file and line, and an empty file is refused as <paramref name="what"/>.</summary>
    public static TFile Deserialize<TFile>(string yaml, string sourceName, string what)
    {
        try
        {
            return new DeserializerBuilder().WithNamingConvention(CamelCaseNamingConvention.Instance).Build().Deserialize<TFile>(yaml)
                ?? throw new InvalidDataException($"{sourceName}: empty {what}");
        }
        catch (YamlException ex)
        {
            throw new InvalidDataException($"{sourceName}:{ex.Start.Line}: {ex.InnerException?.Message ?? ex.Message}", ex);
        }
    }

    /// <summary>Patterns compiled over normalised text (<see cref="TextNormalizer.Compile"/>); a bad one names where it stands.</summary>
    public static ImmutableArray<Regex> Patterns(IEnumerable<string> patterns, string sourceName, string where)
    {
        try
        {
            return [.. patterns.Select(TextNormalizer.Compile)];
        }
        catch (ArgumentException ex)
        {
            throw new InvalidDataException($"{sourceName}: {where} has a bad pattern: {ex.Message}", ex);
        }
    }

    /// <summary>Between sentences: after a full stop, question or exclamation mark, or at a line break.</summary>
    [GeneratedRegex(@"(?<=[.!?])\s+|\n")]
    public static partial Regex SentenceBreak();
}

using System.Collections.Immutable;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Consent.Workflows.Clinics;

/// <summary>
/// One clinic's facts for its consents (<c>clinics/{id}.yaml</c>, schema <c>clinics/clinic-profile.schema.json</c>).
/// Values are keyed as their placeholders are (<c>contacts.urgent</c>); a text field holds one text per locale.
/// </summary>
public sealed partial record ClinicProfile(string Id, ImmutableDictionary<string, ImmutableDictionary<string, string>> Values)
{
    /// <summary>The value of <paramref name="key"/> in <paramref name="locale"/>; a same-in-every-language value is stored under "*".</summary>
    public string? Value(string key, string locale) =>
        Values.TryGetValue(key, out var byLocale) ? byLocale.GetValueOrDefault(locale) ?? byLocale.GetValueOrDefault("*") : null;

    /// <summary>The keys <paramref name="used"/> names that this profile cannot fill in one of <paramref name="locales"/>.</summary>
    public IReadOnlyList<string> MissingFor(IEnumerable<string> used, IEnumerable<string> locales) =>
        [.. used.Where(k => locales.Any(l => Value(k, l) is null)).Order(StringComparer.Ordinal)];

    public sealed record Problem(int Line, string Path, string Message)
    {
        public override string ToString() => $"{Line}: {Path}: {Message}";
    }

    public sealed record Loaded(ClinicProfile? Profile, ImmutableArray<Problem> Problems);

    public static Loaded LoadFile(string path) => Parse(File.ReadAllText(path), Path.GetFileNameWithoutExtension(path));

    /// <summary>Reads and validates a profile; every problem names its line and field, and an unknown field is one.</summary>
    public static Loaded Parse(string yaml, string expectedId)
    {
        var problems = new List<Problem>();
        YamlMappingNode root;
        try
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(yaml));
            if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode map)
            {
                return new Loaded(null, [new Problem(1, "", "a profile is a mapping with id and the clinic's fields")]);
            }
            root = map;
        }
        catch (YamlException ex)
        {
            return new Loaded(null, [new Problem((int)ex.Start.Line, "", $"not valid YAML: {ex.InnerException?.Message ?? ex.Message}")]);
        }
        string? id = null;
        var values = ImmutableDictionary.CreateBuilder<string, ImmutableDictionary<string, string>>(StringComparer.Ordinal);
        void Walk(YamlMappingNode map, string prefix)
        {
            foreach (var (keyNode, valueNode) in map.Children)
            {
                var name = (keyNode as YamlScalarNode)?.Value ?? "";
                var key = prefix.Length == 0 ? name : $"{prefix}.{name}";
                var line = (int)keyNode.Start.Line;
                if (key == "id")
                {
                    id = (valueNode as YamlScalarNode)?.Value;
                    continue;
                }
                if (ClinicFields.ByKey.TryGetValue(key, out var field))
                {
                    if (field.Kind == ClinicFields.Kind.Value && valueNode is YamlScalarNode { Value: { Length: > 0 } v })
                    {
                        values[key] = ImmutableDictionary<string, string>.Empty.Add("*", v.Trim());
                    }
                    else if (field.Kind == ClinicFields.Kind.Text && valueNode is YamlMappingNode texts && texts.Children.Count > 0)
                    {
                        var byLocale = ImmutableDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
                        foreach (var (l, t) in texts.Children)
                        {
                            var locale = (l as YamlScalarNode)?.Value ?? "";
                            if (!LocalePattern().IsMatch(locale)) problems.Add(new Problem((int)l.Start.Line, $"{key}.{locale}", $"'{locale}' is not a locale code such as en or es"));
                            else if (t is YamlScalarNode { Value: { } text } && !string.IsNullOrWhiteSpace(text)) byLocale[locale] = text.Trim();
                            else problems.Add(new Problem((int)t.Start.Line, $"{key}.{locale}", "must be a non-empty text"));
                        }
                        values[key] = byLocale.ToImmutable();
                    }
                    else
                    {
                        problems.Add(new Problem(line, key, field.Kind == ClinicFields.Kind.Value
                            ? $"must be a non-empty value ({field.Meaning})"
                            : $"must be a text per locale, e.g. {{ en: ..., es: ... }} ({field.Meaning})"));
                    }
                }
                else if (valueNode is YamlMappingNode inner && ClinicFields.All.Any(f => f.Key.StartsWith(key + ".", StringComparison.Ordinal)))
                {
                    Walk(inner, key);
                }
                else
                {
                    problems.Add(new Problem(line, key, $"unknown field '{key}' (known: {string.Join(", ", ClinicFields.All.Select(f => f.Key))})"));
                }
            }
        }
        Walk(root, "");
        if (id is null || !IdPattern().IsMatch(id)) problems.Add(new Problem(1, "id", "id is required: letters, digits, - and _ (the clinic id of its tokens and events)"));
        else if (id != expectedId) problems.Add(new Problem(1, "id", $"id '{id}' does not match its file name '{expectedId}'"));
        return problems.Count == 0 ? new Loaded(new ClinicProfile(id!, values.ToImmutable()), []) : new Loaded(null, [.. problems]);
    }

    // The same rule as a clinic claim in a token (it is the first part of an event's routing key).
    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$")]
    private static partial Regex IdPattern();

    [GeneratedRegex("^[a-z]{2}(-[A-Z]{2})?$")]
    private static partial Regex LocalePattern();
}

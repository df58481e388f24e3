using System.Text.Json;
using System.Text.RegularExpressions;

namespace Consent.Cluster.Tests;

/// <summary>
/// The configuration keys the service reads, found in its source the way a reviewer would: literal "Section:Key"
/// lookups, connection strings by name, sections bound to settings classes (each public settable property a key), and
/// appsettings.json. A manifest setting any other key sets something the service never reads.
/// </summary>
internal static partial class ServiceConfiguration
{
    private static readonly Lazy<HashSet<string>> Keys = new(Read);

    public static bool Reads(string key) => Keys.Value.Contains(key);

    public static IReadOnlyCollection<string> All => Keys.Value;

    private static HashSet<string> Read()
    {
        var sourceDir = Path.Combine(Manifests.RepoRoot, "src", "Consent.Api");
        var sources = Directory.EnumerateFiles(sourceDir, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Select(File.ReadAllText).ToList();
        var all = string.Join('\n', sources);
        var keys = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (Match m in LiteralKey().Matches(all)) keys.Add(m.Groups[1].Value);
        foreach (Match m in ConnectionString().Matches(all)) keys.Add($"ConnectionStrings:{m.Groups[1].Value}");
        var bound = BoundSection().Matches(all).Concat(ConfiguredSection().Matches(all)).Select(m => (Type: m.Groups[1].Value, Section: m.Groups[2].Value))
            .Concat(SectionGot().Matches(all).Select(m => (Type: m.Groups[2].Value, Section: m.Groups[1].Value)));
        foreach (var (type, section) in bound)
        {
            var declaration = sources.FirstOrDefault(s => Regex.IsMatch(s, $@"\bclass {type}\b"))
                ?? throw new InvalidOperationException($"settings class {type} (bound to {section}) not found");
            var body = declaration[Regex.Match(declaration, $@"\bclass {type}\b").Index..];
            foreach (Match p in SettableProperty().Matches(body)) keys.Add($"{section}:{p.Groups[1].Value}");
        }
        using var appsettings = JsonDocument.Parse(File.ReadAllText(Path.Combine(sourceDir, "appsettings.json")));
        Flatten(appsettings.RootElement, "", keys);
        return keys;
    }

    private static void Flatten(JsonElement element, string prefix, HashSet<string> keys)
    {
        if (element.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in element.EnumerateObject()) Flatten(property.Value, prefix.Length == 0 ? property.Name : $"{prefix}:{property.Name}", keys);
        }
        else if (element.ValueKind != JsonValueKind.Array)
        {
            keys.Add(prefix);
        }
    }

    [GeneratedRegex(@"""([A-Z][A-Za-z]+(?::[A-Z][A-Za-z]+)+)""")]
    private static partial Regex LiteralKey();

    [GeneratedRegex(@"GetConnectionString\(""(\w+)""\)")]
    private static partial Regex ConnectionString();

    [GeneratedRegex(@"AddOptions<(\w+)>\(\)\s*\.BindConfiguration\(""(\w+)""\)")]
    private static partial Regex BoundSection();

    [GeneratedRegex(@"Configure<(\w+)>\([^;]*?GetSection\(""(\w+)""\)")]
    private static partial Regex ConfiguredSection();

    [GeneratedRegex(@"GetSection\(""(\w+)""\)\.Get<(\w+)>")]
    private static partial Regex SectionGot();

    [GeneratedRegex(@"public [\w?<>\[\], ]+ (\w+) \{ get; (?:set|init); \}")]
    private static partial Regex SettableProperty();
}

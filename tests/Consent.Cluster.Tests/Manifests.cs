using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace Consent.Cluster.Tests;

/// <summary>YAML files read into plain maps, lists and strings, so the tests can walk them like the API server would.</summary>
internal static class Manifests
{
    public static string RepoRoot { get; } = FindRepoRoot();

    public static string K8s => Path.Combine(RepoRoot, "deploy", "k8s");

    private static string FindRepoRoot()
    {
        if (Environment.GetEnvironmentVariable("CONSENT_REPO_ROOT") is { Length: > 0 } root) return root;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Consent.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException("Cannot find the repository root (Consent.sln); set CONSENT_REPO_ROOT.");
    }

    /// <summary>Every document of a YAML file; a file that does not parse fails here with YamlDotNet's position.</summary>
    public static List<object?> Load(string path)
    {
        var stream = new YamlStream();
        using (var reader = new StreamReader(path)) stream.Load(reader);
        return [.. stream.Documents.Select(d => Convert(d.RootNode))];
    }

    public static Dictionary<string, object?> LoadOne(string path) =>
        Load(path).Single() as Dictionary<string, object?> ?? throw new InvalidOperationException($"{path} is not a map");

    private static object? Convert(YamlNode node) => node switch
    {
        YamlMappingNode map => map.Children.ToDictionary(c => ((YamlScalarNode)c.Key).Value!, c => Convert(c.Value)),
        YamlSequenceNode list => list.Children.Select(Convert).ToList(),
        YamlScalarNode scalar => scalar.Value,
        _ => null,
    };

    /// <summary>A value by path: "spec.template.spec.containers[0].ports"; throws naming the missing part.</summary>
    public static object? At(object? root, string path)
    {
        var current = root;
        foreach (Match part in Regex.Matches(path, @"([^.\[\]]+)|\[(\d+)\]"))
        {
            current = part.Groups[2].Success
                ? (current as List<object?> ?? throw new KeyNotFoundException($"{path}: not a list before {part.Value}"))[int.Parse(part.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture)]
                : (current as Dictionary<string, object?> ?? throw new KeyNotFoundException($"{path}: not a map before {part.Value}"))
                    .TryGetValue(part.Groups[1].Value, out var next) ? next : throw new KeyNotFoundException($"{path}: no {part.Groups[1].Value}");
        }
        return current;
    }

    public static string Text(object? root, string path) => At(root, path) as string ?? throw new InvalidCastException($"{path} is not text");

    public static List<object?> List(object? root, string path) => At(root, path) as List<object?> ?? throw new InvalidCastException($"{path} is not a list");

    public static Dictionary<string, object?> Map(object? root, string path) => At(root, path) as Dictionary<string, object?> ?? throw new InvalidCastException($"{path} is not a map");
}

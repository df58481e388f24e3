using System.Text.RegularExpressions;

namespace Consent.Api.UnitTests.Architecture;

/// <summary>
/// Which top-level feature folders of <c>src/Consent.Api</c> refer to which others, read from the source text:
/// <c>using Consent.Api.X</c>, <c>Consent.Api.X.</c> or a <c>X.Type</c> qualified name in a .cs or .cshtml file.
/// </summary>
public static class FeatureImports
{
    private static readonly string[] NotFeatures = ["bin", "obj", "wwwroot", "Properties", "node_modules"];

    /// <summary>The folder a file belongs to and its text.</summary>
    public sealed record Source(string Folder, string File, string Text);

    public static IReadOnlyList<string> Folders(string root) =>
        [.. Directory.EnumerateDirectories(root).Select(Path.GetFileName).OfType<string>().Where(d => !NotFeatures.Contains(d)).Order(StringComparer.Ordinal)];

    public static IEnumerable<Source> Read(string root) =>
        from folder in Folders(root)
        from file in Directory.EnumerateFiles(Path.Combine(root, folder), "*.*", SearchOption.AllDirectories)
        where file.EndsWith(".cs", StringComparison.Ordinal) || file.EndsWith(".cshtml", StringComparison.Ordinal)
        select new Source(folder, Path.GetRelativePath(root, file), File.ReadAllText(file));

    /// <summary>Each (from, to) edge with the files that make it.</summary>
    public static IReadOnlyDictionary<(string From, string To), List<string>> Edges(IReadOnlyList<string> folders, IEnumerable<Source> sources)
    {
        var patterns = folders.ToDictionary(g => g, g => new Regex(
            $@"using Consent\.Api\.{g}\b|\bConsent\.Api\.{g}\.|(?<![\w.]){g}\.[A-Z]\w+", RegexOptions.CultureInvariant));
        var edges = new Dictionary<(string, string), List<string>>();
        foreach (var source in sources)
        {
            foreach (var other in folders.Where(g => g != source.Folder && patterns[g].IsMatch(source.Text)))
            {
                if (!edges.TryGetValue((source.Folder, other), out var files)) edges[(source.Folder, other)] = files = [];
                files.Add(source.File);
            }
        }
        return edges;
    }

    /// <summary>Pairs of folders that refer to each other, each with the files on both sides.</summary>
    public static IReadOnlyList<string> Loops(IReadOnlyDictionary<(string From, string To), List<string>> edges) =>
        [.. edges.Keys.Where(e => string.CompareOrdinal(e.From, e.To) < 0 && edges.ContainsKey((e.To, e.From)))
            .Select(e => $"{e.From} <-> {e.To}: {string.Join(", ", edges[e].Order(StringComparer.Ordinal))} | {string.Join(", ", edges[(e.To, e.From)].Order(StringComparer.Ordinal))}")];
}

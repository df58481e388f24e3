using System.Collections.Immutable;
using System.Globalization;
using System.Text.RegularExpressions;
using Consent.Workflows.Definitions;

namespace Consent.Workflows.Loading;

/// <summary>
/// Every published version under a workflows folder: <c>{id}/v{N}.yaml</c>. The folder name must equal the id
/// and the file number the version, so a copied file can never pass for another workflow or version.
/// </summary>
public sealed partial class WorkflowCatalog
{
    private readonly ImmutableArray<WorkflowDefinition> _all;

    private WorkflowCatalog(ImmutableArray<WorkflowDefinition> all, ImmutableArray<LoadError> errors)
    {
        _all = all;
        Errors = errors;
    }

    public IReadOnlyList<WorkflowDefinition> All => _all;

    public ImmutableArray<LoadError> Errors { get; }

    public static WorkflowCatalog From(IEnumerable<WorkflowDefinition> definitions) => new([.. definitions], []);

    public WorkflowDefinition? Find(string id, int? version = null) =>
        version is null
            ? _all.Where(d => d.Id == id).MaxBy(d => d.Version)
            : _all.FirstOrDefault(d => d.Id == id && d.Version == version);

    public static WorkflowCatalog LoadDirectory(string workflowsRoot)
    {
        var definitions = ImmutableArray.CreateBuilder<WorkflowDefinition>();
        var errors = ImmutableArray.CreateBuilder<LoadError>();
        foreach (var folder in Directory.EnumerateDirectories(workflowsRoot).Order(StringComparer.Ordinal))
        {
            foreach (var file in Directory.EnumerateFiles(folder, "*.yaml").Order(StringComparer.Ordinal))
            {
                var match = VersionFile().Match(Path.GetFileName(file));
                if (!match.Success)
                {
                    continue;
                }
                var result = WorkflowLoader.LoadFile(file);
                errors.AddRange(result.Errors);
                if (result.Definition is not { } d) continue;
                var folderName = Path.GetFileName(folder);
                var fileVersion = int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
                if (d.Id != folderName)
                {
                    errors.Add(new LoadError(file, d.Source.Line, "id", $"id '{d.Id}' does not match its folder '{folderName}'"));
                }
                else if (d.Version != fileVersion)
                {
                    errors.Add(new LoadError(file, d.Source.Line, "version", $"version {d.Version} does not match the file name v{fileVersion}.yaml"));
                }
                else
                {
                    definitions.Add(d);
                }
            }
        }
        return new WorkflowCatalog(definitions.ToImmutable(), errors.ToImmutable());
    }

    [GeneratedRegex("^v([1-9][0-9]*)\\.yaml$")]
    private static partial Regex VersionFile();
}

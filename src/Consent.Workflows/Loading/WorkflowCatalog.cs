using System.Collections.Immutable;
using System.Globalization;
using System.Text.RegularExpressions;
using Consent.Workflows.Definitions;

namespace Consent.Workflows.Loading;

/// <summary>
/// Every published version under a workflows folder: <c>{id}/v{N}.yaml</c>. The folder name must equal the id
/// and the file number the version, so a copied file can never pass for another workflow or version. When the
/// folder holds <c>approvals.yaml</c>, only versions whose content hash reviewers approved are published; the
/// others are listed in <see cref="Unapproved"/> (<see cref="Approvals"/>). A version approved for some clinics only
/// (one that uses clinic values is approved per clinic) is offered for new consents at those clinics alone.
/// </summary>
public sealed partial class WorkflowCatalog
{
    private readonly ImmutableArray<WorkflowDefinition> _all;
    private readonly Approvals? _approvals;

    private WorkflowCatalog(ImmutableArray<WorkflowDefinition> all, ImmutableArray<LoadError> errors, ImmutableArray<WorkflowDefinition> unapproved = default, Approvals? approvals = null)
    {
        _all = all;
        _approvals = approvals;
        Errors = errors;
        Unapproved = unapproved.IsDefault ? [] : unapproved;
    }

    /// <summary>Every published version: approved for at least one clinic (consents on any of them can be read).</summary>
    public IReadOnlyList<WorkflowDefinition> All => _all;

    /// <summary>Versions that loaded but are not published because no approval names their content hash.</summary>
    public ImmutableArray<WorkflowDefinition> Unapproved { get; }

    public ImmutableArray<LoadError> Errors { get; }

    public static WorkflowCatalog From(IEnumerable<WorkflowDefinition> definitions) => new([.. definitions], []);

    /// <summary>
    /// A published version; without <paramref name="version"/>, the newest one published for every clinic (a
    /// clinic's own newest, which new consents start on, is <see cref="FindFor"/>).
    /// </summary>
    public WorkflowDefinition? Find(string id, int? version = null) =>
        version is null
            ? _all.Where(d => d.Id == id && (_approvals is null || _approvals.ApprovesEverywhere(d))).MaxBy(d => d.Version)
            : _all.FirstOrDefault(d => d.Id == id && d.Version == version);

    /// <summary>Whether new consents of <paramref name="clinic"/> may start on <paramref name="definition"/>.</summary>
    public bool IsPublishedFor(WorkflowDefinition definition, string clinic) =>
        _all.Any(d => d.Id == definition.Id && d.Version == definition.Version && d.ContentHash == definition.ContentHash) && (_approvals is null || _approvals.Approves(definition, clinic));

    /// <summary>The version <paramref name="clinic"/>'s new consents start on (the newest published for it), or a pinned published one.</summary>
    public WorkflowDefinition? FindFor(string clinic, string id, int? version = null) =>
        version is null
            ? _all.Where(d => d.Id == id && IsPublishedFor(d, clinic)).MaxBy(d => d.Version)
            : Find(id, version);

    /// <summary>The published versions: all of them, or with <c>approvals.yaml</c> present only the approved ones.</summary>
    public static WorkflowCatalog LoadDirectory(string workflowsRoot)
    {
        var every = LoadAll(workflowsRoot);
        var approvalsFile = Path.Combine(workflowsRoot, Approvals.FileName);
        if (!every.Errors.IsEmpty || !File.Exists(approvalsFile)) return every;
        var approvals = Approvals.Parse(File.ReadAllText(approvalsFile), approvalsFile);
        if (!approvals.Errors.IsEmpty) return new WorkflowCatalog([], approvals.Errors);
        // Each clinic's patients read a version with clinic values in that clinic's words: reviewers approve the
        // packet of one clinic, and an approval for all would publish it to clinics whose text no one has read.
        var unscoped = every._all.Where(d => Clinics.Placeholders.UsedBy(d).Count > 0 && approvals.ApprovesEverywhere(d))
            .Select(d => new LoadError(approvalsFile, 0, "approved", $"{d.Id} v{d.Version} uses clinic values: approve it per clinic (clinic: ID), after reviewing that clinic's packet"))
            .ToImmutableArray();
        if (!unscoped.IsEmpty) return new WorkflowCatalog([], unscoped);
        var (published, unapproved) = (every._all.Where(approvals.Approves).ToImmutableArray(), every._all.Where(d => !approvals.Approves(d)).ToImmutableArray());
        return new WorkflowCatalog(published, [], unapproved, approvals);
    }

    /// <summary>Every version on disk, approved or not: what lint, diff and the review packet read.</summary>
    public static WorkflowCatalog LoadAll(string workflowsRoot)
    {
        if (!Directory.Exists(workflowsRoot))
        {
            return new WorkflowCatalog([], [new LoadError(workflowsRoot, 0, "", "the workflows folder does not exist")]);
        }
        var definitions = ImmutableArray.CreateBuilder<WorkflowDefinition>();
        var errors = ImmutableArray.CreateBuilder<LoadError>();
        var files = Directory.EnumerateDirectories(workflowsRoot).SelectMany(folder => Directory.EnumerateFiles(folder, "v*.yaml"));
        foreach (var file in files.Order(StringComparer.Ordinal))
        {
            var match = VersionFile().Match(Path.GetFileName(file));
            if (!match.Success)
            {
                // A draft named v2-draft.yaml or v02.yaml would otherwise be skipped without a word.
                errors.Add(new LoadError(file, 0, "", "a version file is named v{N}.yaml with N a whole number from 1, e.g. v2.yaml"));
                continue;
            }
            var folder = Path.GetFileName(Path.GetDirectoryName(file))!;
            var result = WorkflowLoader.LoadFile(file, (folder, int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture)));
            errors.AddRange(result.Errors);
            if (result.Definition is { } d) definitions.Add(d);
        }
        return new WorkflowCatalog(definitions.ToImmutable(), errors.ToImmutable());
    }

    [GeneratedRegex("^v([1-9][0-9]*)\\.yaml$")]
    private static partial Regex VersionFile();
}

using System.Runtime.CompilerServices;
using Consent.Workflows.Definitions;
using Consent.Workflows.Linting;
using Consent.Workflows.Loading;

namespace Consent.Workflows.Tests.Support;

/// <summary>The workflows this repository ships, loaded from <c>workflows/</c> as the service loads them.</summary>
public static class Shipped
{
    public static string RepoRoot { get; } = FindRepoRoot();

    public static string WorkflowsRoot => Path.Combine(RepoRoot, "workflows");

    private static readonly Lazy<WorkflowCatalog> Catalog = new(() => WorkflowCatalog.LoadAll(WorkflowsRoot));

    /// <summary>What the service publishes: the approved versions.</summary>
    public static WorkflowCatalog Published { get; } = WorkflowCatalog.LoadDirectory(Path.Combine(FindRepoRoot(), "workflows"));

    public static WorkflowCatalog All => Catalog.Value;

    public static WorkflowDefinition StemCellMs => All.Find("stem-cell-ms", 1) ?? throw new InvalidOperationException("stem-cell-ms v1 is missing");

    public static WorkflowDefinition StemCellMsV2 => All.Find("stem-cell-ms", 2) ?? throw new InvalidOperationException("stem-cell-ms v2 is missing");

    public static WorkflowDefinition LumbarPunctureV2 => All.Find("lumbar-puncture", 2) ?? throw new InvalidOperationException("lumbar-puncture v2 is missing");

    public static WorkflowDefinition LumbarPuncture => All.Find("lumbar-puncture", 1) ?? throw new InvalidOperationException("lumbar-puncture v1 is missing");

    public static ClaimRules ClaimRules { get; } = ClaimRules.LoadDirectory(Path.Combine(FindRepoRoot(), "workflows", "claims"));

    /// <summary>Claim and evidence rules, as <c>consent lint</c> reads them from the workflows folder.</summary>
    public static LintRules Rules { get; } = LintRules.LoadDirectory(Path.Combine(FindRepoRoot(), "workflows"));

    // A build with --artifacts-path outside the tree puts the binaries where no Consent.sln is above them, so the
    // source file's own location is the fallback.
    private static string FindRepoRoot([CallerFilePath] string sourceFile = "")
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Path.GetDirectoryName(sourceFile) ?? "" })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Consent.sln"))) return dir.FullName;
            }
        }
        throw new InvalidOperationException($"Consent.sln not found above {AppContext.BaseDirectory} or {sourceFile}");
    }
}

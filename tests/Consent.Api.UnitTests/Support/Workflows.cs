using Consent.Workflows.Definitions;
using Consent.Workflows.Loading;

namespace Consent.Api.UnitTests.Support;

/// <summary>The workflows this repository ships, loaded from <c>workflows/</c> as the service loads them.</summary>
public static class Workflows
{
    private static readonly Lazy<WorkflowCatalog> Catalog = new(() => WorkflowCatalog.LoadDirectory(Path.Combine(RepoRoot.Path, "workflows")));

    public static WorkflowDefinition StemCellMs => Catalog.Value.Find("stem-cell-ms", 1) ?? throw new InvalidOperationException("stem-cell-ms v1 is missing");
}

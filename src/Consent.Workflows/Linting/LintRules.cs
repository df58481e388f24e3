namespace Consent.Workflows.Linting;

/// <summary>The data-driven rules a lint applies, read from the workflows folder: claims/ and evidence/.</summary>
public sealed record LintRules(ClaimRules Claims, EvidenceRules Evidence)
{
    public static readonly LintRules None = new(ClaimRules.None, EvidenceRules.None);

    public static LintRules LoadDirectory(string workflowsRoot) => new(
        ClaimRules.LoadDirectory(Path.Combine(workflowsRoot, "claims")),
        EvidenceRules.LoadDirectory(Path.Combine(workflowsRoot, "evidence")));
}

using System.Collections.Immutable;

namespace Consent.Workflows.Linting;

public enum LintSeverity { Error, Warning, Info }

public sealed record LintFinding(LintSeverity Severity, string Code, string Path, int Line, string Message)
{
    public override string ToString() => $"{Line}: {Severity.ToString().ToLowerInvariant()} {Code} {Path}: {Message}";
}

public sealed record LintReport(ImmutableArray<LintFinding> Findings)
{
    public bool Valid => Findings.All(f => f.Severity != LintSeverity.Error);

    public IEnumerable<LintFinding> Errors => Findings.Where(f => f.Severity == LintSeverity.Error);
}

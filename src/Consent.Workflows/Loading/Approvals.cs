using System.Collections.Immutable;
using Consent.Workflows.Definitions;
using YamlDotNet.RepresentationModel;

namespace Consent.Workflows.Loading;

/// <summary>
/// The content hashes reviewers approved (<c>workflows/approvals.yaml</c>): an IRB reviews the packet of one version
/// (<c>consent review</c>), which names its hash, and approves that hash. A version edited after approval has
/// another hash and is no longer published. An approval may name the <c>clinic</c> whose packet was reviewed: a
/// version that uses clinic values (<c>{clinic.KEY}</c>) reads differently at every clinic, so it is approved, and
/// published, clinic by clinic; an approval without a clinic holds for every clinic.
/// </summary>
public sealed partial record Approvals(ImmutableArray<Approvals.Entry> Entries, ImmutableArray<LoadError> Errors)
{
    public const string FileName = "approvals.yaml";

    public sealed record Entry(string Workflow, int Version, string ContentHash, string ApprovedBy, string? Clinic = null);

    /// <summary>Approved for at least one clinic.</summary>
    public bool Approves(WorkflowDefinition d) => For(d).Any();

    /// <summary>Approved for <paramref name="clinic"/>: by an approval naming it, or by one naming no clinic.</summary>
    public bool Approves(WorkflowDefinition d, string clinic) => For(d).Any(e => e.Clinic is null || e.Clinic == clinic);

    /// <summary>Approved for every clinic (an approval naming no clinic).</summary>
    public bool ApprovesEverywhere(WorkflowDefinition d) => For(d).Any(e => e.Clinic is null);

    private IEnumerable<Entry> For(WorkflowDefinition d) => Entries.Where(e => e.Workflow == d.Id && e.Version == d.Version && e.ContentHash == d.ContentHash);

    public static Approvals Parse(string yaml, string file)
    {
        var entries = ImmutableArray.CreateBuilder<Entry>();
        var errors = ImmutableArray.CreateBuilder<LoadError>();
        try
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(yaml));
            if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root
                || !root.Children.TryGetValue(new YamlScalarNode("approved"), out var list) || list is not YamlSequenceNode items)
            {
                return new Approvals([], [new LoadError(file, 1, "approved", "approvals.yaml holds 'approved:' with a list of {workflow, version, contentHash, approvedBy}")]);
            }
            for (var i = 0; i < items.Children.Count; i++)
            {
                var node = items.Children[i];
                string? Field(string key) => node is YamlMappingNode m && m.Children.TryGetValue(new YamlScalarNode(key), out var v) ? (v as YamlScalarNode)?.Value : null;
                var (workflow, version, hash, by, clinic) = (Field("workflow"), Field("version"), Field("contentHash"), Field("approvedBy"), Field("clinic"));
                if (workflow is null || !int.TryParse(version, out var n) || hash is null || !hash.StartsWith("sha256:", StringComparison.Ordinal) || string.IsNullOrWhiteSpace(by))
                {
                    errors.Add(new LoadError(file, (int)node.Start.Line, $"approved[{i}]", "each approval names workflow, version, contentHash (sha256:...) and approvedBy, and may name a clinic"));
                    continue;
                }
                if (clinic is not null && !ClinicId().IsMatch(clinic))
                {
                    errors.Add(new LoadError(file, (int)node.Start.Line, $"approved[{i}].clinic", $"'{clinic}' is not a clinic id (letters, digits, '_' and '-', at most 64)"));
                    continue;
                }
                entries.Add(new Entry(workflow, n, hash, by, clinic));
            }
        }
        catch (YamlDotNet.Core.YamlException ex)
        {
            errors.Add(new LoadError(file, (int)ex.Start.Line, "", $"not valid YAML: {ex.InnerException?.Message ?? ex.Message}"));
        }
        return new Approvals(entries.ToImmutable(), errors.ToImmutable());
    }

    [System.Text.RegularExpressions.GeneratedRegex("^[A-Za-z0-9_-]{1,64}$")]
    private static partial System.Text.RegularExpressions.Regex ClinicId();
}

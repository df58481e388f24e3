using System.CommandLine;
using Consent.Cli.Workflows;
using Consent.Workflows.Clinics;
using Consent.Workflows.Linting;
using Consent.Workflows.Loading;

namespace Consent.Cli.Review;

/// <summary>
/// <c>consent review WORKFLOW --clinic CLINIC</c>: one HTML document an IRB can review, with the content hash it
/// approves (shared/api-contract.md). Exit 0 when written, 1 when the workflow, version or clinic is not found or
/// the profile is invalid.
/// </summary>
internal static class ReviewCommand
{
    public static Command Create()
    {
        var workflow = new Argument<string>("workflow") { Description = "The workflow id, e.g. stem-cell-ms" };
        var clinic = new Option<string>("--clinic") { Description = "The clinic id whose profile fills the placeholders", Required = true };
        var version = new Option<int?>("--version") { Description = "The version to review (default: the newest on disk)" };
        var output = new Option<string?>("--out") { Description = "Where to write the HTML (default: review-WORKFLOW-vN-CLINIC.html)" };
        var workflows = new Option<string>("--workflows") { Description = "The workflows folder", DefaultValueFactory = _ => "workflows" };
        var clinics = new Option<string>("--clinics") { Description = "The clinic profiles folder", DefaultValueFactory = _ => "clinics" };
        var command = new Command("review", "Write the IRB review packet of a workflow version for a clinic (HTML)") { workflow, clinic, version, output, workflows, clinics };
        command.SetAction(parse => Run(parse.GetValue(workflow)!, parse.GetValue(clinic)!, parse.GetValue(version), parse.GetValue(output), parse.GetValue(workflows)!, parse.GetValue(clinics)!));
        return command;
    }

    private static int Run(string workflowId, string clinicId, int? version, string? output, string workflowsRoot, string clinicsRoot)
    {
        var catalog = WorkflowCatalog.LoadAll(workflowsRoot);
        foreach (var e in catalog.Errors) Console.Error.WriteLine(e);
        if (catalog.Find(workflowId, version) is not { } definition)
        {
            Console.Error.WriteLine($"{workflowId}{(version is null ? "" : $" v{version}")}: no such workflow version under {workflowsRoot}");
            return 1;
        }
        var profilePath = Path.Combine(clinicsRoot, $"{clinicId}.yaml");
        if (!File.Exists(profilePath))
        {
            Console.Error.WriteLine($"{profilePath}: no profile for clinic '{clinicId}'");
            return 1;
        }
        var loaded = ClinicProfile.LoadFile(profilePath);
        foreach (var p in loaded.Problems) Console.Error.WriteLine($"{profilePath}:{p}");
        if (loaded.Profile is not { } profile) return 1;
        var rules = LintRules.LoadDirectory(Path.GetFullPath(workflowsRoot));
        var approvalsFile = Path.Combine(workflowsRoot, Approvals.FileName);
        var approvals = File.Exists(approvalsFile) ? Approvals.Parse(File.ReadAllText(approvalsFile), approvalsFile) : null;
        var html = ReviewPacket.Html(definition, profile, rules, approvals?.Approves(definition));
        var path = output ?? $"review-{definition.Id}-v{definition.Version}-{clinicId}.html";
        File.WriteAllText(path, html);
        Console.WriteLine($"{path}: {definition.Id} v{definition.Version} for clinic {clinicId}, content hash {definition.ContentHash}");
        return 0;
    }
}

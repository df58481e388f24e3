using System.CommandLine;
using Consent.Cli.Workflows;
using Consent.Workflows.Clinics;
using Consent.Workflows.Linting;
using Consent.Workflows.Loading;

namespace Consent.Cli.Review;

/// <summary>
/// <c>consent review WORKFLOW --clinic CLINIC</c>: one document an IRB can review, as HTML and as PDF (the same
/// content), with the content hash it approves for that clinic (the hashes workflows/approvals.yaml lists; see
/// workflows/README.md). Exit 0 when written, 1 when the workflow, version or clinic is not found, the profile is
/// invalid or the PDF's font is missing.
/// </summary>
internal static class ReviewCommand
{
    public static Command Create()
    {
        var workflow = new Argument<string>("workflow") { Description = "The workflow id, e.g. stem-cell-ms" };
        var clinic = new Option<string>("--clinic") { Description = "The clinic id whose profile fills the placeholders", Required = true };
        var version = new Option<int?>("--version") { Description = "The version to review (default: the newest on disk)" };
        var output = new Option<string?>("--out") { Description = "Where to write the HTML (default: review-WORKFLOW-vN-CLINIC.html)" };
        var pdf = new Option<string?>("--pdf") { Description = "Where to write the PDF (default: the HTML's path with .pdf)" };
        var fonts = new Option<string>("--font-dir") { Description = "The folder holding DejaVuSans.ttf and DejaVuSans-Bold.ttf", DefaultValueFactory = _ => Consent.Api.Records.RecordFonts.DebianDirectory };
        var workflows = new Option<string>("--workflows") { Description = "The workflows folder", DefaultValueFactory = _ => "workflows" };
        var clinics = new Option<string>("--clinics") { Description = "The clinic profiles folder", DefaultValueFactory = _ => "clinics" };
        var command = new Command("review", "Write the IRB review packet of a workflow version for a clinic (HTML and PDF)") { workflow, clinic, version, output, pdf, fonts, workflows, clinics };
        command.SetAction(parse => Run(
            new Request(parse.GetValue(workflow)!, parse.GetValue(clinic)!, parse.GetValue(version), parse.GetValue(output), parse.GetValue(pdf), parse.GetValue(fonts)!),
            parse.GetValue(workflows)!, parse.GetValue(clinics)!));
        return command;
    }

    private sealed record Request(string WorkflowId, string ClinicId, int? Version, string? Html, string? Pdf, string FontDirectory);

    private static int Run(Request request, string workflowsRoot, string clinicsRoot)
    {
        var (workflowId, clinicId, version) = (request.WorkflowId, request.ClinicId, request.Version);
        try
        {
            Consent.Api.Records.RecordFonts.Install(request.FontDirectory);
        }
        catch (InvalidOperationException missing)
        {
            Console.Error.WriteLine(missing.Message + " (consent review: pass --font-dir)");
            return 1;
        }
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
        var blocks = ReviewPacket.Blocks(definition, profile, rules, approvals?.Approves(definition, clinicId));
        var title = $"Review: {definition.Id} v{definition.Version} for {clinicId}";
        var html = request.Html ?? $"review-{definition.Id}-v{definition.Version}-{clinicId}.html";
        var pdf = request.Pdf ?? Path.ChangeExtension(html, ".pdf");
        File.WriteAllText(html, ReviewPacket.Html(blocks, title));
        File.WriteAllBytes(pdf, ReviewPdf.Render(blocks, title, $"IRB review packet, content hash {definition.ContentHash}"));
        Console.WriteLine($"{html}, {pdf}: {definition.Id} v{definition.Version} for clinic {clinicId}, content hash {definition.ContentHash}");
        return 0;
    }
}

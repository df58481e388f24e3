using System.Text.RegularExpressions;
using Consent.Workflows.Clinics;
using Consent.Workflows.Loading;
using UglyToad.PdfPig;


namespace Consent.Cli.Tests;

/// <summary>The IRB packet as PDF as well as HTML, and the clinic's values linted wherever a workflow is read for a clinic.</summary>
public sealed partial class ReviewPacketTests
{
    private static readonly string Workflows = Path.Combine(CliTests.RepoRoot, "workflows");

    private static string Collapse(string s) => Spaces().Replace(s, " ").Trim();

    /// <summary>Every word the PDF draws, in reading order, as a viewer's text search sees them.</summary>
    private static string PdfText(string path)
    {
        using var pdf = PdfDocument.Open(path);
        return Collapse(string.Join(' ', pdf.GetPages().SelectMany(p => p.GetWords()).Select(w => w.Text)));
    }

    /// <summary>A clinics folder whose demo profile is the shipped one with <paramref name="find"/> replaced.</summary>
    private static string ClinicsWith(string find, string replace)
    {
        var yaml = File.ReadAllText(Path.Combine(CliTests.RepoRoot, "clinics", "demo.yaml"));
        yaml.ShouldContain(find);
        var folder = Directory.CreateTempSubdirectory("clinics-").FullName;
        File.WriteAllText(Path.Combine(folder, "demo.yaml"), yaml.Replace(find, replace, StringComparison.Ordinal));
        return folder;
    }

    [Theory]
    [InlineData("stem-cell-ms")]
    [InlineData("lumbar-puncture")]
    public async Task Review_writes_a_pdf_with_every_step_title_in_every_locale_the_lint_results_and_the_hash(string id)
    {
        var folder = Directory.CreateTempSubdirectory("review-").FullName;
        var (html, pdf) = (Path.Combine(folder, "packet.html"), Path.Combine(folder, "packet.pdf"));

        var (exit, output, error) = await CliTests.Consent("review", id, "--clinic", "demo", "--out", html, "--pdf", pdf);

        exit.ShouldBe(0, output + error);
        File.ReadAllBytes(pdf).AsSpan(0, 5).ToArray().ShouldBe("%PDF-"u8.ToArray());
        var text = PdfText(pdf);
        var template = WorkflowCatalog.LoadAll(Workflows).Find(id)!;
        var shown = Placeholders.RenderAll(template, ClinicProfile.LoadFile(Path.Combine(CliTests.RepoRoot, "clinics", "demo.yaml")).Profile!);
        foreach (var step in shown.Steps)
        {
            foreach (var (locale, title) in step.Title.ByLocale)
            {
                text.ShouldContain(Collapse($"{locale}: {title}"), customMessage: $"step {step.Id} [{locale}]");
            }
        }
        text.ShouldContain(template.ContentHash);
        text.ShouldContain("No findings: complete and honest");
        // Accents come through as the letters they are, not as boxes or dropped glyphs.
        text.ShouldContain("es: " + Collapse(shown.Steps[0].Title.ByLocale["es"]));
        text.ShouldMatch("[áéíóúñ]");
        // What the patient reads carries the clinic's values (the evidence notes alone quote the template's placeholders).
        text.ShouldContain("555-0199, any hour (example)");
    }

    [Fact]
    public async Task A_profile_that_claims_fda_approval_is_a_lint_error_in_the_packet_and_in_lint_with_the_clinic()
    {
        var clinics = ClinicsWith("this clinic gives the treatment inside a registered research study.", "we give FDA-approved stem cells.");
        var folder = Directory.CreateTempSubdirectory("review-").FullName;
        var (html, pdf) = (Path.Combine(folder, "packet.html"), Path.Combine(folder, "packet.pdf"));

        var (exit, output, error) = await CliTests.Consent("review", "stem-cell-ms", "--clinic", "demo", "--clinics", clinics, "--out", html, "--pdf", pdf);
        exit.ShouldBe(0, output + error);
        (await File.ReadAllTextAsync(html)).ShouldContain("claim-fda-approved clinic.regulatory.status");
        PdfText(pdf).ShouldContain("claim-fda-approved clinic.regulatory.status");

        (exit, output, _) = await CliTests.Consent("lint", "workflows", "--clinic", "demo", "--clinics", clinics);
        exit.ShouldBe(1, output);
        output.ShouldMatch(@"stem-cell-ms/v2\.yaml:0: error claim-fda-approved clinic\.regulatory\.status: clinic 'demo' value");

        // The same workflows with the shipped profile are clean, and without --clinic the profile is not read at all.
        (exit, output, _) = await CliTests.Consent("lint", "workflows", "--clinic", "demo");
        exit.ShouldBe(0, output);
        (exit, output, _) = await CliTests.Consent("lint", "workflows");
        exit.ShouldBe(0, output);
    }

    [Fact]
    public async Task Lint_for_a_clinic_without_a_profile_exits_1_naming_the_file()
    {
        var (exit, _, error) = await CliTests.Consent("lint", "workflows", "--clinic", "nowhere");
        exit.ShouldBe(1);
        error.ShouldContain("nowhere.yaml");
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Spaces();
}

using System.Diagnostics;

namespace Consent.Cli.Tests;

public sealed class CliTests
{
    internal static readonly string RepoRoot = FindRepoRoot();

    internal static async Task<(int Exit, string Out, string Err)> Consent(params string[] args)
    {
        var framework = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var cli = Path.Combine(RepoRoot, "src", "Consent.Cli", "bin", framework.Parent!.Name, framework.Name, "consent.dll");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = RepoRoot };
        start.ArgumentList.Add(cli);
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout, await stderr);
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Consent.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException("Consent.sln not found");
    }

    private static string TempCopyOf(string relative, Func<string, string> edit)
    {
        var folder = Directory.CreateTempSubdirectory("workflows-").FullName;
        var path = Path.Combine(folder, "v1.yaml");
        File.WriteAllText(path, edit(File.ReadAllText(Path.Combine(RepoRoot, relative))));
        return path;
    }

    [Fact]
    public async Task Lint_of_the_shipped_workflows_lints_the_newest_versions_and_exits_0()
    {
        var (exit, output, _) = await Consent("lint", "workflows");

        exit.ShouldBe(0, output);
        output.ShouldContain("stem-cell-ms/v1.yaml: superseded by v2.yaml, not linted");
        output.ShouldContain("2 definition(s): 0 error(s), 0 warning(s)");
    }

    [Fact]
    public async Task Lint_of_published_v1_by_its_path_finds_the_defects_review_found()
    {
        var (exit, output, _) = await Consent("lint", "workflows/stem-cell-ms/v1.yaml");

        exit.ShouldBe(1, output);
        output.ShouldMatch(@"stem-cell-ms/v1\.yaml:\d+: error key-information-without-serious-risk steps\[0\]\.body");
    }

    [Fact]
    public async Task Review_writes_one_html_packet_with_the_hash_the_rendered_text_evidence_and_lint()
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("review-").FullName, "packet.html");

        var (exit, output, error) = await Consent("review", "stem-cell-ms", "--clinic", "demo", "--out", path);

        exit.ShouldBe(0, output + error);
        var html = await File.ReadAllTextAsync(path);
        html.ShouldContain("stem-cell-ms v2 for demo");
        html.ShouldMatch("<code id=\"content-hash\">sha256:[0-9a-f]{64}</code> \\(approved for demo\\)");
        html.ShouldContain("No findings: complete and honest");
        html.ShouldContain("555-0199, any hour (example)");
        // What the patient reads has the clinic's values; only the evidence notes quote the template's placeholders.
        html.ShouldContain("<div class=\"text\" lang=\"es\">");
        html.ShouldNotMatch("<div class=\"text\"[^>]*>[^<]*\\{clinic\\.");
        html.ShouldContain("<strong>withdrawal_consequences</strong>");
        html.ShouldContain("(right answer)");
        html.ShouldContain("Wrong answers allowed: 2");
        html.ShouldContain("lang=\"es\"");
        output.ShouldContain("content hash sha256:");
    }

    [Fact]
    public async Task Review_of_an_unknown_clinic_exits_1_naming_it()
    {
        var (exit, _, error) = await Consent("review", "stem-cell-ms", "--clinic", "nowhere");
        exit.ShouldBe(1);
        error.ShouldContain("no profile for clinic 'nowhere'");
    }

    [Fact]
    public async Task Lint_exits_1_and_names_file_line_and_rule_when_a_definition_breaks_a_rule()
    {
        var path = TempCopyOf("workflows/lumbar-puncture/v1.yaml", y => y.Replace("It is not experimental.", "It is guaranteed to be painless.", StringComparison.Ordinal));

        var (exit, output, _) = await Consent("lint", path, "--claims", Path.Combine(RepoRoot, "workflows", "claims"));

        exit.ShouldBe(1);
        output.ShouldMatch(@"v1\.yaml:\d+: error claim-guaranteed steps\[0\]\.body");
    }

    [Fact]
    public async Task Diff_classifies_a_changed_risk_as_material_and_a_typo_fix_as_cosmetic()
    {
        const string lp = "workflows/lumbar-puncture/v1.yaml";
        var material = TempCopyOf(lp, y => y.Replace("version: 1", "version: 2", StringComparison.Ordinal).Replace("Your back may be sore", "Your back may be very sore", StringComparison.Ordinal));
        var cosmetic = TempCopyOf(lp, y => y.Replace("version: 1", "version: 2", StringComparison.Ordinal).Replace("a few days", "a  few days", StringComparison.Ordinal));

        var (exit, output, _) = await Consent("diff", lp, material);
        exit.ShouldBe(0);
        output.ShouldContain("material  risk-back-pain body [en]: wording changed");
        output.ShouldContain("material: re-consent needed for risk-back-pain");

        (await Consent("diff", lp, cosmetic)).Out.ShouldContain("cosmetic: no re-consent needed");
    }

    [Fact]
    public async Task Token_refuses_an_unknown_role()
    {
        var (exit, _, err) = await Consent("token", "--role", "nurse", "--sub", "x", "--key-file", Path.Combine(Path.GetTempPath(), "unused.key"));
        exit.ShouldNotBe(0);
        err.ShouldContain("nurse");
    }
}

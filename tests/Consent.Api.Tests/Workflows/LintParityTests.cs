using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Consent.Api.Auth;
using Consent.Api.Tests.Support;

namespace Consent.Api.Tests.Workflows;

/// <summary>
/// <c>POST /api/workflows/lint</c> and <c>consent lint</c> apply one rule set: a workflow broken in every way the
/// stricter rules of issue #19 know gets the same errors from both (the endpoint once applied the claim rules only).
/// </summary>
[Trait("Category", "Infrastructure")]
public sealed partial class LintParityTests(LintParityTests.Factory factory) : IClassFixture<LintParityTests.Factory>
{
    public sealed class Factory : ApiFactory;

    private static readonly string Shipped = Path.Combine(TestInfrastructure.RepoRoot, "workflows");

    /// <summary>lumbar-puncture v2 with a marketing claim, no serious risk in the key information, no risk step, a jargon sentence, a quiz trying every option passes, and an unknown placeholder.</summary>
    private static string Broken() => File.ReadAllText(Path.Combine(Shipped, "lumbar-puncture", "v2.yaml"))
        .Replace("It is a common, standard test. It is not experimental.", "It is a miracle test with no side effects.", StringComparison.Ordinal)
        .Replace("Serious problems can happen. They include meningitis (an infection around the brain and spinal cord) and nerve damage.", "Some problems are serious.", StringComparison.Ordinal)
        .Replace("    type: risk\n", "    type: explain\n", StringComparison.Ordinal)
        .Replace("Your back may be sore where the needle went in.", "Iatrogenic post-procedural lumbosacral musculoskeletal discomfort is anticipated following cerebrospinal fluid acquisition.", StringComparison.Ordinal)
        .Replace("  quizAttempts: 2\n", "  quizAttempts: 9\n", StringComparison.Ordinal)
        .Replace("{clinic.contacts.urgent}", "{clinic.contacts.hotline}", StringComparison.Ordinal);

    [Fact]
    public async Task A_deliberately_broken_workflow_gets_the_same_errors_from_the_endpoint_and_the_cli()
    {
        var yaml = Broken();
        var file = Path.Combine(Directory.CreateTempSubdirectory("lint-parity-").FullName, "v2.yaml");
        await File.WriteAllTextAsync(file, yaml);

        using var content = new StringContent(yaml, Encoding.UTF8, "application/yaml");
        var response = await factory.ClientAs(StaffRoles.Coordinator).PostAsync("/api/workflows/lint", content);
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var report = await response.Content.ReadFromJsonAsync<JsonElement>();
        var endpoint = report.GetProperty("findings").EnumerateArray()
            .Where(f => f.GetProperty("severity").GetString() == "error")
            .Select(f => (Line: f.GetProperty("line").GetInt32(), Code: f.GetProperty("code").GetString(), Path: f.GetProperty("path").GetString()!, Message: f.GetProperty("message").GetString()))
            .Select(f => $"{f.Line} {f.Code}{(f.Path.Length > 0 ? " " + f.Path : "")}: {f.Message}")
            .Order(StringComparer.Ordinal).ToList();

        var (exit, output, error) = await Cli("lint", file, "--claims", Path.Combine(Shipped, "claims"), "--evidence", Path.Combine(Shipped, "evidence"));
        exit.ShouldBe(1, output + error);
        var cli = output.Split('\n').Select(l => CliError().Match(l)).Where(m => m.Success)
            .Select(m => $"{m.Groups["line"].Value} {m.Groups["rest"].Value}").Order(StringComparer.Ordinal).ToList();

        report.GetProperty("valid").GetBoolean().ShouldBeFalse();
        var codes = endpoint.Select(e => e.Split(' ')[1]).ToHashSet();
        // One of each kind the CLI alone used to find: if the endpoint fell back to the claim rules, these would be missing.
        foreach (var code in new[] { "claim-miracle", "claim-no-side-effects", "key-information-without-serious-risk", "no-risk-step", "hard-sentence", "quiz-passes-by-elimination", "unknown-placeholder" })
        {
            codes.ShouldContain(code, string.Join('\n', endpoint));
        }
        endpoint.ShouldBe(cli, string.Join('\n', endpoint) + "\n--- cli ---\n" + output);
    }

    /// <summary>The CLI as a reviewer runs it: a separate process reading the rule files from disk.</summary>
    private static Task<(int Exit, string Out, string Err)> Cli(params string[] args) => BuiltPrograms.ConsentCliAsync(args);

    // consent lint prints "file:LINE: error CODE PATH: MESSAGE".
    [GeneratedRegex(@"^.*?v2\.yaml:(?<line>\d+): error (?<rest>.*)$")]
    private static partial Regex CliError();
}

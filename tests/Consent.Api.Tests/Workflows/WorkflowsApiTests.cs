using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Consent.Api.Auth;
using Consent.Api.Tests.Support;

namespace Consent.Api.Tests.Workflows;

public sealed class WorkflowsApiTests(WorkflowsApiTests.Factory factory) : IClassFixture<WorkflowsApiTests.Factory>
{
    public sealed class Factory : ApiFactory;

    private HttpClient Staff => factory.ClientAs(StaffRoles.Coordinator);

    [Fact]
    public async Task The_list_shows_every_published_version_with_its_content_hash()
    {
        var list = await Staff.GetFromJsonAsync<JsonElement>("/api/workflows");

        var ids = list.EnumerateArray().Select(w => w.GetProperty("id").GetString()).ToList();
        ids.ShouldContain("stem-cell-ms");
        ids.ShouldContain("lumbar-puncture");
        foreach (var w in list.EnumerateArray())
        {
            w.GetProperty("contentHash").GetString().ShouldStartWith("sha256:");
            w.GetProperty("locales").EnumerateArray().Select(l => l.GetString()).ShouldBe(["en", "es"]);
            w.GetProperty("title").GetString().ShouldNotBeNullOrWhiteSpace();
        }
    }

    [Fact]
    public async Task One_definition_is_served_as_json_with_texts_per_locale()
    {
        var definition = await Staff.GetFromJsonAsync<JsonElement>("/api/workflows/stem-cell-ms?version=1");

        definition.GetProperty("version").GetInt32().ShouldBe(1);
        definition.GetProperty("settings").GetProperty("coolingOff").GetString().ShouldBe("P2D");
        definition.GetProperty("settings").GetProperty("validity").GetString().ShouldBe("P90D");
        var first = definition.GetProperty("steps")[0];
        first.GetProperty("type").GetString().ShouldBe("explain");
        first.GetProperty("body").GetProperty("es").GetString().ShouldNotBeNullOrWhiteSpace();
    }

    [Fact]
    public async Task An_unknown_workflow_or_version_is_404_problem_json()
    {
        (await Staff.GetAsync("/api/workflows/no-such-thing")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        var response = await Staff.GetAsync("/api/workflows/stem-cell-ms?version=99");
        response.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
    }

    [Fact]
    public async Task A_malformed_version_is_400_naming_the_field()
    {
        var response = await Staff.GetAsync("/api/workflows/stem-cell-ms?version=one");

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        problem.GetProperty("errors").TryGetProperty("version", out _).ShouldBeTrue();
    }

    [Fact]
    public async Task Linting_a_shipped_definition_reports_it_valid()
    {
        // The newest version: published v1 predates the stricter rules of issue #19 and no longer lints clean.
        var yaml = await File.ReadAllTextAsync(Path.Combine(TestInfrastructure.RepoRoot, "workflows", "lumbar-puncture", "v2.yaml"));

        var report = await Lint(yaml);

        report.GetProperty("valid").GetBoolean().ShouldBeTrue();
    }

    [Fact]
    public async Task Linting_a_broken_definition_lists_findings_with_code_path_and_line()
    {
        // The newest version: published v1 predates the stricter rules of issue #19 and no longer lints clean.
        var yaml = await File.ReadAllTextAsync(Path.Combine(TestInfrastructure.RepoRoot, "workflows", "lumbar-puncture", "v2.yaml"));
        yaml = yaml.Replace("It is a common, standard test. It is not experimental.", "It is a miracle test with no side effects.", StringComparison.Ordinal);

        var report = await Lint(yaml);

        report.GetProperty("valid").GetBoolean().ShouldBeFalse();
        var codes = report.GetProperty("findings").EnumerateArray().Select(f => f.GetProperty("code").GetString()).ToList();
        codes.ShouldContain("claim-miracle");
        codes.ShouldContain("claim-no-side-effects");
        var finding = report.GetProperty("findings")[0];
        finding.GetProperty("severity").GetString().ShouldBe("error");
        finding.GetProperty("line").GetInt32().ShouldBeGreaterThan(0);
        finding.GetProperty("path").GetString().ShouldBe("steps[0].body");
    }

    [Fact]
    public async Task Linting_yaml_that_does_not_parse_reports_a_load_finding_not_an_error_status()
    {
        var report = await Lint("id: [unclosed");
        report.GetProperty("valid").GetBoolean().ShouldBeFalse();
        report.GetProperty("findings")[0].GetProperty("code").GetString().ShouldBe("load");
    }

    [Fact]
    public async Task Linting_json_or_a_huge_body_is_refused_with_415_or_413()
    {
        using var json = new StringContent("{}", Encoding.UTF8, "application/json");
        (await Staff.PostAsync("/api/workflows/lint", json)).StatusCode.ShouldBe(HttpStatusCode.UnsupportedMediaType);

        using var huge = new StringContent(new string('a', 2 * 1024 * 1024), Encoding.UTF8, "application/yaml");
        (await Staff.PostAsync("/api/workflows/lint", huge)).StatusCode.ShouldBe(HttpStatusCode.RequestEntityTooLarge);
    }

    private async Task<JsonElement> Lint(string yaml)
    {
        using var content = new StringContent(yaml, Encoding.UTF8, "application/yaml");
        var response = await Staff.PostAsync("/api/workflows/lint", content);
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }
}

using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Consent.Api.Auth;
using Consent.Api.Tests.Support;
using Consent.Workflows.Loading;
using Consent.Workflows.Runtime;
using Microsoft.Playwright;

namespace Consent.Api.Tests.Tablet;

/// <summary>A service publishing stem-cell-ms v2 (placeholders) with the demo clinic's profile, and no profile for clinic "north".</summary>
public sealed class ProfileTablet() : TabletBrowser(Settings())
{
    private static Dictionary<string, string?> Settings()
    {
        var shipped = Path.Combine(TestInfrastructure.RepoRoot, "workflows");
        var root = Directory.CreateTempSubdirectory("profile-").FullName;
        var workflows = Path.Combine(root, "workflows");
        Directory.CreateDirectory(Path.Combine(workflows, "stem-cell-ms"));
        File.Copy(Path.Combine(shipped, "stem-cell-ms", "v2.yaml"), Path.Combine(workflows, "stem-cell-ms", "v2.yaml"));
        Directory.CreateDirectory(Path.Combine(root, "clinics"));
        File.Copy(Path.Combine(TestInfrastructure.RepoRoot, "clinics", "demo.yaml"), Path.Combine(root, "clinics", "demo.yaml"));
        return new() { ["Workflows:Path"] = workflows, ["Clinics:Path"] = Path.Combine(root, "clinics") };
    }
}

public sealed class TabletClinicProfileTests(ProfileTablet browser) : IClassFixture<ProfileTablet>
{
    private static readonly Consent.Workflows.Definitions.WorkflowDefinition V2 =
        WorkflowCatalog.LoadAll(Path.Combine(TestInfrastructure.RepoRoot, "workflows")).Find("stem-cell-ms", 2)!;

    private async Task<(HttpResponseMessage Response, JsonElement Body)> Start(string clinic)
    {
        using var coordinator = browser.ClientAs(StaffRoles.Coordinator, clinic);
        var response = await coordinator.PostAsync("/api/consents", ConsentDriver.Json(new { patientId = "MRN-5501", procedureCode = "MSC-1", workflowId = "stem-cell-ms", locale = "en" }));
        return (response, await response.Content.ReadFromJsonAsync<JsonElement>());
    }

    [Fact]
    public async Task Starting_a_consent_for_a_clinic_whose_profile_lacks_a_value_the_workflow_uses_is_refused_with_422()
    {
        var (response, body) = await Start("north");
        response.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity, body.ToString());
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        body.ToString().ShouldContain("{clinic.contacts.urgent}");
        body.GetProperty("errors").TryGetProperty("clinic", out _).ShouldBeTrue(body.ToString());
    }

    [Fact]
    public async Task The_tablet_shows_the_clinics_values_and_quiz_options_in_the_order_recorded_for_the_consent()
    {
        var (response, body) = await Start("demo");
        response.StatusCode.ShouldBe(HttpStatusCode.Created, body.ToString());
        var id = body.GetProperty("id").GetString()!;
        var page = await browser.NewTabletAsync();
        await TabletBrowser.OpenLinkAsync(page, body.GetProperty("tabletUrl").GetString()!);

        var article = page.Locator("article.step");
        await Assertions.Expect(article).ToContainTextAsync("Example only: this clinic gives the treatment inside a registered research study");
        (await article.TextContentAsync())!.ShouldNotContain("{clinic.");
        await Screens.CaptureAsync(page, "profile", "01-key-information-with-clinic-values");

        var walker = new TabletWalker(page, "stem-cell-ms");
        foreach (var _ in V2.Steps.TakeWhile(s => s.Id != "quiz-not-approved")) await walker.TapAndWaitAsync(walker.Button("I have read this"));
        await Assertions.Expect(article).ToHaveAttributeAsync("data-step-id", "quiz-not-approved");
        var shown = await page.Locator("input[name=answer]").EvaluateAllAsync<string[]>("inputs => inputs.map(i => i.value)");

        using var coordinator = browser.ClientAs(StaffRoles.Coordinator, "demo");
        var history = await coordinator.GetFromJsonAsync<JsonElement>($"/api/consents/{id}/history");
        var started = history.EnumerateArray().Single(e => e.GetProperty("data").ValueKind == JsonValueKind.Object && e.GetProperty("data").TryGetProperty("optionSeed", out _));
        var seed = started.GetProperty("data").GetProperty("optionSeed").GetInt32();
        var quiz = V2.FindStep("quiz-not-approved")!;
        shown.ShouldBe(OptionOrder.AsShown(quiz, ConsentState.None with { OptionSeed = seed }).Select(o => o.Id));
    }
}

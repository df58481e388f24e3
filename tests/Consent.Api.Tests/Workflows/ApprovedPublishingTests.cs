using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Consent.Api.Auth;
using Consent.Api.Tests.Support;
using Consent.Workflows.Loading;

namespace Consent.Api.Tests.Workflows;

/// <summary>
/// The shipped workflows/approvals.yaml approves v2 of both workflows for clinic demo only (its packet is the one
/// reviewed): new consents at demo start on v2 with the profile's values, any other clinic still starts on v1, and the
/// workflow list shows each clinic what it may start.
/// </summary>
[Trait("Category", "Infrastructure")]
public sealed class ApprovedPublishingTests(ApprovedPublishingTests.Factory factory) : IClassFixture<ApprovedPublishingTests.Factory>
{
    public sealed class Factory() : ApiFactory(new Dictionary<string, string?>
    {
        ["Staff:Local:0:Username"] = DemoCoordinator, ["Staff:Local:0:Password"] = Password, ["Staff:Local:0:Role"] = "coordinator", ["Staff:Local:0:Clinic"] = "demo",
        ["Staff:Local:1:Username"] = OtherCoordinator, ["Staff:Local:1:Password"] = Password, ["Staff:Local:1:Role"] = "coordinator", ["Staff:Local:1:Clinic"] = "approvals-other",
    });

    private const string DemoCoordinator = "approvals-demo", OtherCoordinator = "approvals-other", Password = "a long enough password 1";

    private static readonly WorkflowCatalog OnDisk = WorkflowCatalog.LoadAll(Path.Combine(TestInfrastructure.RepoRoot, "workflows"));

    private async Task<JsonElement> Start(string clinic, string workflowId)
    {
        using var coordinator = factory.ClientAs(StaffRoles.Coordinator, clinic);
        var response = await coordinator.PostAsync("/api/consents", ConsentDriver.Json(new { patientId = "MRN-7101", procedureCode = "LP-1", workflowId, locale = "es" }));
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        response.StatusCode.ShouldBe(HttpStatusCode.Created, body.ToString());
        return body;
    }

    [Theory]
    [InlineData("stem-cell-ms")]
    [InlineData("lumbar-puncture")]
    public async Task The_approved_v2_is_offered_at_demo_and_v1_elsewhere(string id)
    {
        var demo = await Start("demo", id);
        demo.GetProperty("workflow").GetProperty("version").GetInt32().ShouldBe(2);
        demo.GetProperty("workflow").GetProperty("contentHash").GetString().ShouldBe(OnDisk.Find(id, 2)!.ContentHash);
        demo.ToString().ShouldNotContain("{clinic.");

        var other = await Start("clinic-" + Guid.NewGuid().ToString("N")[..8], id);
        other.GetProperty("workflow").GetProperty("version").GetInt32().ShouldBe(1);
    }

    [Fact]
    public async Task The_list_shows_each_clinic_the_versions_it_may_start()
    {
        using var demo = factory.ClientAs(StaffRoles.Coordinator, "demo");
        using var other = factory.ClientAs(StaffRoles.Coordinator, "clinic-" + Guid.NewGuid().ToString("N")[..8]);
        static async Task<List<string>> Versions(HttpClient client) =>
            [.. (await client.GetFromJsonAsync<JsonElement>("/api/workflows")).EnumerateArray().Select(w => $"{w.GetProperty("id").GetString()} v{w.GetProperty("version").GetInt32()}")];

        (await Versions(demo)).ShouldBe(["lumbar-puncture v1", "lumbar-puncture v2", "stem-cell-ms v1", "stem-cell-ms v2"], ignoreOrder: true);
        (await Versions(other)).ShouldBe(["lumbar-puncture v1", "stem-cell-ms v1"], ignoreOrder: true);
        (await demo.GetFromJsonAsync<JsonElement>("/api/workflows/stem-cell-ms")).GetProperty("version").GetInt32().ShouldBe(2);
        (await other.GetFromJsonAsync<JsonElement>("/api/workflows/stem-cell-ms")).GetProperty("version").GetInt32().ShouldBe(1);
    }

    [Fact]
    public async Task The_dashboards_start_form_names_the_version_the_clinic_will_start()
    {
        using var demoStaff = await PageForms.SignedInAsync(factory, DemoCoordinator, Password);
        using var otherStaff = await PageForms.SignedInAsync(factory, OtherCoordinator, Password);
        var demo = await demoStaff.GetStringAsync("/dashboard/start");
        var other = await otherStaff.GetStringAsync("/dashboard/start");

        demo.ShouldContain("Stem-cell therapy for multiple sclerosis (v2)");
        other.ShouldContain("Stem-cell therapy for multiple sclerosis (v1)");
        other.ShouldNotContain("(v2)");
    }
}

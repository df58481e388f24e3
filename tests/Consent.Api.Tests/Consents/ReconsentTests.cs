using System.Net.Http.Json;
using System.Text.Json;
using Consent.Api.Tests.Support;

namespace Consent.Api.Tests.Consents;

/// <summary>Publishing a new version: the service starts again with it in its workflows folder.</summary>
[Trait("Category", "Infrastructure")]
public sealed class ReconsentTests
{
    internal static string WorkflowsWith(params (int Version, Func<string, string> Edit)[] versions)
    {
        var shipped = Path.Combine(TestInfrastructure.RepoRoot, "workflows");
        var root = Directory.CreateTempSubdirectory("workflows-").FullName;
        Directory.CreateDirectory(Path.Combine(root, "claims"));
        foreach (var file in Directory.GetFiles(Path.Combine(shipped, "claims"))) File.Copy(file, Path.Combine(root, "claims", Path.GetFileName(file)));
        Directory.CreateDirectory(Path.Combine(root, "lumbar-puncture"));
        var v1 = File.ReadAllText(Path.Combine(shipped, "lumbar-puncture", "v1.yaml"));
        foreach (var (version, edit) in versions)
        {
            File.WriteAllText(Path.Combine(root, "lumbar-puncture", $"v{version}.yaml"), edit(v1.Replace("version: 1", $"version: {version}", StringComparison.Ordinal)));
        }
        return root;
    }

    private static ApiFactory Service(string schema, string workflows) =>
        new(new Dictionary<string, string?> { ["Store:Schema"] = schema, ["Workflows:Path"] = workflows });

    private static async Task<string> StatusAfterPublishing(Func<string, string> v2)
    {
        var schema = "reconsent_" + Guid.NewGuid().ToString("N")[..8];
        string id;
        string clinic;
        await using (var before = Service(schema, WorkflowsWith((1, y => y))))
        {
            var driver = new ConsentDriver(before);
            (id, var tablet, _) = await driver.Start("lumbar-puncture");
            (await ConsentDriver.Walk(tablet, id, "lumbar-puncture")).GetProperty("status").GetString().ShouldBe("granted");
            clinic = driver.Clinic;
        }
        await using var after = Service(schema, WorkflowsWith((1, y => y), (2, v2)));
        var view = await new ConsentDriver(after, clinic).Coordinator.GetFromJsonAsync<JsonElement>($"/api/consents/{id}");
        return view.GetProperty("status").GetString()!;
    }

    [Fact]
    public async Task A_material_change_that_no_longer_accepts_the_old_version_supersedes_granted_consents() =>
        (await StatusAfterPublishing(y => y.Replace("Your back may be sore", "Your back may be very sore for weeks", StringComparison.Ordinal)))
            .ShouldBe("superseded");

    [Fact]
    public async Task A_material_change_that_still_accepts_the_old_version_leaves_consents_granted() =>
        (await StatusAfterPublishing(y => y.Replace("Your back may be sore", "Your back may be very sore for weeks", StringComparison.Ordinal)
            .Replace("acceptedEarlierVersions: []", "acceptedEarlierVersions: [1]", StringComparison.Ordinal)))
            .ShouldBe("granted");

    [Fact]
    public async Task A_cosmetic_change_leaves_consents_granted() =>
        (await StatusAfterPublishing(y => y.Replace("a few days", "a  few days", StringComparison.Ordinal))).ShouldBe("granted");
}

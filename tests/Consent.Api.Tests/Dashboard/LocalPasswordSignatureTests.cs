using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Consent.Api.Auth;
using Consent.Api.Tests.Support;

namespace Consent.Api.Tests.Dashboard;

/// <summary>
/// Staff signed in with a local password keep signing by typing it again, with no detour through an authority: the
/// dashboard's OIDC signing is only for staff who signed in there.
/// </summary>
[Trait("Category", "Infrastructure")]
public sealed class LocalPasswordSignatureTests(LocalPasswordSignatureTests.Factory factory) : IClassFixture<LocalPasswordSignatureTests.Factory>
{
    private const string Clinic = "oidcsign-local", Clinician = "oidcsign-local-clinician", Password = "a long enough password 22";

    public sealed class Factory() : ApiFactory(new Dictionary<string, string?>
    {
        ["Staff:Local:0:Username"] = Clinician, ["Staff:Local:0:Password"] = Password, ["Staff:Local:0:Role"] = "clinician",
        ["Staff:Local:0:Clinic"] = Clinic, ["Staff:Local:0:DisplayName"] = "Dr. Local",
    });

    [Fact]
    public async Task A_local_clinician_countersigns_with_the_password_typed_again_and_without_it_nothing_is_signed()
    {
        var driver = new ConsentDriver(factory, Clinic);
        var (id, tablet, _) = await driver.Start(patientId: "MRN-22101");
        (await ConsentDriver.Walk(tablet, id)).GetProperty("status").GetString().ShouldBe("awaiting_countersign");
        using var staff = await PageForms.SignedInAsync(factory, Clinician, Password);
        var page = $"/dashboard/consents/{id}";
        using var coordinator = factory.ClientAs(StaffRoles.Coordinator, Clinic);
        var version = (await coordinator.GetFromJsonAsync<JsonElement>($"/api/consents/{id}")).GetProperty("version").GetInt64().ToString(System.Globalization.CultureInfo.InvariantCulture);
        (await staff.GetStringAsync(page)).ShouldContain("name=\"password\"");

        var without = await PageForms.PostAsync(staff, page, page + "?handler=Countersign", ("attestation", "yes"), ("version", version));
        without.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        (await HistoryAsync(driver, id)).ShouldNotContain(e => e.GetProperty("type").GetString() == "staff_signed");

        var with = await PageForms.PostAsync(staff, page, page + "?handler=Countersign", ("attestation", "yes"), ("version", version), ("password", Password));
        with.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        with.Headers.Location!.ToString().ShouldBe($"/dashboard/consents/{id}?done=countersigned");
        var signature = (await HistoryAsync(driver, id)).Single(e => e.GetProperty("type").GetString() == "staff_signed").GetProperty("data");
        signature.GetProperty("signerName").GetString().ShouldBe("Dr. Local");
        signature.GetProperty("authMethod").GetString().ShouldBe("password_reentry");
    }

    private static async Task<JsonElement[]> HistoryAsync(ConsentDriver driver, string id)
    {
        using var coordinator = driver.Coordinator;
        return [.. JsonDocument.Parse(await coordinator.GetStringAsync($"/api/consents/{id}/history")).RootElement.EnumerateArray()];
    }
}

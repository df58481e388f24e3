using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Consent.Api.Auth;
using Consent.Api.Tests.Support;

namespace Consent.Api.Tests.Consents;

/// <summary>Staff signatures on the API (21 CFR 11.50, 11.100, 11.200): the token's account signs, with a recent sign-in.</summary>
[Trait("Category", "Infrastructure")]
public sealed class StaffSignatureApiTests(StaffSignatureApiTests.Factory factory) : IClassFixture<StaffSignatureApiTests.Factory>
{
    public sealed class Factory : ApiFactory;

    private HttpClient ClinicianSignedInAt(string clinic, DateTimeOffset signedInAt, string sub = "dr-smith", string? name = "Dr. Jane Smith")
    {
        var client = factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", factory.Token(StaffRoles.Clinician, clinic, sub, signedInAt: signedInAt, name: name));
        return client;
    }

    private static async Task<string> AwaitingCountersign(ConsentDriver driver)
    {
        var (id, tablet, _) = await driver.Start();
        (await ConsentDriver.Walk(tablet, id)).GetProperty("status").GetString().ShouldBe("awaiting_countersign");
        return id;
    }

    private static async Task<JsonElement[]> History(ConsentDriver driver, string id) =>
        [.. (await driver.Coordinator.GetFromJsonAsync<JsonElement>($"/api/consents/{id}/history")).EnumerateArray()];

    [Fact]
    public async Task A_countersignature_with_a_stale_sign_in_is_refused_with_401_asking_for_a_fresh_one_and_stores_nothing()
    {
        var driver = new ConsentDriver(factory);
        var id = await AwaitingCountersign(driver);
        var before = (await History(driver, id)).Length;

        using var stale = ClinicianSignedInAt(driver.Clinic, DateTimeOffset.UtcNow.AddMinutes(-6));
        using var response = await stale.PostAsync($"/api/consents/{id}/countersign", ConsentDriver.Json(new { attestation = true }));

        response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        problem.GetProperty("errors").TryGetProperty("auth_time", out _).ShouldBeTrue(problem.ToString());
        problem.GetProperty("detail").GetString()!.ShouldContain("fresh sign-in");
        response.Headers.WwwAuthenticate.ToString().ShouldContain("insufficient_user_authentication");
        (await History(driver, id)).Length.ShouldBe(before);
    }

    [Fact]
    public async Task A_countersignature_records_the_accounts_name_the_meaning_and_the_sign_in_time_and_a_typed_name_must_be_the_accounts()
    {
        var driver = new ConsentDriver(factory);
        var id = await AwaitingCountersign(driver);
        var signedInAt = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeSeconds());
        using var clinician = ClinicianSignedInAt(driver.Clinic, signedInAt);

        using var forged = await clinician.PostAsync($"/api/consents/{id}/countersign", ConsentDriver.Json(new { name = "Dr. Who", attestation = true }));
        forged.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        (await forged.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("name", out _).ShouldBeTrue();

        using var signed = await clinician.PostAsync($"/api/consents/{id}/countersign", ConsentDriver.Json(new { name = "Dr. Jane Smith", attestation = true }));
        signed.StatusCode.ShouldBe(HttpStatusCode.OK, await signed.Content.ReadAsStringAsync());

        var history = await History(driver, id);
        var signature = history.Single(e => e.GetProperty("type").GetString() == "staff_signed").GetProperty("data");
        signature.GetProperty("act").GetString().ShouldBe("countersign");
        signature.GetProperty("accountId").GetString().ShouldBe("dr-smith");
        signature.GetProperty("signerName").GetString().ShouldBe("Dr. Jane Smith");
        signature.GetProperty("meaning").GetString().ShouldBe("I confirm I discussed this consent with the patient.");
        signature.GetProperty("authMethod").GetString().ShouldBe("token_auth_time");
        signature.GetProperty("authenticatedAt").GetDateTimeOffset().ShouldBe(signedInAt);
        history.Single(e => e.GetProperty("type").GetString() == "consent_countersigned").GetProperty("data").GetProperty("clinicianName").GetString().ShouldBe("Dr. Jane Smith");
    }

    [Fact]
    public async Task A_meaning_given_by_the_signer_is_recorded_as_given()
    {
        var driver = new ConsentDriver(factory);
        var id = await AwaitingCountersign(driver);
        using var clinician = ClinicianSignedInAt(driver.Clinic, DateTimeOffset.UtcNow);

        (await clinician.PostAsync($"/api/consents/{id}/countersign", ConsentDriver.Json(new { attestation = true, meaning = "I reviewed the risks with the patient and her husband" })))
            .StatusCode.ShouldBe(HttpStatusCode.OK);

        (await History(driver, id)).Single(e => e.GetProperty("type").GetString() == "staff_signed").GetProperty("data").GetProperty("meaning").GetString()
            .ShouldBe("I reviewed the risks with the patient and her husband");
    }

    [Fact]
    public async Task A_staff_withdrawal_with_a_stale_sign_in_is_refused_and_a_fresh_one_is_signed_while_the_patients_own_needs_no_sign_in()
    {
        var driver = new ConsentDriver(factory);
        var (id, tablet, _) = await driver.Start();
        var stale = factory.CreateClient();
        stale.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", factory.Token(StaffRoles.Coordinator, driver.Clinic, signedInAt: DateTimeOffset.UtcNow.AddHours(-1)));
        (await stale.PostAsync($"/api/consents/{id}/withdraw", ConsentDriver.Json(new { reason = "patient_request" }))).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);

        (await driver.Coordinator.PostAsync($"/api/consents/{id}/withdraw", ConsentDriver.Json(new { reason = "patient_request" }))).StatusCode.ShouldBe(HttpStatusCode.OK);
        var signature = (await History(driver, id)).Single(e => e.GetProperty("type").GetString() == "staff_signed").GetProperty("data");
        signature.GetProperty("act").GetString().ShouldBe("withdraw");

        var (own, ownTablet, _) = await driver.Start(patientId: "MRN-OWN");
        (await ownTablet.PostAsync($"/api/consents/{own}/withdraw", ConsentDriver.Json(new { reason = "changed_mind" }))).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await History(driver, own)).ShouldNotContain(e => e.GetProperty("type").GetString() == "staff_signed");
        tablet.Dispose();
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("{\"note\":\"\"}")]
    [InlineData("{\"note\":\"   \"}")]
    public async Task Resuming_after_a_question_without_a_note_of_the_discussion_is_422_naming_note(string body)
    {
        var driver = new ConsentDriver(factory);
        var (id, tablet, _) = await driver.Start();
        (await tablet.PostAsync($"/api/consents/{id}/questions", ConsentDriver.Json(new { text = "Is it safe?" }))).StatusCode.ShouldBe(HttpStatusCode.OK);

        using var response = await driver.Coordinator.PostAsync($"/api/consents/{id}/resume", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        response.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("note", out _).ShouldBeTrue();
        (await driver.Coordinator.GetFromJsonAsync<JsonElement>($"/api/consents/{id}")).GetProperty("status").GetString().ShouldBe("needs_discussion");
    }
}

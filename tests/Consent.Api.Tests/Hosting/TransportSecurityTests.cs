using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Consent.Api.Auth;
using Consent.Api.Tests.Support;

namespace Consent.Api.Tests.Hosting;

/// <summary>
/// How the service was reached must not be the caller's to say (#21, item 5): the tablet link comes from configuration,
/// not from a forged Host header, and answers with patient data are never cached.
/// </summary>
[Trait("Category", "Infrastructure")]
public sealed class TransportSecurityTests(TransportSecurityTests.Factory factory) : IClassFixture<TransportSecurityTests.Factory>
{
    public sealed class Factory() : ApiFactory(new Dictionary<string, string?> { ["Tablet:PublicBaseUrl"] = "https://consent.clinic.example" });

    [Fact]
    public async Task A_forged_host_header_does_not_build_the_tablet_link()
    {
        var coordinator = factory.ClientAs(StaffRoles.Coordinator, "transport");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/consents")
        {
            Content = ConsentDriver.Json(new { patientId = "HOST-1", procedureCode = "MSC-1", workflowId = "stem-cell-ms", locale = "en" }),
        };
        request.Headers.Host = "evil.example";

        var response = await coordinator.SendAsync(request);

        response.StatusCode.ShouldBe(HttpStatusCode.Created);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        body.GetProperty("tabletUrl").GetString()!.ShouldStartWith("https://consent.clinic.example/tablet#tab_");
    }

    [Fact]
    public async Task Api_answers_with_patient_data_are_not_stored_by_any_cache()
    {
        var driver = new ConsentDriver(factory, "transport");
        var (id, _, _) = await driver.Start(patientId: "CACHE-1");

        foreach (var url in new[] { $"/api/consents/{id}", "/api/consents", "/api/gate?patientId=CACHE-1&procedureCode=MSC-1" })
        {
            var response = await driver.Coordinator.GetAsync(url);
            response.StatusCode.ShouldBe(HttpStatusCode.OK, url);
            response.Headers.CacheControl?.NoStore.ShouldBe(true, url);
        }
    }
}

using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Consent.Api.Signing;
using Consent.Api.Tests.Support;
using Consent.Contracts.Signatures;

namespace Consent.Api.Tests.Records;

/// <summary>Walks consents to the ends a record is made for, fetches records and runs the real <c>consent verify</c>.</summary>
internal static class RecordDriver
{
    public static async Task<(ConsentDriver Driver, string Id, HttpClient Tablet)> Granted(ApiFactory factory, string locale = "en")
    {
        var driver = new ConsentDriver(factory);
        var (id, tablet, _) = await driver.Start(locale: locale);
        await ConsentDriver.Walk(tablet, id, route: "both");
        using var countersigned = await driver.Clinician.PostAsync($"/api/consents/{id}/countersign", ConsentDriver.Json(new { name = "Dr. Rivera", attestation = true }));
        countersigned.StatusCode.ShouldBe(HttpStatusCode.OK, await countersigned.Content.ReadAsStringAsync());
        return (driver, id, tablet);
    }

    public static async Task<JsonObject> Record(HttpClient client, string id)
    {
        using var response = await client.GetAsync($"/api/consents/{id}/record");
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.OK, text);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/json");
        return JsonNode.Parse(text)!.AsObject();
    }

    public static async Task<ConsentKeys> Keys(ApiFactory factory)
    {
        using var anonymous = factory.CreateClient();
        return ConsentKeys.Parse(await anonymous.GetStringAsync(SigningSetup.KeySetPath));
    }

    public static async Task<string> KeysFile(ApiFactory factory)
    {
        using var anonymous = factory.CreateClient();
        var path = Path.Combine(Directory.CreateTempSubdirectory("consent-keys-").FullName, "keys.json");
        await File.WriteAllTextAsync(path, await anonymous.GetStringAsync(SigningSetup.KeySetPath));
        return path;
    }

    public static async Task<string> Save(string name, byte[] content)
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("consent-record-").FullName, name);
        await File.WriteAllBytesAsync(path, content);
        return path;
    }

    /// <summary>The CLI as a user runs it: a separate process, no database, no service.</summary>
    public static Task<(int Exit, string Out, string Err)> Verify(params string[] args) => BuiltPrograms.ConsentCliAsync(["verify", .. args]);
}

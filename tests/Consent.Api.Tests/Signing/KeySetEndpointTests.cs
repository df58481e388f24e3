using System.Net;
using Consent.Api.Signing;
using Consent.Api.Tests.Support;
using Consent.Contracts.Signatures;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Consent.Api.Tests.Signing;

[Trait("Category", "Infrastructure")]
public sealed class KeySetEndpointTests
{
    [Fact]
    public async Task Anyone_can_fetch_the_key_set_and_verify_the_services_signatures_with_it()
    {
        await using var api = new ApiFactory();
        using var anonymous = api.CreateClient();

        using var response = await anonymous.GetAsync(SigningSetup.KeySetPath);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/jwk-set+json");
        response.Headers.CacheControl!.MaxAge.ShouldBe(TimeSpan.FromSeconds(60));
        var json = await response.Content.ReadAsStringAsync();
        json.ShouldNotContain("\"d\"");
        var keys = ConsentKeys.Parse(json);
        var signer = api.Services.GetRequiredService<ServiceSigner>();
        keys.Contains(signer.KeyId).ShouldBeTrue();
        var jws = signer.Sign("""{"eventId":"e1"}"""u8, Jws.EventMessageType);
        Jws.TryVerify(jws, keys, Jws.EventMessageType, out var payload, out var error).ShouldBeTrue(error);
        payload.ShouldBe("""{"eventId":"e1"}"""u8.ToArray());
    }

    [Fact]
    public async Task The_test_host_keeps_its_keys_in_the_checkouts_data_directory()
    {
        // What the in-process hosts rely on: no Signing setting, a content root inside the checkout.
        await using var api = new ApiFactory();

        var ring = api.Services.GetRequiredService<SigningKeyRing>();
        var environment = api.Services.GetRequiredService<IHostEnvironment>();

        ring.Directory.ShouldBe(Path.Combine(TestInfrastructure.RepoRoot, ".data", "signing-keys"));
        environment.EnvironmentName.ShouldBe(Environments.Development);
    }

    [Fact]
    public async Task The_service_does_not_start_without_a_key_when_it_may_not_create_one()
    {
        var directory = Directory.CreateTempSubdirectory("consent-no-keys-").FullName;
        try
        {
            await using var api = new ApiFactory(new Dictionary<string, string?>
            {
                ["Signing:KeyDirectory"] = directory,
                ["Signing:CreateIfMissing"] = "false",
            });

            var error = Should.Throw<InvalidOperationException>(() => api.CreateClient());

            error.Message.ShouldContain($"No signing key in {directory}");
            Directory.GetFiles(directory).ShouldBeEmpty();
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}

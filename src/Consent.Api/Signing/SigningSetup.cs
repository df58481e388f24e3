using Microsoft.Extensions.Options;

namespace Consent.Api.Signing;

public static class SigningSetup
{
    /// <summary>Where the public keys are published (JWKS).</summary>
    public const string KeySetPath = "/.well-known/consent-keys.json";

    // Short, so that a key added by a rotation reaches subscribers within a minute; a subscriber that meets an unknown
    // kid fetches again anyway.
    private const string KeySetCacheControl = "public, max-age=60";

    public static IServiceCollection AddConsentSigning(this IServiceCollection services)
    {
        services.AddOptions<SigningSettings>().BindConfiguration("Signing");
        services.AddSingleton(provider =>
        {
            var settings = provider.GetRequiredService<IOptions<SigningSettings>>().Value;
            var (directory, createIfMissing) = KeyDirectory(settings, provider.GetRequiredService<IHostEnvironment>());
            return SigningKeyRing.Open(directory, settings.ActiveKid, createIfMissing, provider.GetRequiredService<ILogger<SigningKeyRing>>());
        });
        services.AddSingleton<ServiceSigner>();
        return services;
    }

    public static IEndpointRouteBuilder MapSigningKeys(this IEndpointRouteBuilder app)
    {
        // Loaded now rather than at the first signature: a missing or broken key stops the start, not the first publish.
        app.ServiceProvider.GetRequiredService<SigningKeyRing>();
        app.MapGet(KeySetPath, (SigningKeyRing keys, HttpResponse response) =>
            {
                response.Headers.CacheControl = KeySetCacheControl;
                return Results.Text(keys.PublishedJson, "application/jwk-set+json");
            })
            .WithName("getConsentKeys")
            .WithTags("Keys")
            .WithSummary("The public keys (JWKS) that verify the service's signatures: event messages, chain heads, consent records.")
            .Produces<Hosting.ConsentKeySet>(StatusCodes.Status200OK, "application/jwk-set+json")
            .AllowAnonymous();
        return app;
    }

    /// <summary>The key directory, and whether a key may be created in it when it holds none.</summary>
    public static (string Directory, bool CreateIfMissing) KeyDirectory(SigningSettings settings, IHostEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return Hosting.ServiceKeyDirectory.Resolve(settings.KeyDirectory, settings.CreateIfMissing, environment);
    }
}

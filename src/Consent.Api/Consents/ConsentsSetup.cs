using Consent.Api.Consents.AnsweringSteps;
using Consent.Api.Consents.History;
using Consent.Api.Consents.Listing;
using Consent.Api.Consents.Reading;
using Consent.Api.Consents.Starting;
using Consent.Api.Consents.Storage;
using Consent.Api.Consents.Timers;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Consent.Api.Consents;

public static class ConsentsSetup
{
    /// <summary>The consent store, the one write path, tablet links, and the clock's side of every consent.</summary>
    public static IServiceCollection AddConsents(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddConsentStore();
        services.AddListingIndexes();
        services.AddSingleton<MartenTables>();
        services.AddSingleton<ConsentWriter>();
        services.AddSingleton<ConsentMetrics>();
        services.AddIdempotencyRetention();
        services.AddSingleton<Integrity.HeadCheckpoints>();
        services.AddHostedService(sp => sp.GetRequiredService<Integrity.HeadCheckpoints>());
        services.AddSingleton<Integrity.RowVerifier>();
        services.AddHostedService(sp => sp.GetRequiredService<Integrity.RowVerifier>());
        services.AddSingleton<TabletSessionCache>();
        services.AddSingleton<ConsentTimers>();
        services.AddHostedService(sp => sp.GetRequiredService<ConsentTimers>());
        services.AddHostedService<Reconsent>();
        return services;
    }

    /// <summary>The consent endpoints of the JSON API, one slice each.</summary>
    public static IEndpointRouteBuilder MapConsentsApi(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/api/consents").WithTags("Consents").MapStarting().MapListing().MapReading().MapAnsweringSteps().MapHistory();
        return app;
    }
}

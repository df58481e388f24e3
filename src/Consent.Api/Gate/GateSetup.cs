using Marten;

namespace Consent.Api.Gate;

public static class GateSetup
{
    /// <summary>The gate's reader and cache (kept true by change notices), its tables, the subscribers' confirmations and the catch-up ledger.</summary>
    public static IServiceCollection AddGate(this IServiceCollection services)
    {
        services.AddSingleton<GateReader>();
        services.AddSingleton(sp => new GateCache(sp.GetRequiredService<Consents.Storage.ClinicDatabases>().All.Count));
        services.AddSingleton<GateChangeNotices>();
        services.AddHostedService<GateNoticeListener>();
        services.AddSingleton<GateSubscribers>();
        services.AddSingleton<GateChanges>();
        // Signed gate messages are a log: the service only adds to it (Consents.Storage.SchemaOwnership).
        services.AddSingleton(new Consents.Storage.AppendOnlyTable(GateTables.GateChanges));
        services.AddSingleton<GateAckReader>();
        services.AddSingleton<GateAckMonitor>();
        services.AddHostedService(sp => sp.GetRequiredService<GateAckMonitor>());
        services.ConfigureMarten((sp, options) =>
        {
            GateTables.AddTo(options);
            options.Listeners.Add(sp.GetRequiredService<GateChangeNotices>());
        });
        return services;
    }
}

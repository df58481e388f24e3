using Npgsql;

namespace Consent.SchedulerSample;

public static class SchedulerApp
{
    /// <summary>
    /// <c>--demo-file .data/demo.json</c> fills every setting from the demo file (see <see cref="DemoFile"/>); settings
    /// given on the command line as well win over it (tests use that for the queue and schema). The settings:
    /// <c>ConnectionStrings:Postgres</c> (its own database; tables in schema <c>Scheduler:Schema</c>, default
    /// "scheduler"), <c>Amqp:Uri</c> (a subscriber's broker user), <c>Scheduler:Clinic</c> (the clinic it books for),
    /// <c>Scheduler:Queue</c> (a name its broker user owns), <c>Consent:BaseUrl</c> and <c>Consent:Token</c> (the
    /// clinic's integration token, for confirmations).
    /// </summary>
    public static WebApplication Build(string[] args, Action<IServiceCollection>? services = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        var configuration = builder.Configuration;
        if (configuration["demo-file"] is { Length: > 0 } demoFile)
        {
            configuration.AddInMemoryCollection(DemoFile.Read(demoFile));
            configuration.AddCommandLine(args);
        }
        if (string.IsNullOrEmpty(configuration["urls"])) builder.WebHost.UseUrls("http://127.0.0.1:5181");

        builder.Services.AddSingleton(_ => NpgsqlDataSource.Create(configuration.GetConnectionString("Postgres")
            ?? throw new InvalidOperationException("ConnectionStrings:Postgres is not configured (or start with --demo-file .data/demo.json).")));
        builder.Services.AddSingleton<SchedulerStore>();
        builder.Services.AddSingleton<GateConfirmations>();
        builder.Services.AddHttpClient(GateConfirmations.ClientName, client =>
        {
            client.BaseAddress = new Uri(configuration["Consent:BaseUrl"] ?? "http://127.0.0.1:5180");
            client.DefaultRequestHeaders.Authorization = new("Bearer", configuration["Consent:Token"] ?? "");
        });
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<ConsentKeySource>();
        builder.Services.AddSingleton<GateChangeHandler>();
        builder.Services.AddSingleton<GateSubscription>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<GateSubscription>());
        services?.Invoke(builder.Services);

        var app = builder.Build();
        app.MapBookings();
        return app;
    }
}

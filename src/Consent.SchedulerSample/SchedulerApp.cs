using MassTransit;
using Npgsql;

namespace Consent.SchedulerSample;

public static class SchedulerApp
{
    /// <summary>
    /// Configuration: <c>ConnectionStrings:Postgres</c> (its own schema <c>Scheduler:Schema</c>, default "scheduler"),
    /// <c>Amqp:Uri</c>, <c>Scheduler:Clinic</c> (the clinic it books for), <c>Scheduler:Queue</c>, <c>Consent:BaseUrl</c>
    /// and <c>Consent:Token</c> (an integration token of that clinic, for confirmations).
    /// </summary>
    public static WebApplication Build(string[] args, Action<IServiceCollection>? services = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        var configuration = builder.Configuration;
        builder.Services.AddSingleton(_ => NpgsqlDataSource.Create(configuration.GetConnectionString("Postgres")
            ?? throw new InvalidOperationException("ConnectionStrings:Postgres is not configured.")));
        builder.Services.AddSingleton<SchedulerStore>();
        builder.Services.AddHttpClient<GateConfirmations>(client =>
        {
            client.BaseAddress = new Uri(configuration["Consent:BaseUrl"] ?? "http://127.0.0.1:5180");
            client.DefaultRequestHeaders.Authorization = new("Bearer", configuration["Consent:Token"] ?? "");
        });
        builder.Services.AddMassTransit(bus =>
        {
            bus.AddConsumer<GateChangedConsumer>();
            bus.UsingRabbitMq((context, rabbit) =>
            {
                var uri = new Uri(configuration["Amqp:Uri"] ?? throw new InvalidOperationException("Amqp:Uri is not configured."));
                var user = Uri.UnescapeDataString(uri.UserInfo).Split(':', 2);
                rabbit.Host(uri.Host, (ushort)uri.Port, Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/')) is { Length: > 0 } vhost ? vhost : "/", "scheduler-sample", host =>
                {
                    host.Username(user[0]);
                    host.Password(user.Length > 1 ? user[1] : "");
                });
                // A durable queue of its own: gate changes published while the scheduler is down wait for it.
                rabbit.ReceiveEndpoint(configuration["Scheduler:Queue"] ?? "scheduler-sample", endpoint =>
                {
                    // One at a time keeps each patient's changes in the order the service published them.
                    endpoint.PrefetchCount = 1;
                    endpoint.ConcurrentMessageLimit = 1;
                    endpoint.UseMessageRetry(retry => retry.Intervals(200, 1000, 5000));
                    endpoint.ConfigureConsumer<GateChangedConsumer>(context);
                });
            });
        });
        services?.Invoke(builder.Services);

        var app = builder.Build();
        app.MapBookings();
        return app;
    }
}

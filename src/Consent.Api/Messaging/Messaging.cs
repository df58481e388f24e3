using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using MassTransit;
using MassTransit.Serialization;
using Marten;

namespace Consent.Api.Messaging;

public static class Messaging
{
    /// <summary>
    /// MassTransit on RabbitMQ, publish only: one durable fanout exchange per message type named
    /// <c>Consent.Contracts:&lt;Type&gt;</c> and the topic exchange <c>consent.clinic-events</c> (see
    /// <see cref="ConsentPublisher"/>), persistent messages, publisher confirms on. The relay is the only publisher.
    /// The broker user needs no more than "configure" and "write" on those exchanges: the bus declares no queue of its
    /// own (it has no receive endpoint and sends no request), which deploy/local/rabbitmq.sh's consent-service relies on.
    /// </summary>
    private static void LeaveOutHost(JsonTypeInfo info)
    {
        if (!typeof(MessageEnvelope).IsAssignableFrom(info.Type)) return;
        foreach (var property in info.Properties)
        {
            if (property.Name == "host") property.ShouldSerialize = static (_, _) => false;
        }
    }

    public static IServiceCollection AddConsentMessaging(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddMassTransit(bus =>
        {
            bus.UsingRabbitMq((_, rabbit) =>
            {
                // Subscribers get what the contract names, not the publishing machine's name, process id and OS (the
                // envelope's "host"); a copy of the options, so several buses in one process each keep their own.
                rabbit.ConfigureJsonSerializerOptions(options => new JsonSerializerOptions(options)
                {
                    TypeInfoResolver = (options.TypeInfoResolver ?? new DefaultJsonTypeInfoResolver()).WithAddedModifier(LeaveOutHost),
                });
                var uri = new Uri(configuration["Amqp:Uri"] ?? throw new InvalidOperationException("Amqp:Uri is not configured."));
                var userInfo = Uri.UnescapeDataString(uri.UserInfo).Split(':', 2);
                var virtualHost = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/'));
                rabbit.Host(uri.Host, (ushort)uri.Port, virtualHost.Length == 0 ? "/" : virtualHost, "consent-service", host =>
                {
                    if (userInfo[0].Length > 0) host.Username(userInfo[0]);
                    if (userInfo.Length > 1) host.Password(userInfo[1]);
                    host.PublisherConfirmation = true;
                    host.RequestedConnectionTimeout(TimeSpan.FromSeconds(5));
                });
            });
        });
        // The service accepts consents while the broker is away; the relay catches up when it returns.
        services.Configure<MassTransitHostOptions>(options =>
        {
            options.WaitUntilStarted = false;
            options.StopTimeout = TimeSpan.FromSeconds(10);
        });
        services.AddSingleton<ConsentPublisher>();
        services.AddSingleton<RelayTelemetry>();
        services.ConfigureMarten(RelayPositions.AddTo);
        services.AddHostedService<EventRelay>();
        return services;
    }
}

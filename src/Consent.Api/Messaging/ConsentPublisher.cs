using MassTransit;

namespace Consent.Api.Messaging;

/// <summary>
/// Puts one outgoing integration message on the broker: the relay's only way out. Persistent, confirmed by the broker
/// before the call returns, with the stored event's (or the gate change's) id as the message id. Each message goes
/// to its type's fanout exchange (<c>Consent.Contracts:&lt;Type&gt;</c>, every clinic) and to the topic exchange
/// <see cref="ClinicExchange"/> with the routing key <c>&lt;clinicId&gt;.&lt;Type&gt;</c>, so that a subscriber (whose
/// broker user may only bind its clinic's keys) receives one clinic's events.
/// </summary>
public sealed class ConsentPublisher(IBus bus, IConfiguration configuration)
{
    /// <summary>The durable topic exchange that carries every message under its clinic's routing key.</summary>
    public const string ClinicExchange = "consent.clinic-events";

    private static readonly Uri ClinicExchangeAddress = new($"exchange:{ClinicExchange}?type=topic&durable=true&autodelete=false");

    private readonly TimeSpan _publishTimeout = TimeSpan.FromSeconds(configuration.GetValue("Relay:PublishTimeoutSeconds", 10));

    /// <summary>The routing key of a message about a clinic on <see cref="ClinicExchange"/>.</summary>
    public static string RoutingKey(string clinicId, Type messageType) => $"{clinicId}.{messageType.Name}";

    /// <param name="outgoing">The message and its id.</param>
    /// <param name="clinicId">The clinic the message is about: the first part of its routing key on the clinic exchange.</param>
    /// <param name="signature">The message's signature (compact JWS), carried in a header; null while unsigned.</param>
    /// <param name="ct">Cancels the wait for the broker's confirmations.</param>
    public async Task PublishAsync(Outgoing outgoing, string clinicId, string? signature, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(_publishTimeout);
        var type = outgoing.Message.GetType();
        var clinic = await bus.GetSendEndpoint(ClinicExchangeAddress);
        // Both copies are confirmed before this returns; when either fails the relay publishes both again under the
        // same message id, which subscribers deduplicate.
        await Task.WhenAll(
            bus.Publish(outgoing.Message, type, Pipe.Execute<PublishContext>(context => Stamp(context, outgoing, signature)), timeout.Token),
            clinic.Send(outgoing.Message, type, Pipe.Execute<SendContext>(context =>
            {
                Stamp(context, outgoing, signature);
                context.SetRoutingKey(RoutingKey(clinicId, type));
            }), timeout.Token));
    }

    private static void Stamp(SendContext context, Outgoing outgoing, string? signature)
    {
        context.MessageId = outgoing.MessageId;
        context.Durable = true;
        if (signature is not null) context.Headers.Set(Consent.Contracts.Signatures.Jws.EventMessageHeader, signature);
    }
}

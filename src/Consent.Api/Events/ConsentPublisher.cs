using MassTransit;

namespace Consent.Api.Events;

/// <summary>
/// Puts one outgoing integration message on the broker: the relay's only way out. Persistent, confirmed by the broker
/// before the call returns, with the stored event's (or the gate change's) id as the message id.
/// </summary>
public sealed class ConsentPublisher(IBus bus, IConfiguration configuration)
{
    private readonly TimeSpan _publishTimeout = TimeSpan.FromSeconds(configuration.GetValue("Relay:PublishTimeoutSeconds", 10));

    /// <param name="clinicId">The clinic the message is about (per-clinic routing).</param>
    /// <param name="signature">The message's signature (compact JWS), carried in a header; null while unsigned.</param>
    public async Task PublishAsync(Outgoing outgoing, string clinicId, string? signature, CancellationToken ct)
    {
        _ = clinicId;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(_publishTimeout);
        await bus.Publish(outgoing.Message, outgoing.Message.GetType(),
            Pipe.Execute<PublishContext>(context =>
            {
                context.MessageId = outgoing.MessageId;
                context.Durable = true;
                if (signature is not null) context.Headers.Set(MessageSignatureHeader, signature);
            }), timeout.Token);
    }

    /// <summary>The AMQP header that carries a message's signature.</summary>
    public const string MessageSignatureHeader = "consent-signature";
}

using System.Text;
using Consent.Api.Tests.Support;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using RabbitMQ.Client.Exceptions;

namespace Consent.Api.Tests.Events;

/// <summary>
/// Only the service can publish consent events: the broker itself (the users, permissions and topic permissions that
/// deploy/local/rabbitmq.sh gives it) refuses anyone else, and lets a clinic's subscriber read only its clinic's
/// routing keys. Every check here is the broker's answer to a plain AMQP client, not the service's.
/// </summary>
[Trait("Category", "Infrastructure")]
public sealed class BrokerPermissionTests
{
    /// <summary>The per-type fanout exchanges and the clinic topic exchange, with a routing key each.</summary>
    public static TheoryData<string, string> ConsentExchanges()
    {
        var data = new TheoryData<string, string>();
        foreach (var type in AmqpListener.EventTypes) data.Add("Consent.Contracts:" + type, "");
        // On the clinic exchange even the subscriber's own clinic's key is refused: reading a key is not writing it.
        data.Add(AmqpListener.ClinicExchange, "demo.SchedulingGateChanged");
        data.Add(AmqpListener.ClinicExchange, "north.SchedulingGateChanged");
        return data;
    }

    /// <summary>
    /// Another clinic's subscriber (north-scheduler, clinic "north") on the test command's broker: the script reads the
    /// ports the test command used from this process's environment, and knows the password it made.
    /// </summary>
    private static readonly Lazy<Task<string>> OtherSubscriber = new(async () =>
        (await TestInfrastructure.ScriptOutputAsync("rabbitmq.sh", null, "subscriber-url", "test", "north-scheduler")).Trim());

    private static async Task<IConnection> Connect(string uri) =>
        await new ConnectionFactory { Uri = new Uri(uri), ClientProvidedName = "broker-permission-test" }.CreateConnectionAsync();

    /// <summary>Publishes one persistent message with publisher confirms; returns how the broker closed the channel, if it did.</summary>
    private static async Task<ShutdownEventArgs?> Publish(string uri, string exchange, string routingKey)
    {
        await using var connection = await Connect(uri);
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
        try
        {
            await channel.BasicPublishAsync(exchange, routingKey, mandatory: false, new BasicProperties { Persistent = true, MessageId = Guid.NewGuid().ToString() },
                Encoding.UTF8.GetBytes("""{"message":{"consentId":"forged"}}"""));
        }
        catch (Exception ex) when (ex is AlreadyClosedException or OperationInterruptedException or PublishException)
        {
            // The refusal arrives as the channel's closing; it is read below.
        }
        for (var i = 0; i < 100 && channel.IsOpen; i++) await Task.Delay(50);
        return channel.CloseReason is { ReplyCode: not 200 } reason ? reason : null;
    }

    /// <summary>Runs one AMQP operation and returns how the broker closed the channel, if it did.</summary>
    private static async Task<ShutdownEventArgs?> Try(string uri, Func<IChannel, Task> operation)
    {
        await using var connection = await Connect(uri);
        await using var channel = await connection.CreateChannelAsync();
        try
        {
            await operation(channel);
        }
        catch (OperationInterruptedException ex)
        {
            return ex.ShutdownReason;
        }
        return null;
    }

    private static void ShouldBeAccessRefused(ShutdownEventArgs? closed, string what)
    {
        closed.ShouldNotBeNull($"the broker accepted {what}");
        closed.ReplyCode.ShouldBe((ushort)403, $"{what}: {closed.ReplyText}");
        closed.ReplyText.ShouldContain("ACCESS_REFUSED");
    }

    [Theory]
    [MemberData(nameof(ConsentExchanges))]
    public async Task The_broker_refuses_a_message_published_to_a_consent_exchange_with_the_demo_subscribers_credentials(string exchange, string routingKey) =>
        ShouldBeAccessRefused(await Publish(TestInfrastructure.AmqpSubscriber, exchange, routingKey), $"a publish to {exchange} as demo-scheduler");

    [Theory]
    [MemberData(nameof(ConsentExchanges))]
    public async Task The_broker_refuses_a_message_published_to_a_consent_exchange_with_another_subscribers_credentials(string exchange, string routingKey) =>
        ShouldBeAccessRefused(await Publish(await OtherSubscriber.Value, exchange, routingKey), $"a publish to {exchange} as north-scheduler");

    // The service publishing real events through both kinds of exchange with its own user is shown end to end below
    // and by IntegrationEventTests; this probe goes under a key nobody binds, so no other test's subscriber sees it.
    [Fact]
    public async Task The_service_user_publishes_to_the_clinic_exchange_under_a_clinic_and_message_type_key() =>
        (await Publish(TestInfrastructure.Amqp, AmqpListener.ClinicExchange, "permission-probe.ConsentGranted")).ShouldBeNull("the service's own user may publish there");

    [Fact]
    public async Task The_service_user_may_not_publish_under_a_routing_key_that_is_not_a_clinic_and_a_message_type() =>
        ShouldBeAccessRefused(await Publish(TestInfrastructure.Amqp, AmqpListener.ClinicExchange, "demo.x.y"), "a malformed routing key");

    [Fact]
    public async Task The_service_user_can_neither_declare_nor_read_a_queue() =>
        ShouldBeAccessRefused(await Try(TestInfrastructure.Amqp, channel => channel.QueueDeclareAsync("", durable: false, exclusive: true, autoDelete: true)),
            "a queue declared by the service");

    [Fact]
    public async Task A_subscriber_can_neither_delete_a_consent_exchange_nor_declare_another_subscribers_queue()
    {
        ShouldBeAccessRefused(await Try(TestInfrastructure.AmqpSubscriber, channel => channel.ExchangeDeleteAsync("Consent.Contracts:SchedulingGateChanged")),
            "an exchange deleted by a subscriber");
        ShouldBeAccessRefused(await Try(TestInfrastructure.AmqpSubscriber, channel => channel.QueueDeclareAsync("north-" + Guid.NewGuid().ToString("N")[..8], durable: false, exclusive: false, autoDelete: true)),
            "another subscriber's queue declared by demo-scheduler");
    }

    [Fact]
    public async Task There_is_no_guest_user()
    {
        var uri = new UriBuilder(TestInfrastructure.Amqp) { UserName = "guest", Password = "guest" }.Uri;
        await Should.ThrowAsync<BrokerUnreachableException>(() => Connect(uri.ToString()));
    }

    [Theory]
    [InlineData("north.#")]
    [InlineData("#")]
    [InlineData("*.SchedulingGateChanged")]
    [InlineData("north.SchedulingGateChanged")]
    public async Task The_broker_refuses_a_clinic_subscriber_a_binding_to_other_clinics_routing_keys(string bindingKey) =>
        ShouldBeAccessRefused(await Try(TestInfrastructure.AmqpSubscriber, async channel =>
        {
            var queue = await channel.QueueDeclareAsync("", durable: false, exclusive: true, autoDelete: true);
            await channel.QueueBindAsync(queue.QueueName, AmqpListener.ClinicExchange, bindingKey);
        }), $"demo-scheduler binding {bindingKey}");

    [Fact]
    public async Task The_broker_refuses_a_clinic_subscriber_an_exchange_binding_to_other_clinics_routing_keys_too()
    {
        // MassTransit-style subscribers bind an exchange of their own rather than the queue: the same keys are refused.
        var own = TestInfrastructure.SubscriberQueuePrefix + "e2e-" + Guid.NewGuid().ToString("N")[..8];
        ShouldBeAccessRefused(await Try(TestInfrastructure.AmqpSubscriber, async channel =>
        {
            await channel.ExchangeDeclareAsync(own, ExchangeType.Fanout, durable: false, autoDelete: true);
            await channel.ExchangeBindAsync(own, AmqpListener.ClinicExchange, "north.#");
        }), "demo-scheduler binding its exchange with north.#");
        (await Try(TestInfrastructure.AmqpSubscriber, async channel =>
        {
            await channel.ExchangeDeclareAsync(own, ExchangeType.Fanout, durable: false, autoDelete: true);
            await channel.ExchangeBindAsync(own, AmqpListener.ClinicExchange, TestInfrastructure.SubscriberClinic + ".#");
            await channel.ExchangeDeleteAsync(own);
        })).ShouldBeNull("its own clinic's keys are allowed");
    }

    [Fact]
    public async Task A_clinic_subscriber_bound_to_the_clinic_exchange_receives_its_clinics_events_and_none_of_another_clinics()
    {
        await using var demo = await AmqpListener.StartForClinicAsync(TestInfrastructure.AmqpSubscriber, TestInfrastructure.SubscriberClinic + ".#");
        await using var north = await AmqpListener.StartForClinicAsync(await OtherSubscriber.Value, "north.#");
        await using var service = new ApiFactory();
        var inDemo = new ConsentDriver(service, TestInfrastructure.SubscriberClinic);
        var inNorth = new ConsentDriver(service, "north");
        var patient = "P-ROUTE-" + Guid.NewGuid().ToString("N")[..6];
        var (demoConsent, demoTablet, _) = await inDemo.Start("lumbar-puncture", patientId: patient);
        await ConsentDriver.Walk(demoTablet, demoConsent, "lumbar-puncture");
        var (northConsent, northTablet, _) = await inNorth.Start("lumbar-puncture", patientId: patient);
        await ConsentDriver.Walk(northTablet, northConsent, "lumbar-puncture");

        await demo.WaitFor(_ => demo.Once(demoConsent).Count() >= 3);
        await north.WaitFor(_ => north.Once(northConsent).Count() >= 3);
        // The service published the other clinic's events at the same time; give any stray delivery the time to land
        // (a fixed time, not a wait for a signal: the test asserts that none arrives).
        await Task.Delay(1000);
        demo.Once(demoConsent).Select(m => m.MessageType.Split(':')[^1]).ShouldBe(["SchedulingGateChanged", "ConsentGranted", "SchedulingGateChanged"]);
        // Other tests publish to the same broker meanwhile, forged messages among them (SchedulerSampleTests), and those
        // are routed by the keys their publisher chose: the routing asserted here is that of what the service signed.
        var keys = Consent.Contracts.Signatures.ConsentKeys.Parse(await service.CreateClient().GetStringAsync("/.well-known/consent-keys.json"));
        var demoSigned = demo.Received.Where(m => m.Distrust(keys) is null).ToList();
        var northSigned = north.Received.Where(m => m.Distrust(keys) is null).ToList();
        demoSigned.ShouldAllBe(m => m.Exchange == AmqpListener.ClinicExchange);
        demoSigned.ShouldAllBe(m => m.Message.GetProperty("clinicId").GetString() == TestInfrastructure.SubscriberClinic);
        demo.For(northConsent).ShouldBeEmpty();
        northSigned.ShouldAllBe(m => m.Message.GetProperty("clinicId").GetString() == "north");
        north.For(demoConsent).ShouldBeEmpty();
    }
}

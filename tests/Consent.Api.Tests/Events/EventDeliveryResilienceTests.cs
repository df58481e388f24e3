using System.Net;
using Consent.Api.Tests.Support;

namespace Consent.Api.Tests.Events;

/// <summary>
/// Events survive a broker outage and a service stop between storing and publishing. The broker here is a private
/// RabbitMQ (profile "brokerdown", own ports) so that stopping it disturbs no other test.
/// </summary>
[Trait("Category", "Infrastructure")]
public sealed class EventDeliveryResilienceTests : IAsyncLifetime
{
    private const string Profile = "brokerdown";
    private static readonly Dictionary<string, string> Ports = new() { ["CONSENT_PG_PORT"] = "27532", ["CONSENT_AMQP_PORT"] = "27972" };
    private readonly string _schema = "delivery_" + Guid.NewGuid().ToString("N")[..8];

    // The service's and the subscriber's URIs: the broker's passwords are made per profile by rabbitmq.sh.
    private string _amqp = "";
    private string _subscriber = "";

    public async Task InitializeAsync()
    {
        await Broker("start");
        _amqp = await TestInfrastructure.BrokerUriAsync(Profile, Ports);
        _subscriber = await TestInfrastructure.BrokerUriAsync(Profile, Ports, subscriber: true);
    }

    public Task DisposeAsync() => Broker("stop");

    private static Task Broker(string command) => TestInfrastructure.RunScriptAsync("rabbitmq.sh", Ports, command, Profile);

    private ApiFactory Service(bool relay = true) => new(new Dictionary<string, string?>
    {
        ["Store:Schema"] = _schema,
        ["Amqp:Uri"] = _amqp,
        ["Relay:Enabled"] = relay ? "true" : "false",
    });

    private static string[] Types(AmqpListener listener, string consentId) =>
        [.. listener.Once(consentId).Select(m => m.MessageType.Split(':')[^1])];

    private static readonly string[] Granted = ["SchedulingGateChanged", "ConsentGranted", "SchedulingGateChanged"];
    private static readonly string[] GrantedThenWithdrawn = ["SchedulingGateChanged", "ConsentGranted", "SchedulingGateChanged", "ConsentWithdrawn", "SchedulingGateChanged"];

    [Fact]
    public async Task Consents_granted_and_withdrawn_while_RabbitMQ_is_down_are_all_delivered_in_order_once_it_returns()
    {
        await using var listener = await AmqpListener.StartAsync(_subscriber, queue: TestInfrastructure.SubscriberQueuePrefix + "resilience-" + _schema);
        await using var service = Service();
        var driver = new ConsentDriver(service);
        var (before, tablet, _) = await driver.Start("lumbar-puncture", patientId: "P-BEFORE");
        await ConsentDriver.Walk(tablet, before, "lumbar-puncture");
        await listener.WaitFor(_ => Types(listener, before).Length == 3);

        await Broker("stop");
        var during = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var (id, t, _) = await driver.Start("lumbar-puncture", patientId: $"P-DURING-{i}");
            (await ConsentDriver.Walk(t, id, "lumbar-puncture")).GetProperty("status").GetString().ShouldBe("granted", "the service keeps accepting consents while the broker is down");
            during.Add(id);
        }
        (await driver.Coordinator.PostAsync($"/api/consents/{before}/withdraw", ConsentDriver.Json(new { reason = "patient_request" }))).StatusCode.ShouldBe(HttpStatusCode.OK);
        // The patient starts over at once: published minutes later, the withdrawal must still read as a withdrawal.
        var (again, _, _) = await driver.Start("lumbar-puncture", patientId: "P-BEFORE");
        (await driver.Coordinator.PostAsync($"/api/consents/{during[0]}/withdraw", ConsentDriver.Json(new { reason = "patient_request" }))).StatusCode.ShouldBe(HttpStatusCode.OK);
        await Broker("start");

        await listener.WaitFor(_ => Types(listener, before).Length == 5 && during.All(id => Types(listener, id).Length >= 3) && Types(listener, during[0]).Length == 5
            && Types(listener, again).Length == 1, TimeSpan.FromSeconds(60));
        listener.Once(before).Last().Message.GetProperty("reason").GetString().ShouldBe("withdrawn");
        listener.Once(again).Single().Message.GetProperty("reason").GetString().ShouldBe("consent_pending");
        Types(listener, before).ShouldBe(GrantedThenWithdrawn);
        Types(listener, during[0]).ShouldBe(GrantedThenWithdrawn);
        Types(listener, during[1]).ShouldBe(Granted);
        Types(listener, during[2]).ShouldBe(Granted);
        // Each consent's gate changes arrive in the order they happened, with growing sequences.
        foreach (var id in during.Prepend(before))
        {
            var sequences = listener.Once(id).Where(m => m.Message.TryGetProperty("sequence", out _))
                .Select(m => m.Message.GetProperty("sequence").GetInt64()).ToList();
            sequences.ShouldBe(sequences.Order().ToList());
        }
    }

    [Fact]
    public async Task Events_stored_by_a_service_that_stopped_before_publishing_are_published_once_by_the_next_instances()
    {
        await using var listener = await AmqpListener.StartAsync(_subscriber);
        string id;
        await using (var stopped = Service(relay: false))
        {
            var driver = new ConsentDriver(stopped);
            (id, var tablet, _) = await driver.Start("lumbar-puncture", patientId: "P-CRASH");
            await ConsentDriver.Walk(tablet, id, "lumbar-puncture");
            // A fixed time, not a wait for a signal: the test asserts that nothing arrives.
            await Task.Delay(500);
            listener.For(id).ShouldBeEmpty("nothing was published: the service stopped between storing and publishing");
        }

        // Two instances start at once; one relays, the other waits its turn.
        await using var first = Service();
        await using var second = Service();
        _ = first.Server;
        _ = second.Server;
        await listener.WaitFor(_ => Types(listener, id).Length == 3);
        // A fixed time, not a wait for a signal: the test asserts that no second copy arrives.
        await Task.Delay(1000);
        listener.For(id).Select(m => m.MessageType.Split(':')[^1]).ShouldBe(Granted, "each message published once");
    }
}

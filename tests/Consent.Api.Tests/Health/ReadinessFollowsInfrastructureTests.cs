using System.Diagnostics;
using System.Net;
using Consent.Api.Tests.Support;

namespace Consent.Api.Tests.Health;

/// <summary>
/// Stops and starts a private PostgreSQL and RabbitMQ (profile "resilience", own ports) under a running
/// service, so that other tests sharing the test profile are never disturbed.
/// </summary>
[Trait("Category", "Infrastructure")]
public sealed class ReadinessFollowsInfrastructureTests : IAsyncLifetime
{
    private const string Profile = "resilience";
    private static readonly Dictionary<string, string> Ports = new() { ["CONSENT_PG_PORT"] = "27432", ["CONSENT_AMQP_PORT"] = "27872" };
    private ApiFactory? _factory;

    public async Task InitializeAsync()
    {
        await Task.WhenAll(Script("postgres.sh", "start"), Script("rabbitmq.sh", "start"));
        _factory = new ApiFactory(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Postgres"] = "Host=127.0.0.1;Port=27432;Database=consent;Username=consent;Password=consent-local",
            ["Amqp:Uri"] = await TestInfrastructure.BrokerUriAsync(Profile, Ports),
        });
    }

    public async Task DisposeAsync()
    {
        if (_factory is not null) await _factory.DisposeAsync();
        await Task.WhenAll(Script("postgres.sh", "stop"), Script("rabbitmq.sh", "stop"));
    }

    [Theory]
    [InlineData("postgres")]
    [InlineData("rabbitmq")]
    public async Task Ready_is_503_while_a_dependency_is_stopped_and_200_again_after_it_returns_without_restarting_the_service(string dependency)
    {
        var client = _factory!.CreateClient();
        (await WaitForReadyStatus(client, HttpStatusCode.OK)).ShouldBe(HttpStatusCode.OK);

        await Script($"{dependency}.sh", "stop");
        (await WaitForReadyStatus(client, HttpStatusCode.ServiceUnavailable)).ShouldBe(HttpStatusCode.ServiceUnavailable);
        (await ReadyBody(client)).ShouldContain($"\"{dependency}\":\"unhealthy\"");

        await Script($"{dependency}.sh", "start");
        (await WaitForReadyStatus(client, HttpStatusCode.OK)).ShouldBe(HttpStatusCode.OK);
    }

    private static Task Script(string script, string command) => TestInfrastructure.RunScriptAsync(script, Ports, command, Profile);

    private static async Task<string> ReadyBody(HttpClient client) =>
        await (await client.GetAsync(new Uri("/health/ready", UriKind.Relative))).Content.ReadAsStringAsync();

    // Returns the first status equal to the expected one, or the last one seen after 30 s.
    private static async Task<HttpStatusCode> WaitForReadyStatus(HttpClient client, HttpStatusCode expected)
    {
        var clock = Stopwatch.StartNew();
        HttpStatusCode last;
        do
        {
            last = (await client.GetAsync(new Uri("/health/ready", UriKind.Relative))).StatusCode;
            if (last == expected) return last;
            await Task.Delay(250);
        }
        while (clock.Elapsed < TimeSpan.FromSeconds(30));
        return last;
    }
}

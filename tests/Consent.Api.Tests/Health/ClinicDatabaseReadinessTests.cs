using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Consent.Api.Tests.Support;
using Npgsql;

namespace Consent.Api.Tests.Health;

/// <summary>
/// Readiness with clinics spread over two PostgreSQL servers (docs/adr/0003-clinic-databases.md): the second server is
/// reached through a relay the test cuts, as a server going away does. The instance stays ready but degraded while a
/// further database is unreachable (every instance reaches every database: unready would cut off every clinic), names it
/// by its configured name only, and is unready while the default database is away.
/// </summary>
[Trait("Category", "Infrastructure")]
public sealed class ClinicDatabaseReadinessTests
{
    private static readonly Uri Ready = new("/health/ready", UriKind.Relative);

    [Fact]
    public async Task Ready_is_degraded_naming_the_second_database_while_it_is_cut_off_and_healthy_again_once_it_answers()
    {
        var second = new NpgsqlConnectionStringBuilder(TestInfrastructure.Postgres2);
        await using var cut = new TcpCut(second.Host!, second.Port);
        await using var factory = new ApiFactory(new Dictionary<string, string?>
        {
            ["Store:Schema"] = "ready_" + Guid.NewGuid().ToString("N")[..8],
            ["Store:Databases:second:ConnectionString"] = new NpgsqlConnectionStringBuilder(TestInfrastructure.Postgres2) { Port = cut.Port }.ConnectionString,
        });
        var client = factory.CreateClient();

        var up = await WaitForAsync(client, "healthy");
        up.Checks.ShouldBe(new Dictionary<string, string> { ["postgres"] = "healthy", ["postgres:second"] = "healthy", ["rabbitmq"] = "healthy" }, ignoreOrder: true);

        cut.Cut();
        var down = await WaitForAsync(client, "degraded");
        down.Status.ShouldBe(HttpStatusCode.OK, down.Body);
        down.Overall.ShouldBe("degraded", down.Body);
        down.Checks["postgres:second"].ShouldBe("degraded");
        down.Checks["postgres"].ShouldBe("healthy", "the default database is fine");
        down.Checks["rabbitmq"].ShouldBe("healthy");
        // The configured name, never where the database is or how to sign in to it.
        foreach (var secret in new[] { second.Host!, second.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), cut.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), second.Username!, second.Password! })
        {
            down.Body.ShouldNotContain(secret, Case.Insensitive);
        }
        (await client.GetAsync(new Uri("/health/live", UriKind.Relative))).StatusCode.ShouldBe(HttpStatusCode.OK, "liveness does not depend on any database");

        cut.Restore();
        var back = await WaitForAsync(client, "healthy");
        back.Overall.ShouldBe("healthy", back.Body);
        back.Checks["postgres:second"].ShouldBe("healthy");
    }

    [Fact]
    public async Task One_database_answers_as_before_with_postgres_and_rabbitmq_only()
    {
        await using var factory = new ApiFactory();
        var ready = await WaitForAsync(factory.CreateClient(), "healthy");
        ready.Status.ShouldBe(HttpStatusCode.OK, ready.Body);
        ready.Checks.Keys.Order(StringComparer.Ordinal).ShouldBe(["postgres", "rabbitmq"]);
    }

    private sealed record ReadyAnswer(HttpStatusCode Status, string Overall, string Body, Dictionary<string, string> Checks);

    private static async Task<ReadyAnswer> ReadAsync(HttpClient client)
    {
        using var response = await client.GetAsync(Ready);
        var body = await response.Content.ReadAsStringAsync();
        var root = JsonDocument.Parse(body).RootElement;
        var checks = root.GetProperty("checks").EnumerateObject().ToDictionary(c => c.Name, c => c.Value.GetString()!);
        return new ReadyAnswer(response.StatusCode, root.GetProperty("status").GetString()!, body, checks);
    }

    /// <summary>The first answer with <paramref name="expected"/> overall status, or the last one seen after 60 s.</summary>
    private static async Task<ReadyAnswer> WaitForAsync(HttpClient client, string expected)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var answer = await ReadAsync(client);
            if (answer.Overall == expected || clock.Elapsed > TimeSpan.FromSeconds(60)) return answer;
            await Task.Delay(250);
        }
    }
}

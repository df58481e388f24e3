using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Consent.Api.Tests.Support;
using Npgsql;

namespace Consent.Api.Tests.Hosting;

/// <summary>
/// What a tablet gets while the database is away (a Patroni failover cuts every connection and refuses new ones for
/// about ten seconds): 503 with Retry-After, an answer that says "send it again", never a 500 that reads as a fault in
/// the request; and sent again with the same Idempotency-Key once the database is back, the step is stored once.
/// </summary>
public sealed class DatabaseOutageAnswersTests
{
    [Fact]
    public async Task A_step_sent_while_the_database_connection_is_cut_gets_503_with_retry_after_and_its_retry_is_stored_once()
    {
        var target = new NpgsqlConnectionStringBuilder(TestInfrastructure.Postgres);
        await using var cut = new TcpCut(target.Host!, target.Port);
        var throughCut = new NpgsqlConnectionStringBuilder(TestInfrastructure.Postgres) { Port = cut.Port };
        await using var factory = new ApiFactory(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Postgres"] = throughCut.ConnectionString,
            ["Store:Schema"] = "outage_" + Guid.NewGuid().ToString("N")[..8],
            ["Relay:Enabled"] = "false",
        });
        var driver = new ConsentDriver(factory);
        var (id, tablet, view) = await driver.Start();
        var step = ConsentDriver.Workflows.Find("stem-cell-ms")!.FindStep(view.GetProperty("currentStep").GetProperty("id").GetString()!)!;
        var key = Guid.NewGuid().ToString();
        HttpRequestMessage Step()
        {
            var request = new HttpRequestMessage(HttpMethod.Post, $"/api/consents/{id}/steps/{step.Id}") { Content = ConsentDriver.Json(ConsentDriver.Answer(step)) };
            request.Headers.Add("Idempotency-Key", key);
            return request;
        }

        cut.Cut();
        using (var during = await tablet.SendAsync(Step()))
        {
            var text = await during.Content.ReadAsStringAsync();
            during.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable, text);
            during.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
            during.Headers.RetryAfter.ShouldNotBeNull();
            JsonDocument.Parse(text).RootElement.GetProperty("detail").GetString()!.ShouldContain("Idempotency-Key");
        }

        cut.Restore();
        using var first = await SendUntilAnsweredAsync(tablet, Step);
        var firstBody = await first.Content.ReadAsStringAsync();
        first.StatusCode.ShouldBe(HttpStatusCode.OK, firstBody);
        using var again = await tablet.SendAsync(Step());
        (await again.Content.ReadAsStringAsync()).ShouldBe(firstBody);

        var history = await driver.Coordinator.GetFromJsonAsync<JsonElement>($"/api/consents/{id}/history");
        history.EnumerateArray().Count(e => e.GetProperty("data").TryGetProperty("stepId", out var s) && s.GetString() == step.Id).ShouldBe(1);
    }

    /// <summary>The pool may still hand out a connection the cut closed; a tablet retries a 503 the same way.</summary>
    private static async Task<HttpResponseMessage> SendUntilAnsweredAsync(HttpClient client, Func<HttpRequestMessage> request)
    {
        for (var attempt = 1; ; attempt++)
        {
            var response = await client.SendAsync(request());
            if (response.StatusCode != HttpStatusCode.ServiceUnavailable || attempt == 10) return response;
            response.Dispose();
            await Task.Delay(300);
        }
    }
}

using System.Net;
using Consent.Api.Consents;
using Consent.Api.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Consent.Api.Tests.Observability;

/// <summary>Idempotent responses are kept for Idempotency:Retention, then purged a batch at a time.</summary>
[Trait("Category", "Infrastructure")]
public sealed class IdempotencyRetentionTests
{
    [Fact]
    public async Task A_response_older_than_the_retention_is_purged_and_a_fresh_one_still_replays()
    {
        await using var factory = new ApiFactory(new Dictionary<string, string?>
        {
            // Its own table: a purge deletes every clinic's old responses, and other tests' must stay.
            ["Store:Schema"] = "idem_" + Guid.NewGuid().ToString("N")[..8],
            ["Idempotency:Retention"] = "00:00:03",
            // One row a batch: the purge must go on batch after batch until nothing old is left.
            ["Idempotency:PurgeBatchSize"] = "1",
            ["Idempotency:PurgePauseMilliseconds"] = "10",
            ["Idempotency:PurgeEnabled"] = "false",
        });
        var driver = new ConsentDriver(factory);
        var steps = ConsentDriver.Workflows.Find("stem-cell-ms")!.Steps;
        var (id, tablet, _) = await driver.Start();

        async Task<HttpResponseMessage> Send(int step, string key)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/consents/{id}/steps/{steps[step].Id}") { Content = ConsentDriver.Json(ConsentDriver.Answer(steps[step])) };
            request.Headers.Add("Idempotency-Key", key);
            return await tablet.SendAsync(request);
        }

        var olds = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            (await Send(i, $"old-{i}")).StatusCode.ShouldBe(HttpStatusCode.OK);
            olds.Add($"old-{i}");
        }
        await Task.Delay(TimeSpan.FromSeconds(4));
        var fresh = await Send(3, "fresh");
        fresh.StatusCode.ShouldBe(HttpStatusCode.OK);

        var purged = await factory.Services.GetRequiredService<IdempotencyRetention>().PurgeAsync(CancellationToken.None);

        purged.ShouldBe(3, "the three old responses, one batch each, and not the fresh one");
        var replay = await Send(3, "fresh");
        replay.StatusCode.ShouldBe(HttpStatusCode.OK);
        replay.Headers.GetValues("Idempotent-Replayed").ShouldBe(["true"]);
        (await replay.Content.ReadAsStringAsync()).ShouldBe(await fresh.Content.ReadAsStringAsync());
        var forgotten = await Send(0, olds[0]);
        forgotten.Headers.Contains("Idempotent-Replayed").ShouldBeFalse("a purged response is not replayed: the request is decided again");
    }
}

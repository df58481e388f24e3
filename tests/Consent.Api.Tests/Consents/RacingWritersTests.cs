using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Consent.Api.Tests.Support;

namespace Consent.Api.Tests.Consents;

/// <summary>
/// Several writers on one consent at the same instant (a double tap, two tablets, a coordinator withdrawing): one
/// wins, every loser gets 409/412, never a 5xx, and no connection left broken in the pool fails the next request.
/// </summary>
public sealed class RacingWritersTests(RacingWritersTests.Factory factory) : IClassFixture<RacingWritersTests.Factory>
{
    public sealed class Factory : ApiFactory;

    [Fact]
    public async Task Three_steps_and_a_withdrawal_at_once_answer_one_winner_and_conflicts_never_a_server_error()
    {
        var driver = new ConsentDriver(factory);
        var definition = ConsentDriver.Workflows.Find("stem-cell-ms")!;
        var statuses = new List<HttpStatusCode>();
        for (var round = 0; round < 25; round++)
        {
            var (id, tablet, view) = await driver.Start(patientId: $"P-RACE-{round}");
            var step = view.GetProperty("currentStep").GetProperty("id").GetString()!;
            var answer = ConsentDriver.Json(ConsentDriver.Answer(definition.FindStep(step)!));
            var racing = new[]
            {
                tablet.PostAsync($"/api/consents/{id}/steps/{step}", ConsentDriver.Json(ConsentDriver.Answer(definition.FindStep(step)!))),
                tablet.PostAsync($"/api/consents/{id}/steps/{step}", ConsentDriver.Json(ConsentDriver.Answer(definition.FindStep(step)!))),
                tablet.PostAsync($"/api/consents/{id}/steps/{step}", answer),
                driver.Coordinator.PostAsync($"/api/consents/{id}/withdraw", ConsentDriver.Json(new { reason = "patient_request" })),
            };
            foreach (var response in await Task.WhenAll(racing)) statuses.Add(response.StatusCode);
            // The next, unrelated request on the same pool is answered as usual.
            (await driver.Coordinator.GetAsync($"/api/consents/{id}")).StatusCode.ShouldBe(HttpStatusCode.OK);
            (await driver.Clinician.GetFromJsonAsync<JsonElement>($"/api/consents/{id}/verify")).GetProperty("valid").GetBoolean().ShouldBeTrue();
        }
        statuses.ShouldAllBe(s => s == HttpStatusCode.OK || s == HttpStatusCode.Conflict || s == HttpStatusCode.PreconditionFailed || s == HttpStatusCode.Unauthorized,
            string.Join(",", statuses.GroupBy(s => s).Select(g => $"{g.Key}:{g.Count()}")));
        statuses.Count(s => s == HttpStatusCode.OK).ShouldBeGreaterThanOrEqualTo(25);
    }
}

using Consent.Api.Consents.Timers;
using System.Net.Http.Json;
using System.Text.Json;
using Consent.Api.Consents;
using Consent.Api.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Consent.Api.Tests.Consents;

public sealed class ConsentTimerTests : IAsyncLifetime
{
    private readonly FakeClock _clock = new(DateTimeOffset.UtcNow);
    private ApiFactory _factory = null!;

    public Task InitializeAsync()
    {
        _factory = new ApiFactory(
            // Its own schema: timers act on every clinic at once, and this test's clock runs weeks ahead.
            new Dictionary<string, string?> { ["Timers:Enabled"] = "false", ["Store:Schema"] = "timers_" + Guid.NewGuid().ToString("N")[..8] },
            services => services.AddSingleton<TimeProvider>(_clock));
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    private ConsentTimers NewTimerInstance() => ActivatorUtilities.CreateInstance<ConsentTimers>(_factory.Services);

    private static async Task<List<string>> EventTypes(ConsentDriver driver, string id) =>
        (await driver.Coordinator.GetFromJsonAsync<JsonElement>($"/api/consents/{id}/history")).EnumerateArray().Select(e => e.GetProperty("type").GetString()!).ToList();

    [Fact]
    public async Task A_granted_consent_expires_after_its_validity_and_two_timer_instances_fire_it_once()
    {
        var driver = new ConsentDriver(_factory);
        var (id, tablet, _) = await driver.Start("lumbar-puncture");
        (await ConsentDriver.Walk(tablet, id, "lumbar-puncture")).GetProperty("status").GetString().ShouldBe("granted");

        _clock.Advance(TimeSpan.FromDays(29));
        await Task.WhenAll(NewTimerInstance().RunDueAsync(CancellationToken.None), NewTimerInstance().RunDueAsync(CancellationToken.None));
        (await driver.Coordinator.GetFromJsonAsync<JsonElement>($"/api/consents/{id}")).GetProperty("status").GetString().ShouldBe("granted");

        _clock.Advance(TimeSpan.FromDays(2));
        var fired = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => NewTimerInstance().RunDueAsync(CancellationToken.None)));

        (await driver.Coordinator.GetFromJsonAsync<JsonElement>($"/api/consents/{id}")).GetProperty("status").GetString().ShouldBe("expired");
        var types = await EventTypes(driver, id);
        types.Count(t => t == "consent_expired").ShouldBe(1);
        types.Count(t => t == "cooling_off_ended").ShouldBe(1);
        fired.Sum().ShouldBeGreaterThanOrEqualTo(1);
    }

    [Fact]
    public async Task An_unfinished_consent_left_idle_gets_one_reminder()
    {
        var driver = new ConsentDriver(_factory);
        var (id, tablet, _) = await driver.Start();
        await ConsentDriver.Walk(tablet, id, stopAt: "evidence");

        _clock.Advance(TimeSpan.FromMinutes(110));
        await NewTimerInstance().RunDueAsync(CancellationToken.None);
        (await EventTypes(driver, id)).ShouldNotContain("reminder_due");

        _clock.Advance(TimeSpan.FromMinutes(15));
        await NewTimerInstance().RunDueAsync(CancellationToken.None);
        await NewTimerInstance().RunDueAsync(CancellationToken.None);
        (await EventTypes(driver, id)).Count(t => t == "reminder_due").ShouldBe(1);
        var listed = await driver.Coordinator.GetFromJsonAsync<JsonElement>("/api/consents");
        listed.GetProperty("items")[0].GetProperty("reminderDue").GetBoolean().ShouldBeTrue("coordinators see which consents were left unfinished");
    }

    [Fact]
    public async Task The_tablet_link_expires_with_its_lifetime()
    {
        var driver = new ConsentDriver(_factory);
        var (id, tablet, _) = await driver.Start("lumbar-puncture");
        (await tablet.GetAsync($"/api/consents/{id}")).StatusCode.ShouldBe(System.Net.HttpStatusCode.OK);

        _clock.Advance(TimeSpan.FromHours(2) + TimeSpan.FromSeconds(1));

        (await tablet.GetAsync($"/api/consents/{id}")).StatusCode.ShouldBe(System.Net.HttpStatusCode.Unauthorized);
    }
}

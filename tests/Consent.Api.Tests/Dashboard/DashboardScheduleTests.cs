using Consent.Api.Auth;
using Consent.Api.Tests.Support;
using Consent.Api.Tests.Tablet;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Consent.Api.Tests.Dashboard;

/// <summary>
/// The service on a clock the test moves, so that the days between signing and the procedure pass at once. Its own
/// schema: a host whose clock runs days ahead would see every other host's staff sessions as long expired.
/// </summary>
public sealed class ClockedService() : TabletBrowser(
    new Dictionary<string, string?> { ["Store:Schema"] = "clocked_" + Guid.NewGuid().ToString("N")[..8] },
    services => services.AddSingleton<TimeProvider>(Clock))
{
    public static readonly FakeClock Clock = new(DateTimeOffset.UtcNow);
}

[Trait("Category", "Browser")]
public sealed class DashboardScheduleTests(ClockedService browser) : IClassFixture<ClockedService>
{
    [Fact]
    public async Task The_gate_allows_the_booked_procedure_only_after_cooling_off_and_the_patients_reaffirmation_on_the_day()
    {
        var (id, url, clinic) = await browser.StartConsentAsync(patientId: "MRN-66601");
        var tablet = await browser.NewTabletAsync();
        await TabletBrowser.OpenLinkAsync(tablet, url);
        await new TabletWalker(tablet, "stem-cell-ms").WalkAsync();

        var (clinician, password) = await browser.SignedInStaffWithPasswordAsync(StaffRoles.Clinician, clinic);
        var page = new Uri(browser.BaseUrl, $"/dashboard/consents/{id}").ToString();
        await clinician.GotoAsync(page);
        await clinician.GetByLabel("I discussed this consent with the patient and answered their questions.").CheckAsync();
        await clinician.GetByLabel("Your password, to countersign").FillAsync(password);
        await clinician.GetByRole(AriaRole.Button, new() { Name = "Sign and countersign" }).ClickAsync();

        var booked = ClockedService.Clock.Now.AddHours(60);
        await clinician.GetByLabel("Procedure booked for (UTC)").FillAsync(booked.UtcDateTime.ToString("yyyy-MM-ddTHH:mm", System.Globalization.CultureInfo.InvariantCulture));
        await clinician.GetByRole(AriaRole.Button, new() { Name = "Save the time" }).ClickAsync();
        await Expect(clinician.Locator("#gate-scheduled")).ToContainTextAsync("not allowed (reaffirmation required)");
        (await clinician.Locator("#gate-now").TextContentAsync())!.ShouldContain("not allowed (cooling off)");

        // The morning of the procedure: 50 hours on, 10 hours before it.
        ClockedService.Clock.Advance(TimeSpan.FromHours(50));
        var coordinator = await browser.SignedInStaffAsync(StaffRoles.Coordinator, clinic);
        await coordinator.GetByLabel("Needs me now").SelectOptionAsync("soon");
        await coordinator.GetByRole(AriaRole.Button, new() { Name = "Filter" }).ClickAsync();
        await Expect(coordinator.Locator("#consent-rows")).ToContainTextAsync("Procedure soon, not allowed yet");
        await Screens.CheckDesktopAsync(coordinator, "schedule", "01-procedure-soon-not-allowed");

        var (dayClinician, dayPassword) = await browser.SignedInStaffWithPasswordAsync(StaffRoles.Clinician, clinic);
        await dayClinician.GotoAsync(page);
        await dayClinician.GetByLabel("Today the patient told me they still want the procedure.").CheckAsync();
        await dayClinician.GetByLabel("Your password, to sign the reaffirmation").FillAsync(dayPassword);
        await dayClinician.GetByRole(AriaRole.Button, new() { Name = "Record the reaffirmation" }).ClickAsync();
        await Expect(dayClinician.Locator("#gate-scheduled")).Not.ToContainTextAsync("not allowed");
        await Expect(dayClinician.Locator("#gate-scheduled")).ToContainTextAsync("allowed (granted)");
        await Screens.CheckDesktopAsync(dayClinician, "schedule", "02-allowed-at-the-booked-time");

        await coordinator.ReloadAsync();
        (await coordinator.Locator("#consent-count").TextContentAsync()).ShouldBe("0 consents");
    }
}

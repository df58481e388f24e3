using System.Text.Json;
using Consent.Api.Auth;
using Consent.Api.Tests.Support;
using Consent.Api.Tests.Tablet;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Consent.Api.Tests.Dashboard;

/// <summary>
/// Staff signatures on the dashboard (21 CFR 11.50, 11.100, 11.200): in the signed-in account's name, with the meaning
/// shown, and the password typed again at signing; withdrawing on the patient's behalf is confirmed and signed too.
/// </summary>
[Trait("Category", "Browser")]
public sealed class StaffSignatureBrowserTests(TabletBrowser browser) : IClassFixture<TabletBrowser>
{
    /// <summary>A consent the patient has signed on their tablet (over the API), waiting for a clinician.</summary>
    private async Task<(string Id, string Clinic)> AwaitingCountersignAsync(string patientId)
    {
        var (id, url, clinic) = await browser.StartConsentAsync(patientId: patientId);
        var token = url[(url.IndexOf('#', StringComparison.Ordinal) + 1)..];
        using var tablet = new ConsentDriver(browser.Api, clinic).TabletClient(token);
        (await ConsentDriver.Walk(tablet, id)).GetProperty("status").GetString().ShouldBe("awaiting_countersign");
        return (id, clinic);
    }

    private async Task<JsonElement[]> HistoryAsync(string id, string clinic)
    {
        using var api = browser.ClientAs(StaffRoles.Coordinator, clinic);
        return [.. JsonDocument.Parse(await api.GetStringAsync($"/api/consents/{id}/history")).RootElement.EnumerateArray()];
    }

    [Fact]
    public async Task A_countersignature_without_the_password_or_with_a_wrong_one_is_refused_and_with_it_records_the_accounts_name_and_the_meaning()
    {
        var (id, clinic) = await AwaitingCountersignAsync("MRN-11501");
        var (clinician, password) = await browser.SignedInStaffWithPasswordAsync(StaffRoles.Clinician, clinic);
        await clinician.GotoAsync(new Uri(browser.BaseUrl, $"/dashboard/consents/{id}").ToString());

        await Expect(clinician.Locator("#signer-name")).ToHaveTextAsync("Test clinician");
        await Expect(clinician.Locator("#countersign-meaning")).ToContainTextAsync("I confirm I discussed this consent with the patient.");
        (await clinician.GetByLabel("Your full name").CountAsync()).ShouldBe(0, "the name is the account's, never typed");
        await Screens.CheckDesktopAsync(clinician, "signatures", "01-countersign-form");
        await DocsScreenshots.SaveAsync(clinician, "dashboard-countersign-form");
        var before = (await HistoryAsync(id, clinic)).Length;

        // Without the password: the browser's own check is bypassed, as a forged post would.
        await clinician.GetByLabel("I discussed this consent with the patient and answered their questions.").CheckAsync();
        await clinician.EvaluateAsync("() => document.getElementById('countersign-password').removeAttribute('required')");
        await clinician.GetByRole(AriaRole.Button, new() { Name = "Sign and countersign" }).ClickAsync();
        await Expect(clinician.GetByRole(AriaRole.Alert)).ToContainTextAsync("Type your password again to sign");
        (await HistoryAsync(id, clinic)).Length.ShouldBe(before);

        await clinician.GetByLabel("I discussed this consent with the patient and answered their questions.").CheckAsync();
        await clinician.GetByLabel("Your password, to countersign").FillAsync("not the password");
        await clinician.GetByRole(AriaRole.Button, new() { Name = "Sign and countersign" }).ClickAsync();
        await Expect(clinician.GetByRole(AriaRole.Alert)).ToContainTextAsync("That password is not right");
        await Screens.CheckDesktopAsync(clinician, "signatures", "02-countersign-wrong-password");
        await DocsScreenshots.SaveAsync(clinician, "dashboard-countersign-wrong-password");
        (await HistoryAsync(id, clinic)).Length.ShouldBe(before);

        await clinician.GetByLabel("I discussed this consent with the patient and answered their questions.").CheckAsync();
        await clinician.GetByLabel("Your password, to countersign").FillAsync(password);
        await clinician.GetByRole(AriaRole.Button, new() { Name = "Sign and countersign" }).ClickAsync();
        await Expect(clinician.GetByRole(AriaRole.Status).First).ToContainTextAsync("Countersigned.");

        var signature = (await HistoryAsync(id, clinic)).Single(e => e.GetProperty("type").GetString() == "staff_signed").GetProperty("data");
        signature.GetProperty("signerName").GetString().ShouldBe("Test clinician");
        signature.GetProperty("accountId").GetString()!.ShouldStartWith("clinician-");
        signature.GetProperty("meaning").GetString().ShouldBe("I confirm I discussed this consent with the patient.");
        signature.GetProperty("authMethod").GetString().ShouldBe("password_reentry");
        await Expect(clinician.Locator("#timeline")).ToContainTextAsync("Signed by Test clinician");
        await Expect(clinician.Locator("#timeline")).ToContainTextAsync("password re-entered");
        (await browser.ConsentAsync(id, clinic)).GetProperty("status").GetString().ShouldBe("granted");
    }

    [Fact]
    public async Task Withdrawing_on_the_patients_behalf_is_a_smaller_closed_action_that_asks_for_confirmation_a_reason_and_the_password()
    {
        var (id, clinic) = await AwaitingCountersignAsync("MRN-11502");
        var (coordinator, password) = await browser.SignedInStaffWithPasswordAsync(StaffRoles.Coordinator, clinic);
        await coordinator.GotoAsync(new Uri(browser.BaseUrl, $"/dashboard/consents/{id}").ToString());

        var summary = coordinator.Locator("#withdraw-details > summary");
        await Expect(coordinator.GetByRole(AriaRole.Button, new() { Name = "Sign and withdraw" })).Not.ToBeVisibleAsync();
        await summary.ClickAsync();
        await coordinator.GetByLabel("Reason").SelectOptionAsync("clinical_reason");
        await coordinator.GetByLabel("Your password, to sign the withdrawal").FillAsync(password);
        await Screens.CheckDesktopAsync(coordinator, "signatures", "03-withdraw-confirmation");
        await DocsScreenshots.SaveAsync(coordinator, "dashboard-withdraw-confirmation");

        // Unconfirmed (the browser's check bypassed): refused, nothing stored.
        await coordinator.EvaluateAsync("() => document.querySelector('#withdraw-details input[name=confirm]').removeAttribute('required')");
        await coordinator.GetByRole(AriaRole.Button, new() { Name = "Sign and withdraw" }).ClickAsync();
        await Expect(coordinator.GetByRole(AriaRole.Alert)).ToContainTextAsync("confirm the withdrawal");
        (await browser.ConsentAsync(id, clinic)).GetProperty("status").GetString().ShouldBe("awaiting_countersign");

        await coordinator.GetByLabel("Reason").SelectOptionAsync("clinical_reason");
        await coordinator.GetByLabel("Yes, withdraw this consent.").CheckAsync();
        await coordinator.GetByLabel("Your password, to sign the withdrawal").FillAsync(password);
        await coordinator.GetByRole(AriaRole.Button, new() { Name = "Sign and withdraw" }).ClickAsync();
        await Expect(coordinator.GetByRole(AriaRole.Status).First).ToContainTextAsync("withdrawn");

        var signature = (await HistoryAsync(id, clinic)).Single(e => e.GetProperty("type").GetString() == "staff_signed").GetProperty("data");
        signature.GetProperty("act").GetString().ShouldBe("withdraw");
        signature.GetProperty("signerName").GetString().ShouldBe("Test coordinator");
        signature.GetProperty("authMethod").GetString().ShouldBe("password_reentry");
    }

    [Fact]
    public async Task Resume_is_the_primary_action_and_withdraw_a_smaller_secondary_one_beside_it()
    {
        var (id, url, clinic) = await browser.StartConsentAsync(patientId: "MRN-11503");
        var token = url[(url.IndexOf('#', StringComparison.Ordinal) + 1)..];
        using (var tablet = new ConsentDriver(browser.Api, clinic).TabletClient(token))
        {
            (await tablet.PostAsync($"/api/consents/{id}/questions", ConsentDriver.Json(new { text = "Can I bring my daughter?" }))).IsSuccessStatusCode.ShouldBeTrue();
        }
        var coordinator = await browser.SignedInStaffAsync(StaffRoles.Coordinator, clinic);
        await coordinator.GotoAsync(new Uri(browser.BaseUrl, $"/dashboard/consents/{id}").ToString());

        var resume = await coordinator.GetByRole(AriaRole.Button, new() { Name = "Resume after discussion" }).BoundingBoxAsync();
        var withdraw = await coordinator.Locator("#withdraw-details > summary").BoundingBoxAsync();
        (resume!.Height * resume.Width).ShouldNotBe(withdraw!.Height * withdraw.Width);
        (await coordinator.Locator("#withdraw-details").GetAttributeAsync("open")).ShouldBeNull("withdrawing stays behind a confirmation");
        await Screens.CheckDesktopAsync(coordinator, "signatures", "04-resume-and-withdraw");
        await DocsScreenshots.SaveAsync(coordinator, "dashboard-resume-and-withdraw");

        // The browser's check bypassed: no note is refused by the service.
        await coordinator.EvaluateAsync("() => document.getElementById('resume-note').removeAttribute('required')");
        await coordinator.GetByRole(AriaRole.Button, new() { Name = "Resume after discussion" }).ClickAsync();
        await Expect(coordinator.GetByRole(AriaRole.Alert)).ToContainTextAsync("field: note");
        (await browser.ConsentAsync(id, clinic)).GetProperty("status").GetString().ShouldBe("needs_discussion");
    }
}

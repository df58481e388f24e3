using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Consent.Api.Auth;
using Consent.Api.Tests.Support;
using Consent.Api.Tests.Tablet;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Consent.Api.Tests.Dashboard;

/// <summary>The coordinators' and clinicians' dashboard in Debian's Chromium against the real service, beside a real tablet.</summary>
[Trait("Category", "Browser")]
public sealed class DashboardBrowserTests(TabletBrowser browser) : IClassFixture<TabletBrowser>
{
    private static string NewClinic() => "clinic-" + Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public async Task A_coordinator_starts_a_consent_watches_the_tablet_live_and_a_clinicians_countersignature_grants_it_with_the_gate_answer_for_each_time()
    {
        var clinic = NewClinic();
        var coordinator = await browser.SignedInStaffAsync(StaffRoles.Coordinator, clinic);
        await Screens.CheckDesktopAsync(coordinator, "flow", "01-consents-empty");

        await coordinator.GetByRole(AriaRole.Link, new() { Name = "Start a consent" }).First.ClickAsync();
        await Screens.CheckDesktopAsync(coordinator, "flow", "02-start-form");
        await coordinator.GetByLabel("Patient id").FillAsync("MRN-55501");
        await coordinator.GetByLabel("Procedure code").FillAsync("MSC-IV");
        await coordinator.GetByLabel("Workflow").SelectOptionAsync("stem-cell-ms");
        await coordinator.GetByRole(AriaRole.Button, new() { Name = "Start the consent" }).ClickAsync();
        await coordinator.GetByRole(AriaRole.Heading, new() { Name = "Tablet link" }).WaitForAsync();
        (await coordinator.Locator("img.qr").EvaluateAsync<int>("img => img.naturalWidth")).ShouldBeGreaterThan(50, "the QR code is drawn");
        (await coordinator.Locator("[data-short-code]").TextContentAsync())!.Trim().ShouldMatch("^[A-Z2-9]{4}-[A-Z2-9]{4}$");
        await Screens.CheckDesktopAsync(coordinator, "flow", "03-tablet-link");
        var tabletUrl = await coordinator.Locator("[data-tablet-url]").InputValueAsync();

        await coordinator.GetByRole(AriaRole.Link, new() { Name = "Open the consent's page" }).ClickAsync();
        await coordinator.WaitForFunctionAsync("() => document.body.dataset.liveConnected === 'true'");
        (await coordinator.Locator("#consent-progress").TextContentAsync()).ShouldStartWith("0 of");

        // A second browser is the tablet; the coordinator's page follows it without a reload by hand.
        var tablet = await browser.NewTabletAsync();
        var walker = new TabletWalker(tablet, "stem-cell-ms");
        await TabletBrowser.OpenLinkAsync(tablet, tabletUrl);
        await walker.AnswerAsync((await walker.CurrentAsync())!);
        await walker.AnswerAsync((await walker.CurrentAsync())!);
        await coordinator.Locator("#consent-progress", new() { HasTextString = "2 of" }).WaitForAsync();
        await Screens.CheckDesktopAsync(coordinator, "flow", "04-consent-in-progress");

        await walker.WalkAsync();
        await coordinator.Locator("#consent-status", new() { HasTextString = "awaiting countersign" }).WaitForAsync();
        (await coordinator.GetByRole(AriaRole.Button, new() { Name = "Countersign" }).CountAsync()).ShouldBe(0, "a coordinator cannot countersign");

        var (clinician, password) = await browser.SignedInStaffWithPasswordAsync(StaffRoles.Clinician, clinic);
        await clinician.GetByLabel("Needs me now").SelectOptionAsync("countersign");
        await clinician.GetByRole(AriaRole.Button, new() { Name = "Filter" }).ClickAsync();
        await Screens.CheckDesktopAsync(clinician, "flow", "05-needs-countersign");
        await clinician.Locator("#consent-rows").GetByRole(AriaRole.Link, new() { Name = "MRN-55501" }).ClickAsync();
        await Screens.CheckDesktopAsync(clinician, "flow", "06-clinician-consent-page");
        await clinician.GetByLabel("I discussed this consent with the patient and answered their questions.").CheckAsync();
        await clinician.GetByLabel("Your password, to countersign").FillAsync(password);
        await clinician.GetByRole(AriaRole.Button, new() { Name = "Sign and countersign" }).ClickAsync();
        await Expect(clinician.GetByRole(AriaRole.Status).First).ToContainTextAsync("Countersigned.");
        await coordinator.Locator("#consent-status", new() { HasTextString = "granted" }).WaitForAsync();

        // Not now (48 hours to think), and three days on only with the patient's reaffirmation on the day.
        (await clinician.Locator("#gate-now").TextContentAsync())!.ShouldContain("not allowed (cooling off)");
        await clinician.GetByLabel("At a scheduled time (UTC)").FillAsync(DateTime.UtcNow.AddDays(3).ToString("yyyy-MM-ddTHH:mm", System.Globalization.CultureInfo.InvariantCulture));
        await clinician.GetByRole(AriaRole.Button, new() { Name = "Check" }).ClickAsync();
        await Expect(clinician.Locator("#gate-at-answer")).ToContainTextAsync("not allowed (reaffirmation required)");
        await Screens.CheckDesktopAsync(clinician, "flow", "07-granted-gate-at-time");
        (await clinician.Locator("#timeline").TextContentAsync())!.ShouldContain("Countersigned by Test clinician");
    }

    [Fact]
    public async Task A_coordinators_forged_countersignature_is_refused_and_another_clinics_consent_is_not_found()
    {
        var clinic = NewClinic();
        var (id, url, _) = await StartAsync(clinic, "lumbar-puncture");
        var tablet = await browser.NewTabletAsync();
        await TabletBrowser.OpenLinkAsync(tablet, url);
        await new TabletWalker(tablet, "lumbar-puncture").WalkAsync(stopAt: "risk-headache");

        var coordinator = await browser.SignedInStaffAsync(StaffRoles.Coordinator, clinic);
        await coordinator.GotoAsync(new Uri(browser.BaseUrl, $"/dashboard/consents/{id}").ToString());
        var version = await coordinator.Locator("input[name=version]").First.InputValueAsync();
        var token = await coordinator.Locator("input[name=__antiforgery]").First.InputValueAsync();
        var forged = await coordinator.APIRequest.PostAsync(new Uri(browser.BaseUrl, $"/dashboard/consents/{id}?handler=Countersign").ToString(), new()
        {
            Form = coordinator.APIRequest.CreateFormData().Set("version", version).Set("name", "Not a clinician").Set("attestation", "yes").Set("__antiforgery", token),
            MaxRedirects = 0,
        });
        forged.Status.ShouldBeOneOf(302, 403);
        (forged.Headers.GetValueOrDefault("location") ?? "/dashboard/denied").ShouldStartWith("/dashboard/denied");
        (await browser.ConsentAsync(id, clinic)).GetProperty("version").GetInt64().ToString(System.Globalization.CultureInfo.InvariantCulture).ShouldBe(version);

        var stranger = await browser.SignedInStaffAsync(StaffRoles.Coordinator, NewClinic());
        var response = await stranger.GotoAsync(new Uri(browser.BaseUrl, $"/dashboard/consents/{id}").ToString());
        response!.Status.ShouldBe(404);
        (await stranger.ContentAsync()).ShouldNotContain("MRN-");
    }

    [Fact]
    public async Task The_dashboard_sends_a_visitor_without_a_session_to_a_sign_in_form_and_refuses_a_wrong_password()
    {
        var page = await browser.NewTabletAsync();
        await page.GotoAsync(new Uri(browser.BaseUrl, "/dashboard").ToString());
        page.Url.ShouldContain("/dashboard/signin");
        (await page.Locator("input[name=username]").CountAsync()).ShouldBe(1);
        (await page.Locator("input[name=password][type=password]").CountAsync()).ShouldBe(1);
        (await page.Locator("button[type=submit]").CountAsync()).ShouldBe(1);
        await page.SetViewportSizeAsync(1366, 768);
        await Screens.CheckDesktopAsync(page, "signin", "01-sign-in");

        var (username, _) = await browser.CreateStaffAccountAsync(StaffRoles.Coordinator, NewClinic());
        await page.GetByLabel("Username").FillAsync(username);
        await page.GetByLabel("Password").FillAsync("not-the-password");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("not right");
        await Screens.CheckDesktopAsync(page, "signin", "02-wrong-password");
        page.Url.ShouldContain("/dashboard/signin");

        // The identity provider's return address, with nothing configured or a forged answer: back to sign-in, never a 500.
        using var plain = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = browser.BaseUrl };
        var callback = await plain.GetAsync("/dashboard/signin-oidc?code=forged&state=forged");
        callback.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        callback.Headers.Location!.ToString().ShouldStartWith("/dashboard/signin");
    }

    [Fact]
    public async Task A_short_code_typed_on_the_tablet_opens_the_consent_once_and_a_new_link_ends_the_old_tablet_session()
    {
        var clinic = NewClinic();
        var coordinator = await browser.SignedInStaffAsync(StaffRoles.Coordinator, clinic);
        await coordinator.GotoAsync(new Uri(browser.BaseUrl, "/dashboard/start").ToString());
        await coordinator.GetByLabel("Patient id").FillAsync("MRN-55502");
        await coordinator.GetByLabel("Procedure code").FillAsync("LP-1");
        await coordinator.GetByLabel("Workflow").SelectOptionAsync("lumbar-puncture");
        await coordinator.GetByRole(AriaRole.Button, new() { Name = "Start the consent" }).ClickAsync();
        var code = (await coordinator.Locator("[data-short-code]").TextContentAsync())!.Trim();

        var tablet = await browser.NewTabletAsync();
        await tablet.GotoAsync(new Uri(browser.BaseUrl, "/tablet").ToString());
        await Screens.CheckAsync(tablet, "code", "01-type-the-code");
        await tablet.GetByLabel("Code / Código").FillAsync(code.ToLowerInvariant());
        await tablet.GetByRole(AriaRole.Button, new() { Name = "Open my consent form" }).ClickAsync();
        await tablet.Locator("article.step[data-step-id='key-information']").WaitForAsync();

        var second = await browser.NewTabletAsync();
        await second.GotoAsync(new Uri(browser.BaseUrl, "/tablet").ToString());
        await second.GetByLabel("Code / Código").FillAsync(code);
        await second.GetByRole(AriaRole.Button, new() { Name = "Open my consent form" }).ClickAsync();
        // A code works once: a second try is told the code opens nothing (not that another tablet holds it).
        await Expect(second.Locator("main")).ToContainTextAsync("This code does not open a form.");

        await coordinator.GetByRole(AriaRole.Link, new() { Name = "Open the consent's page" }).ClickAsync();
        // The link is open on a tablet: ending that session needs a reason and a confirmation.
        await coordinator.GetByLabel("Why the open tablet session ends").SelectOptionAsync("finish_another_day");
        await coordinator.GetByLabel("End the open tablet session now").CheckAsync();
        await coordinator.GetByRole(AriaRole.Button, new() { Name = "Issue a new tablet link" }).ClickAsync();
        await Expect(coordinator.Locator("[data-short-code]")).ToHaveCountAsync(1);
        await Screens.CheckDesktopAsync(coordinator, "code", "02-new-link-issued");

        await tablet.ReloadAsync();
        tablet.Url.ShouldEndWith("/tablet/ended", Case.Sensitive, "the old link's session ended with the new link");
    }

    [Fact]
    public async Task A_live_update_that_arrives_while_a_form_is_being_sent_does_not_reload_the_page_over_its_answer()
    {
        var clinic = NewClinic();
        var (id, _, _) = await StartAsync(clinic, "lumbar-puncture", "MRN-55508");
        var coordinator = await browser.SignedInStaffAsync(StaffRoles.Coordinator, clinic);
        await coordinator.GotoAsync(new Uri(browser.BaseUrl, $"/dashboard/consents/{id}").ToString());
        await coordinator.WaitForFunctionAsync("() => document.body.dataset.liveConnected === 'true'");

        // The service's answer reaches the browser only after the page has heard of the event the form itself stored,
        // as happens on a busy machine: the page must wait for the answer (a new link is shown once), not reload.
        var handled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await coordinator.RouteAsync(new Regex("handler=Reissue"), async route =>
        {
            var answer = await route.FetchAsync();
            await handled.Task.WaitAsync(TimeSpan.FromSeconds(30));
            try
            {
                await route.FulfillAsync(new() { Response = answer });
            }
            catch (PlaywrightException)
            {
                // The page went elsewhere meanwhile and cancelled the request: the assertion below reports it.
            }
        });
        var before = await coordinator.EvaluateAsync<string?>("() => document.body.dataset.liveHandled ?? null") ?? "";
        var click = coordinator.GetByRole(AriaRole.Button, new() { Name = "Issue a new tablet link" }).ClickAsync();
        // The page marks each live update it has handled (data-live-handled): the answer is let through once it has
        // handled this consent's, instead of after a fixed time.
        await coordinator.WaitForFunctionAsync($"() => (document.body.dataset.liveHandled || '').startsWith('{id}:') && document.body.dataset.liveHandled !== '{before}'", null, new() { Timeout = 15_000 });
        handled.TrySetResult();
        await click;
        await Expect(coordinator.Locator("[data-short-code]")).ToHaveCountAsync(1);
        await Expect(coordinator.Locator("p.notice.success")).ToContainTextAsync("A new tablet link is issued");
    }

    [Fact]
    public async Task A_change_made_while_the_page_was_connecting_to_live_updates_is_not_missed()
    {
        var clinic = NewClinic();
        var (id, url, _) = await StartAsync(clinic, "lumbar-puncture", "MRN-55509");
        var coordinator = await browser.SignedInStaffAsync(StaffRoles.Coordinator, clinic);
        // The page's live connection is held back until the tablet has answered: the feed's message goes to nobody.
        var answered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await coordinator.RouteAsync(new Regex("/dashboard/live/negotiate"), async route =>
        {
            await answered.Task.WaitAsync(TimeSpan.FromSeconds(30));
            await Task.Delay(1500); // the dashboard feed's round (0.5 s) has sent the change by then, to no one
            await route.ContinueAsync();
        });
        await coordinator.GotoAsync(new Uri(browser.BaseUrl, $"/dashboard/consents/{id}").ToString());
        (await coordinator.Locator("#consent-progress").TextContentAsync()).ShouldStartWith("0 of");

        var tablet = await browser.NewTabletAsync();
        await TabletBrowser.OpenLinkAsync(tablet, url);
        var walker = new TabletWalker(tablet, "lumbar-puncture");
        await walker.AnswerAsync((await walker.CurrentAsync())!);
        answered.SetResult();

        await coordinator.Locator("#consent-progress", new() { HasTextString = "1 of" }).WaitForAsync();
    }

    [Fact]
    public async Task The_list_filters_by_patient_and_exports_csv_and_a_withdrawal_on_the_patients_behalf_is_recorded_with_its_reason()
    {
        var clinic = NewClinic();
        var (id, url, _) = await StartAsync(clinic, "lumbar-puncture", "MRN-55503");
        await StartAsync(clinic, "lumbar-puncture", "MRN-55504");
        var (coordinator, password) = await browser.SignedInStaffWithPasswordAsync(StaffRoles.Coordinator, clinic);
        (await coordinator.Locator("#consent-count").TextContentAsync()).ShouldBe("2 consents");

        await coordinator.GetByLabel("Patient id").FillAsync("MRN-55503");
        await coordinator.GetByRole(AriaRole.Button, new() { Name = "Filter" }).ClickAsync();
        await Expect(coordinator.Locator("#consent-count")).ToHaveTextAsync("1 consent");
        await coordinator.WaitForFunctionAsync("() => document.body.dataset.liveConnected === 'true'");

        // The patient starts on the tablet: the row moves on without a reload.
        var tablet = await browser.NewTabletAsync();
        await TabletBrowser.OpenLinkAsync(tablet, url);
        var walker = new TabletWalker(tablet, "lumbar-puncture");
        await walker.AnswerAsync((await walker.CurrentAsync())!);
        await coordinator.Locator($"tr[data-consent='{id}'] td", new() { HasTextString = "in progress" }).WaitForAsync();
        await Screens.CheckDesktopAsync(coordinator, "list", "01-filtered");

        var download = await coordinator.RunAndWaitForDownloadAsync(() => coordinator.GetByRole(AriaRole.Button, new() { Name = "Export this list as CSV" }).ClickAsync());
        var csv = await File.ReadAllTextAsync((await download.PathAsync())!);
        csv.ShouldStartWith("id,patientId,patientName,procedureCode");
        csv.ShouldContain(id);
        csv.ShouldNotContain("MRN-55504");

        await coordinator.GotoAsync(new Uri(browser.BaseUrl, "/dashboard?status=bogus").ToString());
        await Expect(coordinator.GetByRole(AriaRole.Alert)).ToContainTextAsync("field: status");

        await coordinator.GotoAsync(new Uri(browser.BaseUrl, $"/dashboard/consents/{id}").ToString());
        await coordinator.Locator("#withdraw-details > summary").ClickAsync();
        await coordinator.GetByLabel("Reason").SelectOptionAsync("clinical_reason");
        await coordinator.GetByLabel("Yes, withdraw this consent.").CheckAsync();
        await coordinator.GetByLabel("Your password, to sign the withdrawal").FillAsync(password);
        await coordinator.GetByRole(AriaRole.Button, new() { Name = "Sign and withdraw" }).ClickAsync();
        await coordinator.Locator("#consent-status", new() { HasTextString = "withdrawn" }).WaitForAsync();
        (await coordinator.Locator("#timeline").TextContentAsync())!.ShouldContain("Withdrawn: A clinical reason");
        await Screens.CheckDesktopAsync(coordinator, "list", "02-withdrawn");
    }

    [Fact]
    public async Task A_question_from_the_tablet_shows_under_needs_me_now_and_resuming_it_lets_the_tablet_go_on()
    {
        var clinic = NewClinic();
        var (id, url, _) = await StartAsync(clinic, "lumbar-puncture", "MRN-55505");
        var tablet = await browser.NewTabletAsync();
        await TabletBrowser.OpenLinkAsync(tablet, url);
        var walker = new TabletWalker(tablet, "lumbar-puncture");
        await walker.TapAndWaitAsync(walker.Link("I have a question"));
        await walker.TapAndWaitAsync(walker.Button("Ask someone to come"));

        var coordinator = await browser.SignedInStaffAsync(StaffRoles.Coordinator, clinic);
        await coordinator.GetByLabel("Needs me now").SelectOptionAsync("questions");
        await coordinator.GetByRole(AriaRole.Button, new() { Name = "Filter" }).ClickAsync();
        await Expect(coordinator.Locator("#consent-rows")).ToContainTextAsync("Question");
        await coordinator.Locator("#consent-rows").GetByRole(AriaRole.Link, new() { Name = "MRN-55505" }).ClickAsync();
        await Expect(coordinator.Locator("#timeline")).ToContainTextAsync("Question raised");
        await coordinator.GetByLabel("What was discussed (no more than needed)").FillAsync("Explained the headache risk again.");
        await coordinator.GetByRole(AriaRole.Button, new() { Name = "Resume after discussion" }).ClickAsync();
        await coordinator.Locator("#consent-status", new() { HasTextString = "in progress" }).WaitForAsync();

        await tablet.Locator("article.step[data-step-id='key-information']").WaitForAsync();
    }

    [Fact]
    public async Task An_ended_consent_is_sent_again_on_the_latest_version_with_a_new_tablet_link()
    {
        var clinic = NewClinic();
        var (id, _, _) = await StartAsync(clinic, "lumbar-puncture", "MRN-55506");
        using (var api = browser.ClientAs(StaffRoles.Coordinator, clinic))
        {
            (await api.PostAsync($"/api/consents/{id}/withdraw", ConsentDriver.Json(new { reason = "patient_request" }))).IsSuccessStatusCode.ShouldBeTrue();
        }
        var coordinator = await browser.SignedInStaffAsync(StaffRoles.Coordinator, clinic);
        await coordinator.GotoAsync(new Uri(browser.BaseUrl, $"/dashboard/consents/{id}").ToString());
        await coordinator.GetByRole(AriaRole.Button, new() { Name = "Send again for re-consent" }).ClickAsync();

        await Expect(coordinator.Locator("[data-short-code]")).ToHaveCountAsync(1);
        await Expect(coordinator.GetByRole(AriaRole.Status).First).ToContainTextAsync("A new consent is started on version 1");
        await Screens.CheckDesktopAsync(coordinator, "resend", "01-sent-again");
        using var list = browser.ClientAs(StaffRoles.Coordinator, clinic);
        var consents = await list.GetFromJsonAsync<JsonElement>("/api/consents?patientId=MRN-55506");
        consents.GetProperty("total").GetInt32().ShouldBe(2);
        consents.GetProperty("items").EnumerateArray().Select(c => c.GetProperty("status").GetString()).ShouldBe(["pending", "withdrawn"], ignoreOrder: true);
    }

    private async Task<(string Id, string Url, string Clinic)> StartAsync(string clinic, string workflowId, string patientId = "MRN-55500")
    {
        using var api = browser.ClientAs(StaffRoles.Coordinator, clinic);
        var response = await api.PostAsync("/api/consents", ConsentDriver.Json(new { patientId, procedureCode = "LP-1", workflowId, locale = "en" }));
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        response.StatusCode.ShouldBe(HttpStatusCode.Created, body.ToString());
        return (body.GetProperty("id").GetString()!, body.GetProperty("tabletUrl").GetString()!, clinic);
    }
}

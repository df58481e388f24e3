using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Consent.Api.Auth;
using Consent.Api.Tests.Support;
using Consent.Api.Tests.Tablet;
using CsvHelper;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Consent.Api.Tests.Dashboard;

/// <summary>
/// A clinic in Chicago on the morning daylight-saving time begins (14 March 2027, clocks jump from 02:00 to 03:00 at
/// 08:00 UTC): the service's clock stands just before the change, so a booking typed for tomorrow is read with
/// tomorrow's offset (UTC-5), not today's (UTC-6).
/// </summary>
public sealed class ChicagoClinic() : TabletBrowser(
    new Dictionary<string, string?>
    {
        ["Clinics:DefaultTimeZone"] = "America/Chicago", ["Dashboard:StalledMinutes"] = "30", [$"Clinics:IdleSeconds:{SlowReaders}"] = "1200",
        // A schema of its own: this host's clock stands in 2027, and a sign-in drops the staff sessions that ended
        // by its clock, which would be every other test host's sessions in a shared schema.
        ["Store:Schema"] = "chicago_" + Guid.NewGuid().ToString("N")[..8],
    },
    services => services.AddSingleton<TimeProvider>(Clock))
{
    public static readonly FakeClock Clock = new(new DateTimeOffset(2027, 3, 14, 5, 0, 0, TimeSpan.Zero));

    /// <summary>A clinic that gives its tablets a longer idle pause than the service's.</summary>
    public const string SlowReaders = "slow-readers";
}

/// <summary>A clinic's day as staff and patients live it: their own time, the right patient, the queue, a CSV a spreadsheet opens.</summary>
[Trait("Category", "Browser")]
public sealed partial class ClinicDayBrowserTests(ChicagoClinic browser) : IClassFixture<ChicagoClinic>
{
    private static readonly TimeZoneInfo Chicago = TimeZoneInfo.FindSystemTimeZoneById("America/Chicago");

    private static string NewClinic() => "clinic-" + Guid.NewGuid().ToString("N")[..8];

    private async Task<(string Id, string Url)> StartAsync(string clinic, string patientId, string? name = null, string? birthDate = null, string workflowId = "lumbar-puncture")
    {
        using var api = browser.ClientAs(StaffRoles.Coordinator, clinic);
        var response = await api.PostAsync("/api/consents", ConsentDriver.Json(new { patientId, procedureCode = "LP-1", workflowId, locale = "en", patientName = name, patientBirthDate = birthDate }));
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        response.StatusCode.ShouldBe(HttpStatusCode.Created, body.ToString());
        return (body.GetProperty("id").GetString()!, body.GetProperty("tabletUrl").GetString()!);
    }

    [Fact]
    public async Task A_clinic_in_Chicago_books_nine_oclock_local_across_the_daylight_saving_change_and_the_gate_and_the_queue_agree()
    {
        var clinic = NewClinic();
        var (id, _) = await StartAsync(clinic, "MRN-70001");
        var coordinator = await browser.SignedInStaffAsync(StaffRoles.Coordinator, clinic);
        await coordinator.GotoAsync(new Uri(browser.BaseUrl, $"/dashboard/consents/{id}").ToString());

        // Typed as the clinic reads its own clock: 09:00 tomorrow, the first day of daylight-saving time.
        await coordinator.GetByLabel("Procedure booked for (America/Chicago)").FillAsync("2027-03-15T09:00");
        await coordinator.GetByRole(AriaRole.Button, new() { Name = "Save the time" }).ClickAsync();
        await Expect(coordinator.Locator("#gate-scheduled")).ToContainTextAsync("2027-03-15 09:00 UTC-5");
        await Expect(coordinator.Locator("#gate-scheduled")).ToContainTextAsync("not allowed (consent pending)");
        (await coordinator.GetByLabel("Procedure booked for (America/Chicago)").InputValueAsync()).ShouldBe("2027-03-15T09:00");
        (await coordinator.Locator("#timeline").TextContentAsync())!.ShouldContain("Procedure booked for 2027-03-15 09:00 UTC-5");
        await Screens.CheckDesktopAsync(coordinator, "clinic-day", "01-booked-in-local-time");
        await DocScreens.SaveAsync(coordinator, "01-consent-booked-in-chicago-time");

        // Stored and answered in UTC: 09:00 CDT is 14:00Z (today's offset would have made it 15:00Z).
        using var api = browser.ClientAs(StaffRoles.Coordinator, clinic);
        var booked = new DateTimeOffset(2027, 3, 15, 14, 0, 0, TimeSpan.Zero);
        var gate = await api.GetFromJsonAsync<JsonElement>($"/api/gate?patientId=MRN-70001&procedureCode=LP-1&at={Uri.EscapeDataString(booked.ToString("O", CultureInfo.InvariantCulture))}");
        gate.GetProperty("reason").GetString().ShouldBe("consent_pending");
        await using (var session = browser.Api.Services.GetRequiredService<Marten.IDocumentStore>().QuerySession(clinic))
        {
            (await session.LoadAsync<Consent.Api.Consents.ConsentSummary>(id))!.Record.ScheduledFor.ShouldBe(booked);
        }

        // A time the clocks skip is refused, naming the zone.
        await coordinator.GetByLabel("At a scheduled time (America/Chicago)").FillAsync("2027-03-14T02:30");
        await coordinator.GetByRole(AriaRole.Button, new() { Name = "Check" }).ClickAsync();
        await Expect(coordinator.GetByRole(AriaRole.Alert)).ToContainTextAsync("does not exist in America/Chicago");

        // The queue counts the same instant: the procedure is due within two days and the gate does not allow it.
        await coordinator.GotoAsync(new Uri(browser.BaseUrl, "/dashboard").ToString());
        var row = coordinator.Locator($"#queue-items tr[data-consent='{id}'][data-kind='soon']");
        await Expect(row).ToContainTextAsync("2027-03-15 09:00 UTC-5");
        var until = booked - ChicagoClinic.Clock.Now;
        // The clock stands before 08:00Z, so the booking is between one and two days away.
        await Expect(row.Locator(".queue-waited")).ToHaveTextAsync($"in 1 day {until.Hours} h");
        await Screens.CheckDesktopAsync(coordinator, "clinic-day", "02-queue-procedure-soon");
    }

    [Fact]
    public async Task The_tablet_asks_is_this_you_and_no_this_is_not_me_ends_the_link_records_nothing_and_alerts_the_queue_live()
    {
        var clinic = NewClinic();
        const string patientId = "urn:oid:2.16.840.1.113883.19.5|MRN-70002";
        var (id, url) = await StartAsync(clinic, patientId, "Ana María Rivera", "1980-04-23");
        var coordinator = await browser.SignedInStaffAsync(StaffRoles.Coordinator, clinic);
        await coordinator.WaitForFunctionAsync("() => document.body.dataset.liveConnected === 'true'");
        await Expect(coordinator.Locator("#queue-empty")).ToBeVisibleAsync();

        var tablet = await browser.NewTabletAsync();
        await tablet.GotoAsync(url);
        await tablet.WaitForURLAsync("**/tablet/identity");
        await Expect(tablet.GetByRole(AriaRole.Heading, new() { Name = "Is this you?" })).ToBeVisibleAsync();
        await Expect(tablet.Locator("#identity-name")).ToHaveTextAsync("Ana María Rivera");
        await Expect(tablet.Locator("#identity-born")).ToContainTextAsync("April 23, 1980");
        // Nothing of the consent is reachable before the answer.
        await tablet.GotoAsync(new Uri(browser.BaseUrl, "/tablet/consent").ToString());
        tablet.Url.ShouldEndWith("/tablet/identity");
        await Screens.CheckAsync(tablet, "identity", "01-is-this-you");
        await DocScreens.SaveAsync(tablet, "02-tablet-is-this-you");

        await tablet.GetByRole(AriaRole.Button, new() { Name = "No, this is not me" }).ClickAsync();
        await Expect(tablet.GetByRole(AriaRole.Heading, new() { Name = "Please give the tablet back to the staff" })).ToBeVisibleAsync();
        await Screens.CheckAsync(tablet, "identity", "02-not-me");

        // Staff see it at once, without a reload, first in the queue.
        var first = coordinator.Locator("#queue-items tbody tr").First;
        await Expect(first).ToHaveAttributeAsync("data-kind", "identity");
        await Expect(first).ToContainTextAsync("Ana María Rivera");
        await Expect(coordinator.Locator("#count-identity")).ToHaveTextAsync("1");
        await coordinator.WaitForFunctionAsync($"() => document.body.dataset.lastAlert === 'identity:{id}'");
        await Screens.CheckDesktopAsync(coordinator, "clinic-day", "03-queue-not-the-right-patient");
        await DocScreens.SaveAsync(coordinator, "03-queue-not-the-right-patient");

        // The link is over, and nothing was recorded as the patient's.
        await tablet.GotoAsync(new Uri(browser.BaseUrl, "/tablet/consent").ToString());
        tablet.Url.ShouldContain("/tablet/ended");
        var consent = await browser.ConsentAsync(id, clinic);
        consent.GetProperty("status").GetString().ShouldBe("pending");
        await using var session = browser.Api.Services.GetRequiredService<Marten.IDocumentStore>().QuerySession(clinic);
        var events = (await session.Events.FetchStreamAsync(id)).Select(e => e.EventTypeName).ToList();
        events.ShouldContain("patient_identity_rejected");
        events.ShouldNotContain("section_read");
        events.ShouldNotContain("decision_recorded");

        // The consent page names the patient and says what happened; the hand-over of a new link repeats the patient.
        await coordinator.Locator($"#queue-items tr[data-consent='{id}'] a").ClickAsync();
        await Expect(coordinator.Locator("#consent-patient")).ToContainTextAsync("Ana María Rivera · born 1980-04-23 · id " + patientId);
        await Expect(coordinator.Locator("main")).ToContainTextAsync("\"This is not me\" on the tablet");
        await coordinator.GetByRole(AriaRole.Button, new() { Name = "Issue a new tablet link" }).ClickAsync();
        await Expect(coordinator.Locator("#hand-over-patient")).ToContainTextAsync("Ana María Rivera · born 1980-04-23");
        await Screens.CheckDesktopAsync(coordinator, "clinic-day", "04-new-link-for-the-patient");
        await DocScreens.SaveAsync(coordinator, "04-hand-over-repeats-the-patient");
    }

    [Fact]
    public async Task Yes_this_is_me_goes_on_to_the_consent_and_is_asked_once_per_link()
    {
        var clinic = NewClinic();
        var (_, url) = await StartAsync(clinic, "MRN-70003", "Jo Bloggs", "1975-11-02");
        var tablet = await browser.NewTabletAsync();
        await tablet.GotoAsync(url);
        await tablet.WaitForURLAsync("**/tablet/identity");
        await tablet.GetByRole(AriaRole.Button, new() { Name = "Yes, this is me" }).ClickAsync();
        await tablet.WaitForURLAsync("**/tablet/consent");
        await tablet.Locator("article.step[data-step-id='key-information']").WaitForAsync();
        await tablet.ReloadAsync();
        tablet.Url.ShouldEndWith("/tablet/consent");
    }

    [Fact]
    public async Task The_queue_lists_a_fresh_question_first_with_its_text_and_how_long_the_patient_has_waited()
    {
        var clinic = NewClinic();
        var (stalledId, _) = await StartAsync(clinic, "MRN-70010", "Old Stalled");
        var (countersignLater, _) = await StartAsync(clinic, "MRN-70011");
        // Older consents stall first (nothing happened for 40 minutes): they are older, but nobody waits at a tablet for them.
        ChicagoClinic.Clock.Advance(TimeSpan.FromMinutes(40));
        var (id, url) = await StartAsync(clinic, "MRN-70012", "Ben Questioner");
        var coordinator = await browser.SignedInStaffAsync(StaffRoles.Coordinator, clinic);
        await coordinator.WaitForFunctionAsync("() => document.body.dataset.liveConnected === 'true'");
        await Expect(coordinator.Locator($"#queue-items tr[data-consent='{stalledId}'][data-kind='stalled']")).ToHaveCountAsync(1);

        var tablet = await browser.NewTabletAsync();
        await tablet.GotoAsync(url);
        await tablet.WaitForURLAsync("**/tablet/identity");
        await tablet.GetByRole(AriaRole.Button, new() { Name = "Yes, this is me" }).ClickAsync();
        var walker = new TabletWalker(tablet, "lumbar-puncture");
        await walker.TapAndWaitAsync(walker.Link("I have a question"));
        await tablet.GetByLabel("What would you like to ask? You may leave this empty.").FillAsync("Will the needle hurt my back?");
        await walker.TapAndWaitAsync(walker.Button("Ask someone to come"));
        ChicagoClinic.Clock.Advance(TimeSpan.FromMinutes(3));

        // Live: the queue refreshes on its own, the question first, its words and the wait since it was asked.
        var first = coordinator.Locator("#queue-items tbody tr").First;
        await Expect(first).ToHaveAttributeAsync("data-consent", id, new() { Timeout = 20_000 });
        await coordinator.WaitForFunctionAsync($"() => document.body.dataset.lastAlert === 'question:{id}'");
        await coordinator.ReloadAsync();
        first = coordinator.Locator("#queue-items tbody tr").First;
        await Expect(first).ToHaveAttributeAsync("data-kind", "questions");
        await Expect(first.Locator(".queue-detail")).ToHaveTextAsync("\u201CWill the needle hurt my back?\u201D");
        await Expect(first.Locator(".queue-waited")).ToHaveTextAsync("3 min");
        await Expect(coordinator.Locator("#count-questions")).ToHaveTextAsync("1");
        await Expect(coordinator.Locator("#count-stalled")).ToHaveTextAsync("2");
        await Screens.CheckDesktopAsync(coordinator, "clinic-day", "05-queue-question-first");
        await DocScreens.SaveAsync(coordinator, "05-queue-question-first");
        countersignLater.ShouldNotBe(id);
    }

    [Fact]
    public async Task Staff_find_a_patient_by_part_of_the_name_or_id_in_any_case_and_the_name_never_goes_into_a_url()
    {
        var clinic = NewClinic();
        var (rivera, _) = await StartAsync(clinic, "MRN-70020", "Ana María Rivera");
        var (other, _) = await StartAsync(clinic, "urn:oid:1.2.3|HOSP-4471", "Bo Smith");
        var coordinator = await browser.SignedInStaffAsync(StaffRoles.Coordinator, clinic);
        var urls = new List<string>();
        coordinator.Request += (_, request) => urls.Add(request.Url);

        await coordinator.GetByLabel("Patient id or name").FillAsync("rIVer");
        await coordinator.GetByRole(AriaRole.Button, new() { Name = "Filter" }).ClickAsync();
        await Expect(coordinator.Locator("#consent-count")).ToHaveTextAsync("1 consent");
        await Expect(coordinator.Locator($"#consent-rows tr[data-consent='{rivera}']")).ToHaveCountAsync(1);
        await Screens.CheckDesktopAsync(coordinator, "clinic-day", "06-search-by-name");
        await DocScreens.SaveAsync(coordinator, "06-search-by-name");

        await coordinator.GetByLabel("Patient id or name").FillAsync("hosp-44");
        await coordinator.GetByRole(AriaRole.Button, new() { Name = "Filter" }).ClickAsync();
        await Expect(coordinator.Locator($"#consent-rows tr[data-consent='{other}']")).ToHaveCountAsync(1);
        await Expect(coordinator.Locator("#consent-count")).ToHaveTextAsync("1 consent");

        urls.ShouldNotContain(u => u.Contains("iver", StringComparison.OrdinalIgnoreCase) || u.Contains("hosp", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task Patient_ids_with_an_assigning_authority_are_accepted_and_bad_patient_fields_are_named_in_problem_json()
    {
        var clinic = NewClinic();
        using var api = browser.ClientAs(StaffRoles.Coordinator, clinic);
        async Task<(HttpStatusCode, JsonElement)> Post(object body)
        {
            var response = await api.PostAsync("/api/consents", ConsentDriver.Json(body));
            if (response.StatusCode != HttpStatusCode.Created) response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
            return (response.StatusCode, await response.Content.ReadFromJsonAsync<JsonElement>());
        }
        var (created, _) = await Post(new { patientId = "http://hospital.example.org/mrn|12345", procedureCode = "LP-1", workflowId = "lumbar-puncture", locale = "en" });
        created.ShouldBe(HttpStatusCode.Created);
        // The contract grows compatibly: both fields optional, and documented.
        var schema = (await api.GetFromJsonAsync<JsonElement>("/openapi/v1.json")).GetProperty("components").GetProperty("schemas").GetProperty("CreateConsentRequest");
        schema.GetProperty("properties").TryGetProperty("patientName", out _).ShouldBeTrue(schema.ToString());
        schema.GetProperty("properties").TryGetProperty("patientBirthDate", out _).ShouldBeTrue(schema.ToString());
        schema.GetProperty("required").EnumerateArray().Select(r => r.GetString()).ShouldNotContain("patientName");
        foreach (var (body, field) in new (object, string)[]
        {
            (new { patientId = "no-scheme|123", procedureCode = "LP-1", workflowId = "lumbar-puncture", locale = "en" }, "patientId"),
            (new { patientId = "urn:oid:1.2|", procedureCode = "LP-1", workflowId = "lumbar-puncture", locale = "en" }, "patientId"),
            (new { patientId = "urn:oid:1.2|a|b", procedureCode = "LP-1", workflowId = "lumbar-puncture", locale = "en" }, "patientId"),
            (new { patientId = "MRN-1", procedureCode = "LP-1", workflowId = "lumbar-puncture", locale = "en", patientName = "Ana", patientBirthDate = "23/04/1980" }, "patientBirthDate"),
            (new { patientId = "MRN-1", procedureCode = "LP-1", workflowId = "lumbar-puncture", locale = "en", patientName = "Ana", patientBirthDate = "2999-01-01" }, "patientBirthDate"),
            (new { patientId = "MRN-1", procedureCode = "LP-1", workflowId = "lumbar-puncture", locale = "en", patientBirthDate = "1980-04-23" }, "patientName"),
            (new { patientId = "MRN-1", procedureCode = "LP-1", workflowId = "lumbar-puncture", locale = "en", patientName = new string('x', 201) }, "patientName"),
            (new { patientId = "MRN-1", procedureCode = "LP-1", workflowId = "lumbar-puncture", locale = "en", patientName = "Ana\u0007" }, "patientName"),
        })
        {
            var (status, problem) = await Post(body);
            status.ShouldBe(HttpStatusCode.BadRequest, problem.ToString());
            problem.GetProperty("errors").TryGetProperty(field, out _).ShouldBeTrue(problem.ToString());
        }
    }

    [Fact]
    public async Task The_csv_export_read_back_with_a_csv_parser_has_numbers_times_with_the_clinics_offset_and_no_formulas()
    {
        var clinic = NewClinic();
        var (id, url) = await StartAsync(clinic, "-2-3", "=HYPERLINK(\"http://x.invalid\")");
        var tablet = await browser.NewTabletAsync();
        await tablet.GotoAsync(url);
        await tablet.WaitForURLAsync("**/tablet/identity");
        await tablet.GetByRole(AriaRole.Button, new() { Name = "Yes, this is me" }).ClickAsync();
        var walker = new TabletWalker(tablet, "lumbar-puncture");
        await walker.AnswerAsync((await walker.CurrentAsync())!);
        var tabletProgress = await tablet.Locator("#progress-label").TextContentAsync();

        var coordinator = await browser.SignedInStaffAsync(StaffRoles.Coordinator, clinic);
        var rowProgress = await coordinator.Locator($"#consent-rows tr[data-consent='{id}'] td").Nth(5).TextContentAsync();
        // The list and the tablet measure progress the same way.
        Regex.Match(tabletProgress!, @"\d+%").Value.ShouldBe(Regex.Match(rowProgress!, @"\d+%").Value);

        var download = await coordinator.RunAndWaitForDownloadAsync(() => coordinator.GetByRole(AriaRole.Button, new() { Name = "Export this list as CSV" }).ClickAsync());
        using var reader = new StreamReader((await download.PathAsync())!);
        using var csv = CsvReader.Create(reader, new CsvReaderOptions(), false);
        var headers = csv.Headers.ToList();
        var rows = new List<Dictionary<string, string>>();
        while (csv.Read()) rows.Add(headers.Select((h, i) => (h, csv.GetString(i))).ToDictionary(x => x.h, x => x.Item2));
        var row = rows.Single();
        row["id"].ShouldBe(id);
        row["patientId"].ShouldBe("'-2-3");
        row["patientName"].ShouldStartWith("'=");
        int.Parse(row["stepsDone"], CultureInfo.InvariantCulture).ShouldBe(1);
        int.Parse(row["stepsTotal"], CultureInfo.InvariantCulture).ShouldBeGreaterThan(1);
        int.Parse(row["percentDone"], CultureInfo.InvariantCulture).ShouldBeInRange(1, 99);
        row["needs"].ShouldBe("");
        foreach (var column in new[] { "createdAt", "updatedAt" })
        {
            row[column].ShouldMatch(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$");
            var at = DateTimeOffset.ParseExact(row[column], "yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture);
            at.Offset.ShouldBe(Chicago.GetUtcOffset(at), column);
        }
        rows.SelectMany(r => r.Values).ShouldNotContain(v => Regex.IsMatch(v, @"^\d+/\d+$"), "no cell a spreadsheet turns into a date");
    }

    [Fact]
    public async Task The_idle_pause_is_the_clinics_own_where_it_sets_one()
    {
        var (_, slowUrl) = await StartAsync(ChicagoClinic.SlowReaders, "MRN-70040");
        var (_, otherUrl) = await StartAsync(NewClinic(), "MRN-70041");
        var slow = await browser.NewTabletAsync();
        await TabletBrowser.OpenLinkAsync(slow, slowUrl);
        (await slow.Locator("body").GetAttributeAsync("data-idle-seconds")).ShouldBe("1200");
        var other = await browser.NewTabletAsync();
        await TabletBrowser.OpenLinkAsync(other, otherUrl);
        (await other.Locator("body").GetAttributeAsync("data-idle-seconds")).ShouldBe("900", "the service's setting (the test host's)");
    }

    [Fact]
    public async Task A_mistyped_short_code_says_it_is_wrong_and_a_new_link_over_an_open_session_asks_why_and_for_confirmation()
    {
        var clinic = NewClinic();
        var (id, url) = await StartAsync(clinic, "MRN-70030");
        var tablet = await browser.NewTabletAsync();
        await tablet.GotoAsync(new Uri(browser.BaseUrl, "/tablet").ToString());
        await tablet.GetByLabel("Code / Código").FillAsync("ABCD-EFGH");
        await tablet.GetByRole(AriaRole.Button, new() { Name = "Open my consent form" }).ClickAsync();
        await Expect(tablet.GetByRole(AriaRole.Alert)).ToContainTextAsync("This code does not open a form");
        (await tablet.Locator("main").TextContentAsync())!.ShouldNotContain("another tablet");
        await Screens.CheckAsync(tablet, "code", "03-wrong-code");

        tablet = await browser.NewTabletAsync();
        await TabletBrowser.OpenLinkAsync(tablet, url);
        var coordinator = await browser.SignedInStaffAsync(StaffRoles.Coordinator, clinic);
        await coordinator.GotoAsync(new Uri(browser.BaseUrl, $"/dashboard/consents/{id}").ToString());
        await Expect(coordinator.Locator("#tablet-link-state")).ToContainTextAsync("current");
        // Without a reason and the confirmation, the browser does not send it; sent anyway, the service refuses it.
        var version = await coordinator.Locator("#reissue-form input[name=version]").InputValueAsync();
        var token = await coordinator.Locator("#reissue-form input[name=__antiforgery]").InputValueAsync();
        var bare = await coordinator.APIRequest.PostAsync(new Uri(browser.BaseUrl, $"/dashboard/consents/{id}?handler=Reissue").ToString(), new()
        {
            Form = coordinator.APIRequest.CreateFormData().Set("version", version).Set("__antiforgery", token), MaxRedirects = 0,
        });
        bare.Status.ShouldBe(422);
        (await bare.TextAsync()).ShouldContain("Choose why the open tablet session ends");
        await Screens.CheckDesktopAsync(coordinator, "clinic-day", "07-new-link-asks-why");
        await DocScreens.SaveAsync(coordinator, "07-new-link-asks-why");

        await coordinator.GetByLabel("Why the open tablet session ends").SelectOptionAsync("tablet_not_working");
        await coordinator.GetByLabel("End the open tablet session now").CheckAsync();
        await coordinator.GetByRole(AriaRole.Button, new() { Name = "Issue a new tablet link" }).ClickAsync();
        await Expect(coordinator.Locator("[data-short-code]")).ToHaveCountAsync(1);
        await Expect(coordinator.Locator("#timeline")).ToContainTextAsync("Open tablet session ended for a new link: The tablet stopped working");
        await tablet.ReloadAsync();
        tablet.Url.ShouldContain("/tablet/ended");

        // Labels, not codes: language and who acted.
        await coordinator.ReloadAsync();
        await Expect(coordinator.Locator(".facts")).ToContainTextAsync("English");
        (await coordinator.Locator("#timeline").TextContentAsync())!.ShouldNotContain("tablet:");
    }
}

/// <summary>The new screens for the docs, at the two sizes staff and tablets use.</summary>
public static class DocScreens
{
    public static async Task SaveAsync(IPage page, string name)
    {
        var original = page.ViewportSize!;
        foreach (var (width, height) in new[] { (1366, 768), (1024, 768) })
        {
            await page.SetViewportSizeAsync(width, height);
            var path = Path.Combine(TestInfrastructure.RepoRoot, "docs", "screenshots", "clinic-day", $"{name}-{width}x{height}.png");
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = false });
        }
        await page.SetViewportSizeAsync(original.Width, original.Height);
    }
}

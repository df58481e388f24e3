using System.Net.Http.Json;
using System.Text.Json;
using Consent.Api.Auth;
using Consent.Api.Tests.Support;
using Consent.Workflows.Definitions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Consent.Api.Tests.Tablet;

/// <summary>The tablet in Debian's Chromium against the real service, as a patient uses it: by touch, screen by screen.</summary>
[Trait("Category", "Browser")]
public sealed class TabletWalkTests(TabletBrowser browser) : IClassFixture<TabletBrowser>
{
    [Fact]
    public async Task A_patient_walks_the_whole_stem_cell_consent_by_touch_and_a_clinicians_countersignature_grants_it()
    {
        var (id, url, clinic) = await browser.StartConsentAsync();
        var page = await browser.NewTabletAsync();
        var seen = new List<string>();
        var errors = new List<string>();
        page.Request += (_, request) => seen.Add(request.Url);
        // A Content-Security-Policy violation, a failed script or a failed request shows here.
        page.Console += (_, message) => { if (message.Type == "error") errors.Add(message.Text); };
        page.PageError += (_, error) => errors.Add(error);
        var walker = new TabletWalker(page, "stem-cell-ms");
        await page.GotoAsync(url);
        await page.WaitForURLAsync("**/tablet/consent");
        page.Url.ShouldNotContain("#", Case.Sensitive, "the token left the address bar");

        var screen = 0;
        Task Check(string name) => Screens.CheckAsync(page, "stem-cell-walk", $"{++screen:00}-{name}");
        bool wrongAnswered = false, askedQuestion = false, wentBack = false;
        await walker.WalkAsync(onEachStep: async step =>
        {
            await Check(step.Id + (await page.Locator(".notice.gentle").CountAsync() > 0 ? "-after-wrong-answer" : "")
                + (await page.Locator(".notice.success").CountAsync() > 0 ? "-after-right-answer" : ""));
            if (!askedQuestion && step.Id == "about-ms")
            {
                askedQuestion = true;
                await RaiseAndResumeQuestionAsync(walker, id, clinic, Check);
            }
            if (!wentBack && step.Type == StepType.Risk)
            {
                wentBack = true;
                await walker.TapAndWaitAsync(walker.Link("Back"));
                (await page.Locator(".notice.info").TextContentAsync())!.ShouldContain("rereading");
                await Check("reread-earlier-part");
                await walker.TapAndWaitAsync(walker.Link("Return to where I was"));
                (await walker.CurrentAsync())!.Id.ShouldBe(step.Id);
            }
            if (!wrongAnswered && step.Type == StepType.Quiz)
            {
                wrongAnswered = true;
                await page.Locator($"input[name=answer]:not([value='{step.CorrectOption}'])").First.CheckAsync();
                await walker.TapAndWaitAsync(walker.Button("Check my answer"));
                // Kindly told, and shown the explanation again before the same question returns.
                (await walker.CurrentAsync())!.Id.ShouldBe(step.Explanation);
                (await page.Locator(".notice.gentle").TextContentAsync())!.ShouldContain("Not quite, and that is fine.");
            }
            if (step.Type == StepType.Signature)
            {
                await page.GetByLabel("Type your full name").FillAsync("Jane Doe");
                await walker.DrawSignatureAsync();
                await Check("signature-drawn");
            }
        });

        // Signed: the clinician must countersign before the consent is granted.
        (await page.Locator("h1").TextContentAsync()).ShouldBe("Thank you. You have signed.");
        await Check("signed-awaiting-countersign");
        var signed = await browser.ConsentAsync(id, clinic);
        signed.GetProperty("status").GetString().ShouldBe("awaiting_countersign");
        signed.GetProperty("choices").GetProperty("delivery-method").GetString().ShouldBe("iv");

        await walker.TapAndWaitAsync(walker.Link("See my copy"));
        (await page.Locator("h1").TextContentAsync()).ShouldBe("Your copy of this consent");
        (await page.Locator("img.signature-image").EvaluateAsync<int>("img => img.naturalWidth")).ShouldBeGreaterThan(100, "the drawn signature is on the copy");
        (await page.Locator("article.copy").TextContentAsync())!.ShouldContain("I agree to take part of my own free will.");
        await Check("copy");
        await walker.TapAndWaitAsync(walker.Link("Back"));

        using (var clinician = browser.ClientAs(StaffRoles.Clinician, clinic))
        {
            var countersigned = await clinician.PostAsync($"/api/consents/{id}/countersign", ConsentDriver.Json(new { attestation = true }));
            countersigned.IsSuccessStatusCode.ShouldBeTrue(await countersigned.Content.ReadAsStringAsync());
        }
        // The tablet notices by itself.
        await page.GetByRole(AriaRole.Heading, new() { Name = "Thank you. Your consent is complete." }).WaitForAsync();
        (await page.Locator("main").TextContentAsync())!.ShouldContain("the treatment cannot happen before");
        await Check("granted");

        await walker.TapAndWaitAsync(walker.Button("Finish and hand back the tablet"));
        (await page.Locator("main").TextContentAsync())!.ShouldContain("Please hand the tablet back");
        await Check("finished");
        await page.GotoAsync(new Uri(browser.BaseUrl, "/tablet/consent").ToString());
        page.Url.ShouldEndWith("/tablet/ended", Case.Sensitive, "the session is over: nothing of the consent can be opened again");

        var granted = await browser.ConsentAsync(id, clinic);
        granted.GetProperty("status").GetString().ShouldBe("granted");
        seen.ShouldNotContain(u => u.Contains("MRN-77123") || u.Contains("tab_"), "no patient data and no token in any URL the browser sent");
        (wrongAnswered && askedQuestion && wentBack).ShouldBeTrue();
        errors.ShouldBeEmpty();
    }

    private async Task RaiseAndResumeQuestionAsync(TabletWalker walker, string id, string clinic, Func<string, Task> check)
    {
        var page = walker.Page;
        await walker.TapAndWaitAsync(walker.Link("I have a question"));
        await check("ask-a-question");
        await page.GetByLabel("What would you like to ask? You may leave this empty.").FillAsync("Can I bring my husband to the appointment?");
        await walker.TapAndWaitAsync(walker.Button("Ask someone to come"));
        (await page.Locator("h1").TextContentAsync()).ShouldBe("Someone will come to talk with you");
        await check("waiting-for-someone");
        (await browser.ConsentAsync(id, clinic)).GetProperty("status").GetString().ShouldBe("needs_discussion");

        using var coordinator = browser.ClientAs(StaffRoles.Coordinator, clinic);
        var resumed = await coordinator.PostAsync($"/api/consents/{id}/resume", ConsentDriver.Json(new { note = "Yes, family is welcome." }));
        resumed.IsSuccessStatusCode.ShouldBeTrue();
        // The waiting screen moves on by itself once the talk is over, back where the patient stopped.
        await page.Locator("article.step[data-step-id='about-ms']").WaitForAsync();
    }

    [Fact]
    public async Task I_do_not_want_to_go_on_leads_to_a_neutral_screen_where_declining_ends_the_consent_as_declined()
    {
        var (id, clinic, _, page, walker) = await browser.OpenAsync(portrait: true);
        await walker.AnswerAsync((await walker.CurrentAsync())!);

        await walker.TapAndWaitAsync(walker.Button("I do not want to go on"));
        await page.Locator("#stop-screen").WaitForAsync();
        await Screens.CheckAsync(page, "decline", "01-stop-screen");
        await walker.TapAndWaitAsync(walker.Button("I do not want this treatment"));

        (await page.Locator("main").TextContentAsync())!.ShouldContain("You chose not to have this treatment.");
        await Screens.CheckAsync(page, "decline", "02-declined");
        (await browser.ConsentAsync(id, clinic)).GetProperty("status").GetString().ShouldBe("declined");
        await page.GotoAsync(new Uri(browser.BaseUrl, "/tablet/consent").ToString());
        page.Url.ShouldEndWith("/tablet/ended");
    }

    [Fact]
    public async Task A_patient_who_changes_their_mind_after_signing_withdraws_on_the_tablet_with_a_reason_code()
    {
        var (id, clinic, _, page, walker) = await browser.OpenAsync("lumbar-puncture");
        await walker.WalkAsync();
        (await page.Locator("h1").TextContentAsync()).ShouldBe("Thank you. Your consent is complete.");

        await walker.TapAndWaitAsync(walker.Link("I have changed my mind"));
        await Screens.CheckAsync(page, "withdraw", "01-withdraw");
        await Should.ThrowAsync<TimeoutException>(() => walker.TapAndWaitAsync(walker.Button("Withdraw my consent"), timeout: 2_000), "a reason must be chosen first");
        await page.GetByLabel("I want more time to think").CheckAsync();
        await walker.TapAndWaitAsync(walker.Button("Withdraw my consent"));

        (await page.Locator("main").TextContentAsync())!.ShouldContain("Your consent is withdrawn.");
        await Screens.CheckAsync(page, "withdraw", "02-withdrawn");
        (await browser.ConsentAsync(id, clinic)).GetProperty("status").GetString().ShouldBe("withdrawn");
        using var coordinator = browser.ClientAs(StaffRoles.Coordinator, clinic);
        var history = await coordinator.GetFromJsonAsync<JsonElement>($"/api/consents/{id}/history");
        history.EnumerateArray().Last().GetProperty("data").GetProperty("reasonCode").GetString().ShouldBe("want_more_time");
    }

    [Fact]
    public async Task The_language_switch_shows_the_consent_in_spanish_and_records_the_change()
    {
        var (id, clinic, _, page, walker) = await browser.OpenAsync();

        await walker.TapAndWaitAsync(walker.Button("Español"));
        (await page.GetAttributeAsync("html", "lang")).ShouldBe("es");
        (await page.Locator("h1").TextContentAsync()).ShouldBe("Lo más importante primero");
        (await walker.Button("Ya lo leí").CountAsync()).ShouldBe(1);
        await Screens.CheckAsync(page, "language", "01-spanish");
        (await browser.ConsentAsync(id, clinic)).GetProperty("locale").GetString().ShouldBe("es");

        await walker.TapAndWaitAsync(walker.Button("English"));
        (await page.Locator("h1").TextContentAsync()).ShouldBe("The most important facts first");
        (await browser.ConsentAsync(id, clinic)).GetProperty("locale").GetString().ShouldBe("en");
    }

    [Fact]
    public async Task A_representative_signs_in_their_own_name_and_relationship_and_a_keyboard_alone_can_sign()
    {
        var (id, clinic, _, page, walker) = await browser.OpenAsync("lumbar-puncture", representative: new { name = "Maria Lopez", relationship = "daughter" });
        await walker.WalkAsync(stopAt: "signature");

        await page.GetByLabel("I am Maria Lopez, the patient's daughter, signing as their legal representative").CheckAsync();
        await page.GetByLabel("Type your full name").FillAsync("Maria Lopez");
        // No drawing: the typed name becomes the signature, reachable by keyboard alone.
        await walker.Button("Use my typed name as my signature").FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        await page.GetByLabel("I mean this to be my signature, and I agree to what is written above.").FocusAsync();
        await page.Keyboard.PressAsync("Space");
        await Screens.CaptureAsync(page, "representative", "01-typed-signature");
        await walker.Button("Sign").FocusAsync();
        await Task.WhenAll(page.WaitForURLAsync("**/tablet/consent"), page.Keyboard.PressAsync("Enter"));
        await page.GetByRole(AriaRole.Heading, new() { Name = "Thank you. Your consent is complete." }).WaitForAsync();

        using var coordinator = browser.ClientAs(StaffRoles.Coordinator, clinic);
        var history = await coordinator.GetFromJsonAsync<JsonElement>($"/api/consents/{id}/history");
        var signed = history.EnumerateArray().Single(e => e.GetProperty("type").GetString() == "consent_signed").GetProperty("data");
        signed.GetProperty("signerRole").GetString().ShouldBe("representative");
        signed.GetProperty("relationship").GetString().ShouldBe("daughter");
    }

    [Fact]
    public async Task A_tablet_handed_on_unfinished_opens_the_next_patients_link_and_not_the_last_patients_consent()
    {
        var first = await browser.OpenAsync("lumbar-puncture");
        await first.Walker.AnswerAsync((await first.Walker.CurrentAsync())!);
        var firstVersion = (await browser.ConsentAsync(first.Id, first.Clinic)).GetProperty("version").GetInt64();

        var (nextId, nextUrl, nextClinic) = await browser.StartConsentAsync("stem-cell-ms");
        await first.Page.GotoAsync(nextUrl);
        await first.Page.WaitForURLAsync("**/tablet/consent");
        var walker = new TabletWalker(first.Page, "stem-cell-ms");
        (await walker.CurrentAsync())!.Id.ShouldBe("key-information");
        (await first.Page.Locator("progress").GetAttributeAsync("max")).ShouldNotBe("15", "the stem-cell consent's path, not the lumbar puncture's");
        await walker.AnswerAsync((await walker.CurrentAsync())!);

        (await browser.ConsentAsync(nextId, nextClinic)).GetProperty("progress").GetProperty("done").GetInt32().ShouldBe(1);
        (await browser.ConsentAsync(first.Id, first.Clinic)).GetProperty("version").GetInt64().ShouldBe(firstVersion);
    }

    [Fact]
    public async Task A_tablet_link_opens_on_one_browser_only_and_its_session_cookie_is_out_of_reach_of_scripts()
    {
        var (_, _, url, first, _) = await browser.OpenAsync();
        first.Url.ShouldNotContain("#");
        var cookie = (await first.Context.CookiesAsync()).Single(c => c.Name == "consent-tablet");
        cookie.HttpOnly.ShouldBeTrue();
        cookie.SameSite.ShouldBe(SameSiteAttribute.Strict);
        cookie.Expires.ShouldBe(-1, "a session cookie, gone with the browser session");
        (await first.EvaluateAsync<string>("() => document.cookie")).ShouldNotContain("consent-tablet");

        var second = await browser.NewTabletAsync();
        await second.GotoAsync(url);
        // The page at the link posts its token and then shows the answer: wait for it, not for the first load.
        await Expect(second.Locator("main")).ToContainTextAsync("This link cannot be opened here.");
        await Screens.CheckAsync(second, "privacy", "01-link-refused");
    }
}

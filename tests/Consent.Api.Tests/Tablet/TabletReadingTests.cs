using System.Net;
using System.Text.Json;
using Microsoft.Playwright;

namespace Consent.Api.Tests.Tablet;

/// <summary>Reading aids, a clear error for a bad answer, and forms that refuse what a tablet did not send.</summary>
[Trait("Category", "Browser")]
public sealed class TabletReadingTests(TabletBrowser browser) : IClassFixture<TabletBrowser>
{
    [Fact]
    public async Task Larger_text_and_high_contrast_apply_at_once_stay_for_the_session_and_pass_axe()
    {
        var (_, _, _, page, walker) = await browser.OpenAsync();
        var before = await FontSizeAsync(page);

        await walker.Button("Larger text").TapAsync();
        await walker.Button("Larger text").TapAsync();
        await walker.Button("High contrast").TapAsync();

        (await FontSizeAsync(page)).ShouldBeGreaterThan(before * 1.2);
        (await walker.Button("High contrast").GetAttributeAsync("aria-pressed")).ShouldBe("true");
        (await page.EvaluateAsync<string>("() => getComputedStyle(document.body).backgroundColor")).ShouldBe("rgb(0, 0, 0)");
        await Screens.CheckAsync(page, "reading", "01-larger-text-high-contrast");

        await walker.AnswerAsync((await walker.CurrentAsync())!);
        (await FontSizeAsync(page)).ShouldBeGreaterThan(before * 1.2, "the choice holds on the next screen");
        (await page.EvaluateAsync<bool>("() => document.documentElement.classList.contains('high-contrast')")).ShouldBeTrue();
        await Screens.CaptureAsync(page, "reading", "02-next-screen-keeps-settings");
    }

    [Fact]
    public async Task Read_aloud_speaks_the_screen_in_the_consents_language_with_the_browsers_speech()
    {
        var (_, url, _) = await browser.StartConsentAsync(locale: "es");
        var page = await browser.NewTabletAsync();
        // Records what the page asks the browser to say, then lets the browser's own speech go on.
        await page.AddInitScriptAsync("""
            window.__spoken = [];
            const speak = speechSynthesis.speak.bind(speechSynthesis);
            speechSynthesis.speak = u => { window.__spoken.push({ text: u.text, lang: u.lang }); speak(u); };
            """);
        await TabletBrowser.OpenLinkAsync(page, url);
        await page.GetByRole(AriaRole.Button, new() { Name = "Leer en voz alta" }).TapAsync();

        var spoken = await page.EvaluateAsync<JsonElement>("() => window.__spoken");
        spoken.GetArrayLength().ShouldBe(1);
        spoken[0].GetProperty("lang").GetString().ShouldBe("es");
        spoken[0].GetProperty("text").GetString()!.ShouldContain("Lo más importante primero");
        spoken[0].GetProperty("text").GetString()!.ShouldContain("La FDA no lo ha aprobado");
    }

    [Fact]
    public async Task Initials_that_are_not_letters_are_refused_with_a_clear_message_and_nothing_is_stored()
    {
        var (id, clinic, _, page, walker) = await browser.OpenAsync("lumbar-puncture");
        await walker.WalkAsync(stopAt: "risk-headache");
        var version = (await browser.ConsentAsync(id, clinic)).GetProperty("version").GetInt64();

        await page.GetByLabel("Type your initials to show you understand this risk").FillAsync("12");
        await walker.TapAndWaitAsync(walker.Button("I understand this risk"));

        (await page.GetByRole(AriaRole.Alert).TextContentAsync())!.ShouldContain("Type your initials: 1 to 5 letters");
        (await page.GetByLabel("Type your initials to show you understand this risk").GetAttributeAsync("aria-invalid")).ShouldBe("true");
        (await walker.CurrentAsync())!.Id.ShouldBe("risk-headache");
        await Screens.CheckAsync(page, "errors", "01-bad-initials");
        (await browser.ConsentAsync(id, clinic)).GetProperty("version").GetInt64().ShouldBe(version);
    }

    [Fact]
    public async Task A_form_post_without_the_pages_antiforgery_token_or_session_changes_nothing()
    {
        var (id, clinic, _, page, _) = await browser.OpenAsync();
        var version = (await browser.ConsentAsync(id, clinic)).GetProperty("version").GetInt64();

        // Same browser session (its cookie rides along), but a form another site could have forged.
        var forged = await page.APIRequest.PostAsync(new Uri(browser.BaseUrl, "/tablet/consent?handler=Stop").ToString(), new() { Form = page.APIRequest.CreateFormData().Set("version", version.ToString(System.Globalization.CultureInfo.InvariantCulture)) });
        forged.Status.ShouldBe((int)HttpStatusCode.BadRequest);

        // No session at all: sent to the screen that says the session is over.
        using var stranger = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = browser.BaseUrl };
        var anonymous = await stranger.PostAsync("/tablet/consent?handler=Stop", new FormUrlEncodedContent([new("version", "1")]));
        ((int)anonymous.StatusCode).ShouldBeInRange(300, 399);
        anonymous.Headers.Location!.ToString().ShouldBe("/tablet/ended");

        (await browser.ConsentAsync(id, clinic)).GetProperty("version").GetInt64().ShouldBe(version);
    }

    private static Task<double> FontSizeAsync(IPage page) =>
        page.EvaluateAsync<double>("() => parseFloat(getComputedStyle(document.querySelector('main p, main li')).fontSize)");
}

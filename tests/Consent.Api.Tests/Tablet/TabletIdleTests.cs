using Microsoft.Playwright;

namespace Consent.Api.Tests.Tablet;

/// <summary>A tablet with a short idle time, as if left on a waiting-room table.</summary>
public sealed class ShortIdleTablet() : TabletBrowser(new Dictionary<string, string?> { ["Tablet:IdleSeconds"] = "6", ["Tablet:IdleWarningSeconds"] = "3" });

public sealed class TabletIdleTests(ShortIdleTablet browser) : IClassFixture<ShortIdleTablet>
{
    [Fact]
    public async Task An_untouched_tablet_warns_then_hides_the_consent_behind_a_resume_screen_that_returns_to_the_same_step()
    {
        var (_, _, _, page, walker) = await browser.OpenAsync();
        await walker.AnswerAsync((await walker.CurrentAsync())!);
        var step = (await walker.CurrentAsync())!;

        var warning = page.GetByRole(AriaRole.Alertdialog);
        await warning.WaitForAsync(new() { Timeout = 10_000 });
        await Screens.CheckAsync(page, "idle", "01-warning");

        await page.WaitForURLAsync("**/tablet/paused**", new() { Timeout = 15_000 });
        var shown = (await page.Locator("body").TextContentAsync())!;
        shown.ShouldContain("Paused to protect your privacy");
        shown.ShouldNotContain(step.Title.For("en", "en"), Case.Sensitive, "nothing of the consent is on the resume screen");
        await Screens.CheckAsync(page, "idle", "02-paused");

        await walker.TapAndWaitAsync(walker.Link("Tap here to go on"));
        (await walker.CurrentAsync())!.Id.ShouldBe(step.Id);
    }

    [Fact]
    public async Task A_tap_on_the_warning_keeps_the_screen_open()
    {
        var page = (await browser.OpenAsync()).Page;
        await page.GetByRole(AriaRole.Alertdialog).WaitForAsync(new() { Timeout = 10_000 });
        await page.GetByRole(AriaRole.Button, new() { Name = "Keep reading" }).TapAsync();
        (await page.GetByRole(AriaRole.Alertdialog).IsHiddenAsync()).ShouldBeTrue();
        page.Url.ShouldEndWith("/tablet/consent");
    }

    [Fact]
    public async Task A_finished_consent_left_untouched_ends_the_session_so_the_next_person_sees_nothing_of_it()
    {
        var (_, _, _, page, walker) = await browser.OpenAsync("lumbar-puncture");
        await walker.WalkAsync();
        (await page.Locator("h1").TextContentAsync()).ShouldBe("Thank you. Your consent is complete.");

        await page.WaitForURLAsync("**/tablet/ended**", new() { Timeout = 15_000 });
        await page.GoBackAsync();
        await page.GotoAsync(new Uri(browser.BaseUrl, "/tablet/copy").ToString());
        page.Url.ShouldEndWith("/tablet/ended", Case.Sensitive, "the copy is not reachable once the session ended");
    }
}

using Microsoft.Playwright;

namespace Consent.Api.Tests.Tablet;

/// <summary>
/// A tablet left on a waiting-room table. The page's clock is Playwright's: time flows as usual, and the test jumps it
/// forward to the warning and to the hiding. The idle time is long, so nothing moves while a test checks a screen (with
/// 3 and 6 real seconds, the checks of the warning once outlasted it on a slow machine and the page navigated under them).
/// </summary>
public sealed class IdleTablet() : TabletBrowser(new Dictionary<string, string?> { ["Tablet:IdleSeconds"] = "1200", ["Tablet:IdleWarningSeconds"] = "600" })
{
    /// <summary>From a screen's start (or the last touch) to its warning, and from the warning to the hiding.</summary>
    public static readonly TimeSpan ToWarning = TimeSpan.FromSeconds(600), ToHiding = TimeSpan.FromSeconds(600);
}

[Trait("Category", "Browser")]
public sealed class TabletIdleTests(IdleTablet browser) : IClassFixture<IdleTablet>
{
    private static long Ms(TimeSpan time) => (long)time.TotalMilliseconds;

    [Fact]
    public async Task An_untouched_tablet_warns_then_hides_the_consent_behind_a_resume_screen_that_returns_to_the_same_step()
    {
        var (_, _, _, page, walker) = await browser.OpenAsync(controlledClock: true);
        await walker.AnswerAsync((await walker.CurrentAsync())!);
        var step = (await walker.CurrentAsync())!;

        await page.Clock.FastForwardAsync(Ms(IdleTablet.ToWarning));
        await page.GetByRole(AriaRole.Alertdialog).WaitForAsync();
        await Screens.CheckAsync(page, "idle", "01-warning");

        await page.Clock.FastForwardAsync(Ms(IdleTablet.ToHiding));
        await page.WaitForURLAsync("**/tablet/paused**");
        await page.GetByText("Paused to protect your privacy").WaitForAsync();
        (await page.Locator("body").TextContentAsync())!.ShouldNotContain(step.Title.For("en", "en"), Case.Sensitive, "nothing of the consent is on the resume screen");
        await Screens.CheckAsync(page, "idle", "02-paused");

        await walker.TapAndWaitAsync(walker.Link("Tap here to go on"));
        (await walker.CurrentAsync())!.Id.ShouldBe(step.Id);
    }

    [Fact]
    public async Task A_tap_on_the_warning_keeps_the_screen_open()
    {
        var (_, _, _, page, walker) = await browser.OpenAsync(controlledClock: true);
        var step = (await walker.CurrentAsync())!;
        await page.Clock.FastForwardAsync(Ms(IdleTablet.ToWarning));
        await page.GetByRole(AriaRole.Alertdialog).WaitForAsync();

        await page.GetByRole(AriaRole.Button, new() { Name = "Keep reading" }).TapAsync();
        await page.GetByRole(AriaRole.Alertdialog).WaitForAsync(new() { State = WaitForSelectorState.Hidden });

        // Past the time the untouched screen would have hidden: the tap started the wait again, so only the warning is back.
        await page.Clock.FastForwardAsync(Ms(IdleTablet.ToWarning));
        await page.GetByRole(AriaRole.Alertdialog).WaitForAsync();
        page.Url.ShouldEndWith("/tablet/consent");
        (await walker.CurrentAsync())!.Id.ShouldBe(step.Id);

        await page.Clock.FastForwardAsync(Ms(IdleTablet.ToHiding));
        await page.WaitForURLAsync("**/tablet/paused**");
    }

    [Fact]
    public async Task A_finished_consent_left_untouched_ends_the_session_so_the_next_person_sees_nothing_of_it()
    {
        var (_, _, _, page, walker) = await browser.OpenAsync("lumbar-puncture", controlledClock: true);
        await walker.WalkAsync();
        (await page.Locator("h1").TextContentAsync()).ShouldBe("Thank you. Your consent is complete.");

        await page.Clock.FastForwardAsync(Ms(IdleTablet.ToWarning + IdleTablet.ToHiding));
        await page.WaitForURLAsync("**/tablet/ended**");
        await page.GoBackAsync();
        await page.GotoAsync(new Uri(browser.BaseUrl, "/tablet/copy").ToString());
        page.Url.ShouldEndWith("/tablet/ended", Case.Sensitive, "the copy is not reachable once the session ended");
    }
}

using System.Text.Json;
using Consent.Api.Auth;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Consent.Api.Tests.Tablet;

/// <summary>"I do not want to go on" leads to a neutral screen, and nothing is recorded as consent before the decision step.</summary>
[Trait("Category", "Browser")]
public sealed class TabletStopTests(TabletBrowser browser) : IClassFixture<TabletBrowser>
{
    private async Task<string[]> HistoryTypesAsync(string id, string clinic)
    {
        using var api = browser.ClientAs(StaffRoles.Coordinator, clinic);
        var history = JsonDocument.Parse(await api.GetStringAsync($"/api/consents/{id}/history")).RootElement;
        return [.. history.EnumerateArray().Select(e => e.GetProperty("type").GetString()!)];
    }

    [Fact]
    public async Task Stopping_shows_a_neutral_screen_a_second_tap_works_and_declining_there_records_a_decline_and_never_a_consent()
    {
        var (id, clinic, _, page, walker) = await browser.OpenAsync();
        await walker.WalkAsync(stopAt: "evidence");

        await walker.TapAndWaitAsync(walker.Button("I do not want to go on"));
        await page.Locator("#stop-screen").WaitForAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "You can stop here" })).ToBeVisibleAsync();
        (await page.GetByRole(AriaRole.Button, new() { Name = "Yes, I want this treatment" }).CountAsync()).ShouldBe(0, "the neutral screen offers no consent");
        await Screens.CheckAsync(page, "stop", "01-neutral-screen");
        await DocsScreenshots.SaveAsync(page, "tablet-stop-neutral-screen");
        (await HistoryTypesAsync(id, clinic)).ShouldNotContain("decision_recorded");

        await walker.TapAndWaitAsync(walker.Button("Go back to reading"));
        await page.Locator("article.step[data-step-id='evidence']").WaitForAsync();

        // The second tap: the neutral screen again, not nothing.
        await walker.TapAndWaitAsync(walker.Button("I do not want to go on"));
        await page.Locator("#stop-screen").WaitForAsync();

        await walker.TapAndWaitAsync(walker.Button("I do not want this treatment"));
        await page.WaitForURLAsync("**/tablet/ended**");
        await Screens.AssertAccessibleAsync(page, "ended after declining");

        var types = await HistoryTypesAsync(id, clinic);
        types.Count(t => t == "stop_requested").ShouldBe(2);
        types.ShouldContain("reading_continued");
        types.ShouldNotContain("decision_recorded", "nothing was decided at the decision step");
        types[^1].ShouldBe("consent_declined");
        (await browser.ConsentAsync(id, clinic)).GetProperty("status").GetString().ShouldBe("declined");
    }

    [Fact]
    public async Task Talking_to_someone_from_the_neutral_screen_raises_a_question_and_after_the_discussion_the_patient_reads_on()
    {
        var (id, clinic, _, page, walker) = await browser.OpenAsync(workflowId: "lumbar-puncture");
        var first = (await walker.CurrentAsync())!;

        await walker.TapAndWaitAsync(walker.Button("I do not want to go on"));
        await walker.TapAndWaitAsync(walker.Link("Talk to someone first"));
        await walker.TapAndWaitAsync(walker.Button("Ask someone to come"));
        (await browser.ConsentAsync(id, clinic)).GetProperty("status").GetString().ShouldBe("needs_discussion");

        using (var api = browser.ClientAs(StaffRoles.Coordinator, clinic))
        {
            (await api.PostAsync($"/api/consents/{id}/resume", Support.ConsentDriver.Json(new { note = "She wanted to think; explained she can stop at any time." }))).IsSuccessStatusCode.ShouldBeTrue();
        }
        await page.Locator($"article.step[data-step-id='{first.Id}']").WaitForAsync();
        (await HistoryTypesAsync(id, clinic)).ShouldNotContain("decision_recorded");
    }
}

/// <summary>Screenshots of new screens for the docs (docs/screenshots), at the two sizes clinics use.</summary>
public static class DocsScreenshots
{
    public static async Task SaveAsync(IPage page, string name)
    {
        var original = page.ViewportSize!;
        foreach (var (width, height) in new[] { (1366, 768), (1024, 768) })
        {
            await page.SetViewportSizeAsync(width, height);
            var path = Path.Combine(Support.TestInfrastructure.RepoRoot, "docs", "screenshots", $"{name}-{width}x{height}.png");
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        }
        await page.SetViewportSizeAsync(original.Width, original.Height);
    }
}

using Consent.Api.Tests.Support;
using Consent.Workflows.Definitions;
using Microsoft.Playwright;

namespace Consent.Api.Tests.Tablet;

/// <summary>A patient's finger on the tablet: reads the screen it is shown and taps what a careful patient would.</summary>
public sealed class TabletWalker(IPage page, string workflowId, string? clinic = null)
{
    /// <summary>The version the clinic's new consents start on (a version may be approved for some clinics only).</summary>
    public WorkflowDefinition Definition { get; } = (clinic is null ? ConsentDriver.Workflows.Find(workflowId) : ConsentDriver.Workflows.FindFor(clinic, workflowId))!;
    public IPage Page => page;

    /// <summary>The step on screen, or null on a screen without one (waiting, signed, granted).</summary>
    public async Task<StepDefinition?> CurrentAsync()
    {
        var article = page.Locator("article.step");
        return await article.CountAsync() == 0 ? null : Definition.FindStep((await article.GetAttributeAsync("data-step-id"))!);
    }

    public ILocator Button(string name) => page.GetByRole(AriaRole.Button, new() { Name = name, Exact = true });

    public ILocator Link(string name) => page.GetByRole(AriaRole.Link, new() { Name = name, Exact = true });

    /// <summary>Answers the step on screen as a careful patient would and waits for the next screen.</summary>
    public async Task AnswerAsync(StepDefinition step, string route = "iv", string signer = "Jane Doe")
    {
        switch (step.Type)
        {
            case StepType.Explain:
                await TapAndWaitAsync(Button("I have read this"));
                break;
            case StepType.Risk:
                await page.GetByLabel("Type your initials to show you understand this risk").FillAsync("jd");
                await TapAndWaitAsync(Button("I understand this risk"));
                break;
            case StepType.Quiz:
                await page.Locator($"input[name=answer][value='{step.CorrectOption}']").CheckAsync();
                await TapAndWaitAsync(Button("Check my answer"));
                break;
            case StepType.Choice:
                await page.Locator($"input[name=option][value='{route}']").CheckAsync();
                await TapAndWaitAsync(Button("Continue"));
                break;
            case StepType.Provision:
                await TapAndWaitAsync(Button("Yes, I allow this"));
                break;
            case StepType.Decision:
                await TapAndWaitAsync(Button("Yes, I want this treatment"));
                break;
            case StepType.Signature:
                await SignAsync(signer);
                break;
        }
    }

    /// <summary>Types the name, draws a signature with real pointer strokes, confirms the intent and signs.</summary>
    public async Task SignAsync(string signer, bool draw = true)
    {
        await page.GetByLabel("Type your full name").FillAsync(signer);
        if (draw) await DrawSignatureAsync();
        await page.GetByLabel("I mean this to be my signature, and I agree to what is written above.").CheckAsync();
        await TapAndWaitAsync(Button("Sign"));
    }

    public async Task DrawSignatureAsync()
    {
        var canvas = page.Locator("#signature-canvas");
        await canvas.ScrollIntoViewIfNeededAsync();
        var box = (await canvas.BoundingBoxAsync())!;
        var (x, y) = (box.X + 30, box.Y + box.Height / 2);
        await page.Mouse.MoveAsync(x, y);
        await page.Mouse.DownAsync();
        for (var i = 1; i <= 24; i++)
        {
            await page.Mouse.MoveAsync(x + i * 14, y + (float)Math.Sin(i / 2.0) * 35, new() { Steps = 2 });
        }
        await page.Mouse.UpAsync();
    }

    /// <summary>Taps and waits for the next page to load (every answer is a form post and a redirect).</summary>
    public async Task TapAndWaitAsync(ILocator target, float timeout = 15_000)
    {
        // The marker lives on the old page's window only: it is gone once the next page has loaded.
        await page.EvaluateAsync("() => { window.__tabletStale = true; }");
        await target.TapAsync();
        await page.WaitForFunctionAsync("() => window.__tabletStale !== true && document.readyState === 'complete'", null, new() { Timeout = timeout });
    }

    /// <summary>Walks until <paramref name="stopAt"/> is on screen, or no step is left.</summary>
    public async Task WalkAsync(string? stopAt = null, string route = "iv", Func<StepDefinition, Task>? onEachStep = null)
    {
        for (var guard = 0; await CurrentAsync() is { } step && step.Id != stopAt; guard++)
        {
            guard.ShouldBeLessThan(120);
            if (onEachStep is not null)
            {
                await onEachStep(step);
                // The callback may have moved the patient on (a wrong quiz answer re-opens an explanation).
                if ((await CurrentAsync())?.Id != step.Id) continue;
            }
            await AnswerAsync(step, route);
        }
    }
}

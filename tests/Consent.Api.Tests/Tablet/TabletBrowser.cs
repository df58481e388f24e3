using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using Consent.Api.Auth;
using Consent.Api.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Consent.Api.Tests.Tablet;

/// <summary>
/// The real service on a real Kestrel port, and Debian's Chromium driven by Playwright (never a downloaded browser).
/// One per test class; each test opens its own browser context, as a fresh tablet would be.
/// </summary>
public class TabletBrowser : IAsyncLifetime
{
    public const string Chromium = "/usr/bin/chromium";
    public static readonly string ScreenshotRoot = Path.Combine(TestInfrastructure.RepoRoot, "artifacts", "screenshots", "tablet");

    private readonly Dictionary<string, string?> _settings;
    private readonly Action<IServiceCollection>? _services;
    private IPlaywright? _playwright;

    public TabletBrowser() : this(new Dictionary<string, string?>()) { }

    protected TabletBrowser(Dictionary<string, string?> settings, Action<IServiceCollection>? services = null)
    {
        _settings = settings;
        _services = services;
    }

    public ApiFactory Api { get; private set; } = null!;
    public IBrowser Browser { get; private set; } = null!;
    public Uri BaseUrl { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        if (!File.Exists(Chromium))
        {
            throw new InvalidOperationException($"{Chromium} is missing: the test command installs Debian's chromium (deploy/local/install.sh chromium).");
        }
        var port = FreePort();
        BaseUrl = new Uri($"http://127.0.0.1:{port}");
        var settings = new Dictionary<string, string?>
        {
            ["Tablet:IdleSeconds"] = "900",
            ["Tablet:IdleWarningSeconds"] = "30",
            ["Serilog:MinimumLevel:Override:Microsoft.Hosting.Lifetime"] = "Warning",
            // Other tests leave withdrawals no subscriber confirmed; their reminders are not this class's business.
            ["Serilog:MinimumLevel:Override:Consent.Api.Gate.GateAckMonitor"] = "Error",
        };
        foreach (var (key, value) in _settings) settings[key] = value;
        Api = new ApiFactory(settings, _services);
        Api.UseKestrel(port);
        Api.StartServer();

        // Web-first assertions wait as long as actions do (the default of 5 s is short on a loaded 2-core machine).
        Assertions.SetDefaultExpectTimeout(15_000);
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null) await Browser.CloseAsync();
        _playwright?.Dispose();
        if (Api is not null) await Api.DisposeAsync();
    }

    /// <summary>A staff member's desktop browser (1366x768), signed in to the dashboard with a fresh local account.</summary>
    public async Task<IPage> SignedInStaffAsync(string role, string clinic) => (await SignedInStaffWithPasswordAsync(role, clinic)).Page;

    /// <summary>As <see cref="SignedInStaffAsync"/>, with the account's password, which a staff signature asks for again.</summary>
    public async Task<(IPage Page, string Password)> SignedInStaffWithPasswordAsync(string role, string clinic)
    {
        var (username, password) = await CreateStaffAccountAsync(role, clinic);
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1366, Height = 768 }, Locale = "en-US" });
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(15_000);
        await page.GotoAsync(new Uri(BaseUrl, "/dashboard").ToString());
        await page.GetByLabel("Username").FillAsync(username);
        await page.GetByLabel("Password").FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await page.WaitForURLAsync("**/dashboard");
        return (page, password);
    }

    /// <summary>A local staff account stored as the service stores them (hashed password), for one test.</summary>
    public async Task<(string Username, string Password)> CreateStaffAccountAsync(string role, string clinic)
    {
        var username = $"{role}-{Guid.NewGuid():N}"[..24];
        var password = "pw-" + Guid.NewGuid().ToString("N");
        var account = new Consent.Api.Dashboard.StaffAccount { Id = username, Username = username, ClinicId = clinic, Role = role, DisplayName = $"Test {role}" };
        account.PasswordHash = new Microsoft.AspNetCore.Identity.PasswordHasher<Consent.Api.Dashboard.StaffAccount>().HashPassword(account, password);
        await using var session = Api.Services.GetRequiredService<Marten.IDocumentStore>().LightweightSession();
        session.Store(account);
        await session.SaveChangesAsync();
        return (username, password);
    }

    /// <summary>
    /// A tablet-sized browser that has never seen this service: its own cookies, storage and history. With
    /// <paramref name="controlledClock"/> its pages run on Playwright's clock (time flows, and the test jumps it forward),
    /// so a test of the idle screens never races the page's timers.
    /// </summary>
    public async Task<IPage> NewTabletAsync(bool portrait = false, bool controlledClock = false)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = portrait ? new ViewportSize { Width = 768, Height = 1024 } : new ViewportSize { Width = 1024, Height = 768 },
            HasTouch = true,
            Locale = "en-US",
        });
        if (controlledClock) await context.Clock.InstallAsync();
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(15_000);
        return page;
    }

    public HttpClient ClientAs(string role, string clinic)
    {
        var client = new HttpClient { BaseAddress = BaseUrl };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Api.Token(role, clinic));
        return client;
    }

    /// <summary>A coordinator starts a consent; returns its id and the tablet link as the API hands it out.</summary>
    public async Task<(string Id, string TabletUrl, string Clinic)> StartConsentAsync(
        string workflowId = "stem-cell-ms", string locale = "en", object? representative = null, string patientId = "MRN-77123")
    {
        var clinic = "clinic-" + Guid.NewGuid().ToString("N")[..8];
        using var coordinator = ClientAs(StaffRoles.Coordinator, clinic);
        var response = await coordinator.PostAsync("/api/consents", ConsentDriver.Json(new { patientId, procedureCode = "MSC-1", workflowId, locale, representative }));
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        response.StatusCode.ShouldBe(HttpStatusCode.Created, body.ToString());
        return (body.GetProperty("id").GetString()!, body.GetProperty("tabletUrl").GetString()!, clinic);
    }

    /// <summary>A coordinator starts a consent and a fresh tablet opens its link, as the waiting room would see it.</summary>
    public async Task<OpenedTablet> OpenAsync(string workflowId = "stem-cell-ms", string locale = "en", object? representative = null, bool portrait = false, bool controlledClock = false)
    {
        var (id, url, clinic) = await StartConsentAsync(workflowId, locale, representative);
        var page = await NewTabletAsync(portrait, controlledClock);
        await OpenLinkAsync(page, url);
        return new OpenedTablet(id, clinic, url, page, new TabletWalker(page, workflowId));
    }

    /// <summary>
    /// Opens a tablet link and waits for the consent's screen. The page at the link only posts the token and moves on,
    /// so its load is not yet the consent: a test reading the screen before this wait could read the opening page.
    /// </summary>
    public static async Task OpenLinkAsync(IPage page, string url)
    {
        await page.GotoAsync(url);
        await page.WaitForURLAsync("**/tablet/consent");
    }

    public async Task<JsonElement> ConsentAsync(string id, string clinic)
    {
        using var coordinator = ClientAs(StaffRoles.Coordinator, clinic);
        return await coordinator.GetFromJsonAsync<JsonElement>($"/api/consents/{id}");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

public sealed record OpenedTablet(string Id, string Clinic, string Url, IPage Page, TabletWalker Walker);

/// <summary>Checks run on every screen: axe-core from npm, tablet-sized touch targets, screenshots in both orientations.</summary>
public static class Screens
{
    private static readonly Lazy<string> AxeSource = new(() =>
    {
        var path = Path.Combine(TestInfrastructure.RepoRoot, "tests", "Consent.Api.Tests", "node_modules", "axe-core", "axe.min.js");
        return File.Exists(path) ? File.ReadAllText(path) : throw new InvalidOperationException($"{path} is missing: run deploy/local/assets.sh tests (the test command does).");
    });

    /// <summary>axe-core's full rule set (WCAG 2.2 A/AA and best practices) must find nothing.</summary>
    public static async Task AssertAccessibleAsync(IPage page, string screen)
    {
        if (!await page.EvaluateAsync<bool>("() => typeof window.axe !== 'undefined'")) await page.EvaluateAsync(AxeSource.Value);
        var result = await page.EvaluateAsync<JsonElement>(
            "async () => { const r = await axe.run(document, { resultTypes: ['violations'] }); return r.violations.map(v => ({ id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join(' ') + ': ' + n.failureSummary).slice(0, 3) })); }");
        result.GetArrayLength().ShouldBe(0, $"axe violations on '{screen}': {result}");
    }

    /// <summary>Every button, link and form control a finger can reach is at least 44 by 44 CSS pixels (WCAG 2.5.5 / 2.5.8).</summary>
    public static async Task AssertTouchTargetsAsync(IPage page, string screen)
    {
        var small = await page.EvaluateAsync<string[]>(@"() => Array.from(document.querySelectorAll('button, a[href], input, select, textarea, label.option'))
            .filter(e => e.offsetParent !== null && !e.closest('[hidden]'))
            .filter(e => !e.classList.contains('skip-link') && e.type !== 'hidden')
            // A check box or radio inside its label is tapped through the whole label.
            .map(e => e.matches('input[type=radio], input[type=checkbox]') && e.closest('label') ? e.closest('label') : e)
            .map(e => ({ e, r: e.getBoundingClientRect() }))
            .filter(x => x.r.width < 44 || x.r.height < 44)
            .map(x => x.e.outerHTML.substring(0, 80) + ' ' + Math.round(x.r.width) + 'x' + Math.round(x.r.height))");
        small.ShouldBeEmpty($"touch targets under 44 px on '{screen}'");
    }

    /// <summary>The screen as a patient sees it, landscape and portrait, saved under artifacts/screenshots/tablet.</summary>
    public static async Task CaptureAsync(IPage page, string folder, string screen)
    {
        var original = page.ViewportSize!;
        foreach (var (name, width, height) in new[] { ("landscape", 1024, 768), ("portrait", 768, 1024) })
        {
            await page.SetViewportSizeAsync(width, height);
            var path = Path.Combine(TabletBrowser.ScreenshotRoot, folder, name, screen + ".png");
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = path });
        }
        await page.SetViewportSizeAsync(original.Width, original.Height);
    }

    /// <summary>A staff screen at 1366x768, saved under artifacts/screenshots/dashboard.</summary>
    public static async Task CaptureDesktopAsync(IPage page, string folder, string screen)
    {
        var path = Path.Combine(TestInfrastructure.RepoRoot, "artifacts", "screenshots", "dashboard", folder, screen + ".png");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path });
    }

    public static async Task CheckDesktopAsync(IPage page, string folder, string screen)
    {
        await AssertAccessibleAsync(page, screen);
        await AssertTouchTargetsAsync(page, screen);
        await CaptureDesktopAsync(page, folder, screen);
    }

    /// <summary>All three, for one screen.</summary>
    public static async Task CheckAsync(IPage page, string folder, string screen)
    {
        await AssertAccessibleAsync(page, screen);
        await AssertTouchTargetsAsync(page, screen);
        await CaptureAsync(page, folder, screen);
    }
}

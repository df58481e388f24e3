using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Consent.Api.Auth;
using Consent.Api.Tests.Auth;
using Consent.Api.Tests.Support;

namespace Consent.Api.Tests.Dashboard;

/// <summary>
/// Staff signed in to the dashboard at the clinic's OIDC authority have no password to type again: at signing the
/// authority signs them in afresh (<c>prompt=login</c>, <c>max_age=0</c>), and the signature is stored only for the same
/// account with an <c>auth_time</c> from after the request. The authority is a real HTTP server (code flow with PKCE);
/// the staff member's browser is an HTTP client that keeps cookies and follows redirects between the two.
/// </summary>
[Trait("Category", "Infrastructure")]
public sealed partial class OidcStaffSignatureTests : IAsyncLifetime
{
    private TestAuthority _authority = null!;
    private ApiFactory _api = null!;
    private readonly string _clinic = "clinic-" + Guid.NewGuid().ToString("N")[..8];

    private TestAuthority.Person Clinician => new("oidc-clinician-" + _clinic, "Dr. Okafor", StaffRoles.Clinician, _clinic);

    public async Task InitializeAsync()
    {
        _authority = await TestAuthority.StartAsync();
        _api = new ApiFactory(new Dictionary<string, string?>
        {
            ["Auth:Mode"] = "Oidc",
            ["Auth:Authority"] = _authority.Issuer,
            ["Auth:Audience"] = "consent",
            ["Auth:RequireHttpsMetadata"] = "false",
            ["Auth:DashboardClientId"] = TestAuthority.ClientId,
            ["Auth:DashboardClientSecret"] = TestAuthority.ClientSecret,
        });
    }

    public async Task DisposeAsync()
    {
        await _api.DisposeAsync();
        await _authority.DisposeAsync();
    }

    [Fact]
    public async Task An_oidc_signed_in_clinician_countersigns_after_a_fresh_sign_in_at_the_authority_in_the_accounts_name()
    {
        var id = await AwaitingCountersignAsync();
        using var browser = await SignedInAsync(Clinician);
        var page = await browser.Dashboard.GetStringAsync($"/dashboard/consents/{id}");
        page.ShouldContain("Signing as <strong id=\"signer-name\">Dr. Okafor</strong>");
        page.ShouldNotContain("name=\"password\"");
        var requests = _authority.AuthorizeRequests.Count;

        var final = await browser.CountersignAsync(id);

        final.Uri.PathAndQuery.ShouldBe($"/dashboard/consents/{id}?done=countersigned");
        var asked = _authority.AuthorizeRequests.Skip(requests).Single();
        asked["prompt"].ShouldBe("login");
        asked["max_age"].ShouldBe("0");
        asked.GetValueOrDefault("response_mode", "query").ShouldBe("query"); // the answer comes by GET, with the Lax session cookie
        asked["code_challenge_method"].ShouldBe("S256");
        var signature = (await HistoryAsync(id)).Single(e => e.GetProperty("type").GetString() == "staff_signed").GetProperty("data");
        signature.GetProperty("act").GetString().ShouldBe("countersign");
        signature.GetProperty("accountId").GetString().ShouldBe(Clinician.Subject);
        signature.GetProperty("signerName").GetString().ShouldBe("Dr. Okafor");
        signature.GetProperty("meaning").GetString().ShouldBe("I confirm I discussed this consent with the patient.");
        signature.GetProperty("authMethod").GetString().ShouldBe("oidc_reauthentication");
        signature.GetProperty("authenticatedAt").GetDateTimeOffset().ShouldBeGreaterThan(DateTimeOffset.UtcNow.AddMinutes(-1));
        (await StatusAsync(id)).ShouldBe("granted");
        final.Html.ShouldContain("signed in again at the sign-in service");
    }

    [Fact]
    public async Task Another_account_signing_in_at_the_authority_is_refused_and_nothing_is_stored()
    {
        var id = await AwaitingCountersignAsync();
        using var browser = await SignedInAsync(Clinician);
        var before = (await HistoryAsync(id)).Length;
        _authority.SignsIn = new TestAuthority.Person("oidc-someone-else", "Dr. Someone Else", StaffRoles.Clinician, _clinic);

        var final = await browser.CountersignAsync(id);

        final.Uri.PathAndQuery.ShouldBe($"/dashboard/consents/{id}?signature=account");
        final.Html.ShouldContain("Another account signed in at the sign-in service");
        (await HistoryAsync(id)).Length.ShouldBe(before);
        (await StatusAsync(id)).ShouldBe("awaiting_countersign");
        // The dashboard session is still the clinician's: the other account's sign-in became nobody's session.
        final.Html.ShouldContain("Signing as <strong id=\"signer-name\">Dr. Okafor</strong>");
    }

    [Fact]
    public async Task An_authority_that_answers_with_an_old_sign_in_is_refused_and_nothing_is_stored()
    {
        var id = await AwaitingCountersignAsync();
        using var browser = await SignedInAsync(Clinician);
        var before = (await HistoryAsync(id)).Length;
        _authority.IgnoresFreshSignIn = DateTimeOffset.UtcNow.AddMinutes(-3);

        var final = await browser.CountersignAsync(id);

        final.Uri.PathAndQuery.ShouldBe($"/dashboard/consents/{id}?signature=stale");
        final.Html.ShouldContain("did not ask for your password again");
        (await HistoryAsync(id)).Length.ShouldBe(before);
        (await StatusAsync(id)).ShouldBe("awaiting_countersign");
    }

    [Theory]
    [InlineData(false, "authority")]
    [InlineData(true, "used")]
    public async Task Replaying_the_callback_signs_nothing_more(bool authorityRedeemsCodesTwice, string refusal)
    {
        var id = await AwaitingCountersignAsync();
        using var browser = await SignedInAsync(Clinician);
        _authority.RedeemsCodesTwice = authorityRedeemsCodesTwice;
        (await browser.CountersignAsync(id)).Uri.PathAndQuery.ShouldBe($"/dashboard/consents/{id}?done=countersigned");
        var after = (await HistoryAsync(id)).Length;
        var (callback, cookies) = browser.LastCallback!.Value;

        // The same answer again, with the cookies the browser held when it first arrived (the correlation and nonce cookies).
        browser.Restore(cookies);
        var replay = await browser.FollowAsync(await browser.Dashboard.GetAsync(callback), callback);

        replay.Uri.PathAndQuery.ShouldBe($"/dashboard/consents/{id}?signature={refusal}");
        (await HistoryAsync(id)).Length.ShouldBe(after);
        (await HistoryAsync(id)).Count(e => e.GetProperty("type").GetString() == "staff_signed").ShouldBe(1);
    }

    [Fact]
    public async Task The_authoritys_answer_delivered_in_another_dashboard_session_of_the_same_account_signs_nothing()
    {
        var id = await AwaitingCountersignAsync();
        using var asking = await SignedInAsync(Clinician);
        using var other = await SignedInAsync(Clinician);
        var before = (await HistoryAsync(id)).Length;
        var callback = await asking.AnswerFromAuthorityAsync(id, "Countersign", ("attestation", "yes"));

        // The answer and the OIDC handler's own cookies carried to another session: only the session that asked may sign.
        other.Restore(asking.CookiesExcept("consent-staff"));
        var final = await other.FollowAsync(await other.Dashboard.GetAsync(callback), callback);

        final.Uri.PathAndQuery.ShouldBe($"/dashboard/consents/{id}?signature=session");
        (await HistoryAsync(id)).Length.ShouldBe(before);
        (await StatusAsync(id)).ShouldBe("awaiting_countersign");
    }

    [Fact]
    public async Task A_withdrawal_through_the_authority_keeps_its_reason_across_the_round_trip()
    {
        var id = await AwaitingCountersignAsync();
        using var browser = await SignedInAsync(Clinician);

        var final = await browser.SignAsync(id, "Withdraw", ("reason", "clinical_reason"), ("confirm", "yes"));

        final.Uri.PathAndQuery.ShouldBe($"/dashboard/consents/{id}?done=withdrawn");
        var history = await HistoryAsync(id);
        history.Single(e => e.GetProperty("type").GetString() == "staff_signed").GetProperty("data").GetProperty("authMethod").GetString().ShouldBe("oidc_reauthentication");
        history.Single(e => e.GetProperty("type").GetString() == "consent_withdrawn").GetProperty("data").GetProperty("reasonCode").GetString().ShouldBe("clinical_reason");
        (await StatusAsync(id)).ShouldBe("withdrawn");
    }

    private async Task<StaffBrowser> SignedInAsync(TestAuthority.Person person)
    {
        _authority.SignsIn = person;
        var browser = new StaffBrowser(_api, _authority);
        var home = await browser.FollowAsync(await browser.Dashboard.GetAsync(new Uri("/dashboard", UriKind.Relative)), new Uri(browser.Dashboard.BaseAddress!, "/dashboard"));
        home.Status.ShouldBe(HttpStatusCode.OK, home.Html);
        home.Uri.AbsolutePath.ShouldBe("/dashboard");
        return browser;
    }

    private HttpClient Coordinator()
    {
        var client = _api.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", _authority.AccessToken("consent", "oidc-coordinator", StaffRoles.Coordinator, _clinic));
        return client;
    }

    private async Task<string> AwaitingCountersignAsync()
    {
        using var coordinator = Coordinator();
        var response = await coordinator.PostAsync("/api/consents", ConsentDriver.Json(new { patientId = "MRN-22001", procedureCode = "MSC-1", workflowId = "stem-cell-ms", locale = "en" }));
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        response.StatusCode.ShouldBe(HttpStatusCode.Created, body.ToString());
        var id = body.GetProperty("id").GetString()!;
        using var tablet = new ConsentDriver(_api, _clinic).TabletClient(body.GetProperty("tabletToken").GetString()!);
        (await ConsentDriver.Walk(tablet, id)).GetProperty("status").GetString().ShouldBe("awaiting_countersign");
        return id;
    }

    private async Task<JsonElement[]> HistoryAsync(string id)
    {
        using var coordinator = Coordinator();
        return [.. JsonDocument.Parse(await coordinator.GetStringAsync($"/api/consents/{id}/history")).RootElement.EnumerateArray()];
    }

    private async Task<string?> StatusAsync(string id)
    {
        using var coordinator = Coordinator();
        return (await coordinator.GetFromJsonAsync<JsonElement>($"/api/consents/{id}")).GetProperty("status").GetString();
    }

    /// <summary>Where a walk of redirects ended: the page's address, status and HTML.</summary>
    public sealed record Landing(Uri Uri, HttpStatusCode Status, string Html);

    /// <summary>
    /// A staff member's browser: cookies kept per host (the dashboard over https, as the OIDC handler's correlation and
    /// nonce cookies are Secure), redirects followed between the dashboard and the authority, an authority's form_post
    /// answer submitted as a browser would.
    /// </summary>
    private sealed partial class StaffBrowser : IDisposable
    {
        private readonly CookieJar _jar = new();
        private readonly TestAuthority _authority;

        public StaffBrowser(ApiFactory api, TestAuthority authority)
        {
            _authority = authority;
            Dashboard = api.CreateDefaultClient(new Uri("https://localhost"), _jar);
            AuthorityClient = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false });
        }

        public HttpClient Dashboard { get; }
        private HttpClient AuthorityClient { get; }

        /// <summary>The last answer the authority sent back to the signature callback, and the cookies held just before it.</summary>
        public (Uri Callback, Cookie[] Cookies)? LastCallback { get; private set; }

        public void Restore(IEnumerable<Cookie> cookies)
        {
            foreach (var cookie in cookies) _jar.Cookies.Add(cookie);
        }

        public Task<Landing> CountersignAsync(string id) => SignAsync(id, "Countersign", ("attestation", "yes"));

        public async Task<Landing> SignAsync(string id, string handler, params (string Key, string Value)[] fields)
        {
            var (response, action) = await PostSignatureAsync(id, handler, fields);
            return await FollowAsync(response, action);
        }

        /// <summary>Asks to sign, and signs in at the authority: the authority's answer, not yet delivered to the dashboard.</summary>
        public async Task<Uri> AnswerFromAuthorityAsync(string id, string handler, params (string Key, string Value)[] fields)
        {
            var (response, _) = await PostSignatureAsync(id, handler, fields);
            using var answer = await AuthorityClient.GetAsync(response.Headers.Location);
            answer.StatusCode.ShouldBe(HttpStatusCode.Redirect);
            return answer.Headers.Location!;
        }

        public Cookie[] CookiesExcept(string name) =>
            [.. _jar.Cookies.GetAllCookies().Where(c => c.Name != name).Select(c => new Cookie(c.Name, c.Value, c.Path, c.Domain) { Secure = c.Secure, HttpOnly = c.HttpOnly })];

        private async Task<(HttpResponseMessage Response, Uri Action)> PostSignatureAsync(string id, string handler, (string Key, string Value)[] fields)
        {
            var page = $"/dashboard/consents/{id}";
            var html = await Dashboard.GetStringAsync(new Uri(page, UriKind.Relative));
            var version = Version().Match(html).Groups[1].Value;
            var token = await PageForms.AntiforgeryAsync(Dashboard, page);
            var action = new Uri(Dashboard.BaseAddress!, $"{page}?handler={handler}");
            var response = await Dashboard.PostAsync(action, new FormUrlEncodedContent(
                [.. fields.Select(f => KeyValuePair.Create(f.Key, f.Value)), KeyValuePair.Create("version", version), KeyValuePair.Create("__antiforgery", token)]));
            response.StatusCode.ShouldBe(HttpStatusCode.Redirect, await response.Content.ReadAsStringAsync());
            response.Headers.Location!.ToString().ShouldStartWith(_authority.Issuer + "/authorize?");
            return (response, action);
        }

        public async Task<Landing> FollowAsync(HttpResponseMessage response, Uri at)
        {
            for (var hops = 0; hops < 12; hops++)
            {
                if (response.StatusCode is HttpStatusCode.Redirect or HttpStatusCode.Found or HttpStatusCode.SeeOther)
                {
                    at = new Uri(at, response.Headers.Location!);
                    response.Dispose();
                    response = await GetAsync(at);
                    continue;
                }
                var html = await response.Content.ReadAsStringAsync();
                if (at.Authority == new Uri(_authority.Issuer).Authority && FormPost().Match(html) is { Success: true } form)
                {
                    // The authority's form_post answer: the browser posts it to the dashboard's sign-in callback.
                    at = new Uri(WebUtility.HtmlDecode(form.Groups[1].Value));
                    var fields = Hidden().Matches(html).Select(m => KeyValuePair.Create(m.Groups[1].Value, WebUtility.HtmlDecode(m.Groups[2].Value)));
                    response.Dispose();
                    response = await Dashboard.PostAsync(at, new FormUrlEncodedContent(fields));
                    continue;
                }
                return new Landing(at, response.StatusCode, html);
            }
            throw new InvalidOperationException("too many redirects");
        }

        private Task<HttpResponseMessage> GetAsync(Uri uri)
        {
            if (uri.Authority == new Uri(_authority.Issuer).Authority) return AuthorityClient.GetAsync(uri);
            if (uri.AbsolutePath == "/dashboard/signature-oidc")
            {
                LastCallback = (uri, [.. _jar.Cookies.GetAllCookies().Select(c => new Cookie(c.Name, c.Value, c.Path, c.Domain) { Secure = c.Secure, HttpOnly = c.HttpOnly })]);
            }
            return Dashboard.GetAsync(uri);
        }

        public void Dispose()
        {
            Dashboard.Dispose();
            AuthorityClient.Dispose();
            _jar.Dispose();
        }

        [GeneratedRegex("name=\"version\" value=\"(\\d+)\"")]
        private static partial Regex Version();

        [GeneratedRegex("<form method=\"post\" action=\"([^\"]+)\">")]
        private static partial Regex FormPost();

        [GeneratedRegex("<input type=\"hidden\" name=\"([^\"]+)\" value=\"([^\"]*)\">")]
        private static partial Regex Hidden();
    }

    /// <summary>Keeps the dashboard's cookies as a browser would (Secure ones only over https, expired ones dropped).</summary>
    private sealed class CookieJar : DelegatingHandler
    {
        public CookieContainer Cookies { get; } = new();

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var header = Cookies.GetCookieHeader(request.RequestUri!);
            if (header.Length > 0) request.Headers.Add("Cookie", header);
            var response = await base.SendAsync(request, cancellationToken);
            if (response.Headers.TryGetValues("Set-Cookie", out var setCookies))
            {
                foreach (var setCookie in setCookies) Cookies.SetCookies(request.RequestUri!, setCookie);
            }
            return response;
        }
    }
}

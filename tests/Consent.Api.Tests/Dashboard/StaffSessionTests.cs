using System.Net;
using Consent.Api.Tests.Support;

namespace Consent.Api.Tests.Dashboard;

/// <summary>Staff sessions live on the server (#21): signing out ends them for every copy of the cookie.</summary>
[Trait("Category", "Infrastructure")]
public sealed class StaffSessionTests
{
    private const string Username = "session-coordinator", Password = "the right password 42";

    /// <summary>Keeps cookies in a container the test can read, as a browser profile would hold them.</summary>
    private sealed class Jar(CookieContainer cookies) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (cookies.GetCookieHeader(request.RequestUri!) is { Length: > 0 } header) request.Headers.Add("Cookie", header);
            var response = await base.SendAsync(request, cancellationToken);
            if (response.Headers.TryGetValues("Set-Cookie", out var set)) foreach (var cookie in set) cookies.SetCookies(request.RequestUri!, cookie);
            return response;
        }
    }

    [Fact]
    public async Task A_copied_staff_cookie_stops_working_once_its_owner_signs_out()
    {
        await using var factory = new ApiFactory(new Dictionary<string, string?>
        {
            ["Staff:Local:0:Username"] = Username, ["Staff:Local:0:Password"] = Password,
            ["Staff:Local:0:Role"] = "coordinator", ["Staff:Local:0:Clinic"] = "sessions",
        });
        var jar = new CookieContainer();
        var owner = factory.CreateDefaultClient(new Jar(jar));
        (await PageForms.PostAsync(owner, "/dashboard/signin", "/dashboard/signin", ("username", Username), ("password", Password)))
            .StatusCode.ShouldBe(HttpStatusCode.Redirect);
        var copied = jar.GetCookies(new Uri(factory.Server.BaseAddress, "/dashboard/")).Single(c => c.Name == "consent-staff").Value;

        var thief = factory.CreateDefaultClient();
        thief.DefaultRequestHeaders.Add("Cookie", $"consent-staff={copied}");
        (await thief.GetAsync("/dashboard")).StatusCode.ShouldBe(HttpStatusCode.OK, "the copy works while the session lasts");

        (await PageForms.PostAsync(owner, "/dashboard", "/dashboard?handler=SignOut")).StatusCode.ShouldBe(HttpStatusCode.Redirect);

        var after = await thief.GetAsync("/dashboard");
        after.StatusCode.ShouldBe(HttpStatusCode.Redirect, "a signed-out session opens nothing, whoever holds a copy of its cookie");
        after.Headers.Location!.ToString().ShouldContain("/dashboard/signin");
    }

    [Fact]
    public async Task An_admin_ends_every_session_of_an_account_at_once_and_only_in_their_own_clinic()
    {
        await using var factory = new ApiFactory(new Dictionary<string, string?>
        {
            ["Staff:Local:0:Username"] = Username, ["Staff:Local:0:Password"] = Password,
            ["Staff:Local:0:Role"] = "coordinator", ["Staff:Local:0:Clinic"] = "sessions",
        });
        var laptop = await PageForms.SignedInAsync(factory, Username, Password);
        var phone = await PageForms.SignedInAsync(factory, Username, Password);
        (await laptop.GetAsync("/dashboard")).StatusCode.ShouldBe(HttpStatusCode.OK);

        (await factory.ClientAs("coordinator", "sessions").DeleteAsync($"/api/staff/sessions/{Username}")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        var elsewhere = await factory.ClientAs("admin", "another-clinic").DeleteAsync($"/api/staff/sessions/{Username}");
        (await elsewhere.Content.ReadAsStringAsync()).ShouldContain("\"revoked\":0");
        (await phone.GetAsync("/dashboard")).StatusCode.ShouldBe(HttpStatusCode.OK, "another clinic's admin ends nothing here");

        var revoked = await factory.ClientAs("admin", "sessions").DeleteAsync($"/api/staff/sessions/{Username}");
        revoked.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await revoked.Content.ReadAsStringAsync()).ShouldContain("\"revoked\":2");
        foreach (var device in new[] { laptop, phone })
        {
            var after = await device.GetAsync("/dashboard");
            after.StatusCode.ShouldBe(HttpStatusCode.Redirect);
            after.Headers.Location!.ToString().ShouldContain("/dashboard/signin");
        }
    }
}

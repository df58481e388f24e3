using System.Net;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Consent.Api.Tests.Support;

/// <summary>
/// The dashboard's and the tablet's forms over plain HTTP (no browser): a client that keeps cookies, the anti-forgery
/// token read from a page, and the staff and tablet sign-ins.
/// </summary>
public static partial class PageForms
{
    public static HttpClient Client(ApiFactory factory) =>
        factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });

    public static async Task<string> AntiforgeryAsync(HttpClient client, string page)
    {
        var html = await client.GetStringAsync(page);
        return AntiforgeryField().Match(html) is { Success: true } m ? m.Groups[1].Value : throw new InvalidOperationException($"no anti-forgery token on {page}");
    }

    public static async Task<HttpResponseMessage> PostAsync(HttpClient client, string page, string action, params (string Key, string Value)[] fields)
    {
        var token = await AntiforgeryAsync(client, page);
        return await client.PostAsync(action, new FormUrlEncodedContent([.. fields.Select(f => KeyValuePair.Create(f.Key, f.Value)), KeyValuePair.Create("__antiforgery", token)]));
    }

    /// <summary>A signed-in staff client (a local account configured as <c>Staff:Local</c>).</summary>
    public static async Task<HttpClient> SignedInAsync(ApiFactory factory, string username, string password)
    {
        var client = Client(factory);
        var response = await PostAsync(client, "/dashboard/signin", "/dashboard/signin", ("username", username), ("password", password));
        response.StatusCode.ShouldBe(HttpStatusCode.Redirect, await response.Content.ReadAsStringAsync());
        return client;
    }

    /// <summary>A browser-like client holding the tablet session that <paramref name="tabletToken"/> opens.</summary>
    public static async Task<HttpClient> TabletAsync(ApiFactory factory, string tabletToken)
    {
        var client = Client(factory);
        var response = await PostAsync(client, "/tablet", "/tablet?handler=Open", ("token", tabletToken));
        ((int)response.StatusCode).ShouldBeLessThan(400, await response.Content.ReadAsStringAsync());
        return client;
    }

    [GeneratedRegex("name=\"__antiforgery\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();
}

using System.Net;
using Consent.Api.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace Consent.Api.Tests.Dashboard;

/// <summary>
/// The staff sign-in's lockout (#21, item 5): every racing failure counts, one client address trying many names is
/// stopped too, and a locked account, an unknown name and a wrong password cannot be told apart by the time they take.
/// </summary>
[Trait("Category", "Infrastructure")]
public sealed class SignInThrottleTests(SignInThrottleTests.Factory factory) : IClassFixture<SignInThrottleTests.Factory>
{
    public sealed class Factory() : ApiFactory(new Dictionary<string, string?>
    {
        ["Staff:LockoutAttempts"] = "30",
        ["Staff:AddressLockoutAttempts"] = "40",
        ["Staff:Local:0:Username"] = Racing, ["Staff:Local:0:Password"] = Password, ["Staff:Local:0:Role"] = "coordinator", ["Staff:Local:0:Clinic"] = "throttle",
        ["Staff:Local:1:Username"] = Wandering, ["Staff:Local:1:Password"] = Password, ["Staff:Local:1:Role"] = "coordinator", ["Staff:Local:1:Clinic"] = "throttle",
        ["Staff:Local:2:Username"] = Locked, ["Staff:Local:2:Password"] = Password, ["Staff:Local:2:Role"] = "coordinator", ["Staff:Local:2:Clinic"] = "throttle",
        ["Staff:Local:3:Username"] = Timed, ["Staff:Local:3:Password"] = Password, ["Staff:Local:3:Role"] = "coordinator", ["Staff:Local:3:Clinic"] = "throttle",
    }, services => services.AddSingleton<IStartupFilter, ClientAddressFromHeader>());

    private const string Racing = "throttle-racing", Wandering = "throttle-wandering", Locked = "throttle-locked", Timed = "throttle-timed";
    private const string Password = "the right password 42";

    /// <summary>Stands in for the network: each test client says which address it comes from.</summary>
    private sealed class ClientAddressFromHeader : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use(async (http, inner) =>
            {
                if (http.Request.Headers.TryGetValue("X-Test-Client", out var address)) http.Connection.RemoteIpAddress = IPAddress.Parse(address!);
                await inner(http);
            });
            next(app);
        };
    }

    private HttpClient From(string address)
    {
        var client = PageForms.Client(factory);
        client.DefaultRequestHeaders.Add("X-Test-Client", address);
        return client;
    }

    private static async Task<HttpStatusCode> SignInAsync(HttpClient client, string token, string username, string password) =>
        (await client.PostAsync("/dashboard/signin", new FormUrlEncodedContent(
            [KeyValuePair.Create("username", username), KeyValuePair.Create("password", password), KeyValuePair.Create("__antiforgery", token)]))).StatusCode;

    [Fact]
    public async Task Thirty_parallel_wrong_passwords_all_count_and_lock_the_account()
    {
        // Each attempt from its own address, so that only the account's count can lock.
        var clients = Enumerable.Range(1, 30).Select(i => From($"10.1.0.{i}")).ToList();
        var tokens = await Task.WhenAll(clients.Select(c => PageForms.AntiforgeryAsync(c, "/dashboard/signin")));

        var results = await Task.WhenAll(clients.Select((c, i) => SignInAsync(c, tokens[i], Racing, "wrong password " + i)));

        results.ShouldAllBe(s => s == HttpStatusCode.Unauthorized);
        var fresh = From("10.1.1.1");
        (await SignInAsync(fresh, await PageForms.AntiforgeryAsync(fresh, "/dashboard/signin"), Racing, Password)).ShouldBe(HttpStatusCode.Unauthorized,
            "30 failures with a limit of 30 must lock the account, so the right password is refused now");
    }

    [Fact]
    public async Task One_address_trying_many_names_is_locked_out_and_other_addresses_are_not()
    {
        var attacker = From("10.2.0.1");
        var token = await PageForms.AntiforgeryAsync(attacker, "/dashboard/signin");
        for (var i = 0; i < 40; i++) (await SignInAsync(attacker, token, $"nobody-{i}", "guess " + i)).ShouldBe(HttpStatusCode.Unauthorized);

        (await SignInAsync(attacker, token, Wandering, Password)).ShouldBe(HttpStatusCode.Unauthorized, "the address has used up its attempts");
        var colleague = From("10.2.0.2");
        (await SignInAsync(colleague, await PageForms.AntiforgeryAsync(colleague, "/dashboard/signin"), Wandering, Password)).ShouldBe(HttpStatusCode.Redirect);
    }

    [Fact]
    public async Task Locked_unknown_and_wrong_each_cost_one_password_hash_like_a_right_one()
    {
        // What makes an outcome slow is the password hash; every outcome computes exactly one, so the time taken does not
        // tell a locked account, an unknown name and a wrong password apart. (Counted, not timed: this machine is noisy.)
        var meters = factory.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>();
        long checks = 0;
        using var listener = new System.Diagnostics.Metrics.MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Name == "consent.signin.password_checks" && instrument.Meter.Scope == meters) l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref checks, value));
        listener.Start();

        var locker = From("10.3.0.1");
        var token = await PageForms.AntiforgeryAsync(locker, "/dashboard/signin");
        for (var i = 0; i < 30; i++) await SignInAsync(locker, token, Locked, "wrong " + i);
        foreach (var (kind, username) in new[] { ("locked", Locked), ("unknown", "throttle-nobody"), ("wrong", Timed) })
        {
            var client = From($"10.3.9.{kind.Length}");
            var t = await PageForms.AntiforgeryAsync(client, "/dashboard/signin");
            var before = Interlocked.Read(ref checks);
            (await SignInAsync(client, t, username, kind == "locked" ? Password : "wrong password")).ShouldBe(HttpStatusCode.Unauthorized);
            (Interlocked.Read(ref checks) - before).ShouldBe(1, $"a {kind} sign-in computes one password hash");
        }
    }
}

using System.Net.Http.Headers;
using System.Security.Cryptography;
using Consent.Api.Auth;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Configuration;
using Microsoft.IdentityModel.Tokens;

namespace Consent.Api.Tests.Support;

/// <summary>The real service in-process, on the real PostgreSQL and RabbitMQ, with its own local signing key.</summary>
public class ApiFactory : WebApplicationFactory<Program>
{
    private readonly Dictionary<string, string?> _settings;

    private readonly Action<IServiceCollection>? _services;

    public ApiFactory(IReadOnlyDictionary<string, string?>? overrides = null, Action<IServiceCollection>? services = null)
    {
        _services = services;
        SigningKeyBase64 = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        _settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:Postgres"] = TestInfrastructure.Postgres,
            ["Amqp:Uri"] = TestInfrastructure.Amqp,
            ["Auth:Mode"] = "Local",
            ["Auth:LocalSigningKey"] = SigningKeyBase64,
            ["Workflows:Path"] = Path.Combine(TestInfrastructure.RepoRoot, "workflows"),
            ["Serilog:MinimumLevel:Default"] = "Warning",
            // Timers act on every clinic in the schema; a test that wants them runs a round itself.
            ["Timers:Enabled"] = "false",
            // Readiness tests stop the database and broker on purpose; their failure reports are expected noise.
            ["Serilog:MinimumLevel:Override:Microsoft.Extensions.Diagnostics.HealthChecks"] = "Fatal",
            ["Serilog:MinimumLevel:Override:Serilog.AspNetCore.RequestLoggingMiddleware"] = "Fatal",
            // Tests that stop a broker on purpose would fill the output with MassTransit reconnect warnings.
            ["Serilog:MinimumLevel:Override:MassTransit"] = "Error",
            // Kept per test and printed only for a failing one (ServiceLog), not written over the test command's output.
            ["Hosting:ConsoleLog"] = "false",
        };
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>()) _settings[key] = value;
    }

    public string SigningKeyBase64 { get; }

    public SecurityKey SigningKey => LocalTokens.KeyFromBase64(SigningKeyBase64);

    public string Token(string role, string clinic = "demo", string sub = "test-user", TimeSpan? lifetime = null, DateTimeOffset? signedInAt = null, string? name = null) =>
        LocalTokens.Create(SigningKey, sub, role, clinic, lifetime ?? TimeSpan.FromHours(1), signedInAt ?? DateTimeOffset.UtcNow, name);

    public HttpClient ClientAs(string role, string clinic = "demo", string? name = null)
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token(role, clinic, name: name));
        return client;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.ConfigureAppConfiguration((_, config) => config.AddInMemoryCollection(_settings));
        builder.ConfigureTestServices(services => services.AddSingleton<Serilog.Core.ILogEventSink>(ServiceLog.Shared));
        if (_services is not null) builder.ConfigureTestServices(_services);
    }
}

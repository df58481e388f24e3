using System.CommandLine;
using System.Text.Json;
using Consent.Api.Auth;

namespace Consent.Cli.Tokens;

/// <summary>
/// <c>consent demo-file</c>: writes <c>.data/demo.json</c> (see shared/api-contract.md, "Running locally")
/// with one local token per role for the demo clinic.
/// </summary>
internal static class DemoFileCommand
{
    private static readonly JsonSerializerOptions Indented = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static Command Create()
    {
        var output = new Option<string>("--out") { DefaultValueFactory = _ => ".data/demo.json" };
        var baseUrl = new Option<string>("--base-url") { Required = true };
        var amqp = new Option<string>("--amqp") { Required = true };
        var postgres = new Option<string>("--postgres") { Required = true };
        var clinic = new Option<string>("--clinic") { DefaultValueFactory = _ => "demo" };
        var keyFile = new Option<string>("--key-file")
        {
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable("CONSENT_Auth__LocalSigningKeyFile") ?? LocalTokens.DefaultKeyFile,
        };
        var coordinator = new Option<string?>("--staff-coordinator") { Description = "the demo coordinator's web sign-in, username:password" };
        var clinician = new Option<string?>("--staff-clinician") { Description = "the demo clinician's web sign-in, username:password" };
        var command = new Command("demo-file", "Write the demo connection file with a local token per role")
        {
            output, baseUrl, amqp, postgres, clinic, keyFile, coordinator, clinician,
        };
        command.SetAction(parse =>
        {
            var key = LocalTokens.ReadOrCreateKey(parse.GetValue(keyFile)!);
            var now = DateTimeOffset.UtcNow;
            // A demo runs for days at a time on a developer's machine; the key never leaves .data/.
            var tokens = StaffRoles.All.ToDictionary(
                role => role,
                role => LocalTokens.Create(key, $"demo-{role}", role, parse.GetValue(clinic)!, TimeSpan.FromDays(7), now));
            var url = parse.GetValue(baseUrl)!.TrimEnd('/');
            var demo = new
            {
                baseUrl = url,
                amqpUri = parse.GetValue(amqp),
                postgres = parse.GetValue(postgres),
                tokens,
                dashboardUrl = $"{url}/dashboard",
                staff = new Dictionary<string, object?>
                {
                    ["coordinator"] = SignIn(parse.GetValue(coordinator)),
                    ["clinician"] = SignIn(parse.GetValue(clinician)),
                },
                apiReferenceUrl = $"{url}/docs",
            };
            var path = parse.GetValue(output)!;
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            File.WriteAllText(path, JsonSerializer.Serialize(demo, Indented));
            return 0;
        });
        return command;
    }

    private static object? SignIn(string? pair) =>
        pair?.Split(':', 2) is [var username, var password] ? new { username, password } : null;
}

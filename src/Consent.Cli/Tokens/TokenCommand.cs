using System.CommandLine;
using Consent.Api.Auth;

namespace Consent.Cli.Tokens;

/// <summary><c>consent token --role R --clinic C --sub S</c>: prints a token signed with the local key.</summary>
internal static class TokenCommand
{
    public static Command Create()
    {
        var role = new Option<string>("--role") { Description = "coordinator, clinician, integration or admin", Required = true };
        role.AcceptOnlyFromAmong([.. StaffRoles.All]);
        var clinic = new Option<string>("--clinic") { Description = "The clinic (tenant) the token belongs to", DefaultValueFactory = _ => "demo" };
        var sub = new Option<string>("--sub") { Description = "The subject: a person's or system's user name", Required = true };
        var hours = new Option<double>("--hours") { Description = "Lifetime in hours", DefaultValueFactory = _ => 12 };
        var keyFile = new Option<string>("--key-file")
        {
            Description = "Local signing key (created when missing); CONSENT_Auth__LocalSigningKeyFile overrides the default",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable("CONSENT_Auth__LocalSigningKeyFile") ?? LocalTokens.DefaultKeyFile,
        };

        var command = new Command("token", "Print a local JWT for the demo or tests (never used with an OIDC authority)")
        {
            role, clinic, sub, hours, keyFile,
        };
        command.SetAction(parse =>
        {
            var lifetime = TimeSpan.FromHours(parse.GetValue(hours));
            if (lifetime <= TimeSpan.Zero || lifetime > TimeSpan.FromDays(30))
            {
                Console.Error.WriteLine("--hours must be greater than 0 and at most 720.");
                return 2;
            }
            var key = LocalTokens.ReadOrCreateKey(parse.GetValue(keyFile)!);
            Console.WriteLine(LocalTokens.Create(key, parse.GetValue(sub)!, parse.GetValue(role)!, parse.GetValue(clinic)!, lifetime, DateTimeOffset.UtcNow));
            return 0;
        });
        return command;
    }
}

using System.CommandLine;
using System.Text.Json;
using Consent.Api.Auth;

namespace Consent.Cli.Tokens;

/// <summary>
/// <c>consent demo-file</c>: writes <c>.data/demo.json</c> (see the README, "The two commands")
/// with one local token per role for the demo clinic. <c>amqpUri</c> is the demo subscriber's broker credential, never
/// the service's. The integration token is the sample scheduler's (<c>sub</c> <see cref="SchedulerSubject"/>, the
/// subject the service's default Gate:Subscribers registration expects); <c>scheduler</c> holds what that sample needs
/// beyond it (its own database, its clinic and queue), so that it starts from this file alone.
/// </summary>
internal static class DemoFileCommand
{
    private static readonly JsonSerializerOptions Indented = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <summary>The <c>sub</c> of the demo integration token: the sample scheduler confirms gate changes with it.</summary>
    public const string SchedulerSubject = "scheduler-sample";

    public static Command Create()
    {
        var output = new Option<string>("--out") { DefaultValueFactory = _ => ".data/demo.json" };
        var baseUrl = new Option<string>("--base-url") { Required = true };
        // Values holding passwords may come from the environment instead, so that they never show in a process list.
        var amqp = new Option<string?>("--amqp")
        {
            Description = "the demo subscriber's AMQP URI (not the service's); default $CONSENT_DEMO_AMQP",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable("CONSENT_DEMO_AMQP"),
        };
        var postgres = new Option<string>("--postgres") { Required = true };
        var schedulerPostgres = new Option<string?>("--scheduler-postgres")
        {
            Description = "the sample scheduler's own database; default $CONSENT_DEMO_SCHEDULER_DB",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable("CONSENT_DEMO_SCHEDULER_DB"),
        };
        var schedulerQueue = new Option<string>("--scheduler-queue") { DefaultValueFactory = _ => "demo-scheduler" };
        var clinic = new Option<string>("--clinic") { DefaultValueFactory = _ => "demo" };
        var keyFile = new Option<string>("--key-file")
        {
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable("CONSENT_Auth__LocalSigningKeyFile") ?? LocalTokens.DefaultKeyFile,
        };
        var coordinator = new Option<string?>("--staff-coordinator")
        {
            Description = "the demo coordinator's web sign-in, username:password; default $CONSENT_DEMO_STAFF_COORDINATOR",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable("CONSENT_DEMO_STAFF_COORDINATOR"),
        };
        var clinician = new Option<string?>("--staff-clinician")
        {
            Description = "the demo clinician's web sign-in, username:password; default $CONSENT_DEMO_STAFF_CLINICIAN",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable("CONSENT_DEMO_STAFF_CLINICIAN"),
        };
        var command = new Command("demo-file", "Write the demo connection file with a local token per role")
        {
            output, baseUrl, amqp, postgres, clinic, keyFile, coordinator, clinician, schedulerPostgres, schedulerQueue,
        };
        command.SetAction(parse =>
        {
            if (string.IsNullOrEmpty(parse.GetValue(amqp)))
            {
                Console.Error.WriteLine("--amqp (or CONSENT_DEMO_AMQP) is required: the demo subscriber's AMQP URI.");
                return 2;
            }
            var key = LocalTokens.ReadOrCreateKey(parse.GetValue(keyFile)!);
            var now = DateTimeOffset.UtcNow;
            // A demo runs for days at a time on a developer's machine; the key never leaves .data/.
            var tokens = StaffRoles.All.ToDictionary(
                role => role,
                role => LocalTokens.Create(key, role == StaffRoles.Integration ? SchedulerSubject : $"demo-{role}", role, parse.GetValue(clinic)!, TimeSpan.FromDays(7), now));
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
                scheduler = parse.GetValue(schedulerPostgres) is { } schedulerDb
                    ? new { postgres = schedulerDb, clinic = parse.GetValue(clinic), queue = parse.GetValue(schedulerQueue) }
                    : null,
            };
            var path = parse.GetValue(output)!;
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            // It holds passwords and tokens: readable by its owner only.
            if (File.Exists(path)) File.Delete(path);
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            using (var file = new FileStream(path, options))
            {
                JsonSerializer.Serialize(file, demo, Indented);
            }
            return 0;
        });
        return command;
    }

    private static object? SignIn(string? pair) =>
        pair?.Split(':', 2) is [var username, var password] ? new { username, password } : null;
}

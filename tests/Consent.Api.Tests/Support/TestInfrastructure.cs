using System.Diagnostics;

namespace Consent.Api.Tests.Support;

/// <summary>
/// The PostgreSQL and RabbitMQ that the README's test command starts. A test that needs them fails loudly
/// when they are missing: it never skips, so missing infrastructure can never pass for green.
/// </summary>
public static class TestInfrastructure
{
    /// <summary>The database as its schema owner (user consent), as a database administrator or a migration would use it.</summary>
    public static string Postgres => Required("CONSENT_TEST_POSTGRES");

    /// <summary>A second PostgreSQL server's database (deploy/local/postgres.sh profile test2), for clinics spread over two databases.</summary>
    public static string Postgres2 => Required("CONSENT_TEST_POSTGRES_2");

    /// <summary>The same database as the service's own role (consent_app): no rights until 'Consent.Api migrate' grants them.</summary>
    public static string PostgresServiceRole => Required("CONSENT_TEST_POSTGRES_APP");
    /// <summary>The service's broker user (consent-service): it may publish to the consent exchanges and nothing else.</summary>
    public static string Amqp => Required("CONSENT_TEST_AMQP");

    /// <summary>
    /// The demo subscriber's broker user (demo-scheduler): its own queues (names starting "demo-" or server-named),
    /// bound to the consent exchanges; on the clinic exchange only clinic "demo"'s routing keys. It cannot publish there.
    /// </summary>
    public static string AmqpSubscriber => Required("CONSENT_TEST_AMQP_SUBSCRIBER");

    /// <summary>The subscriber's clinic and queue-name prefix on every broker that deploy/local/rabbitmq.sh starts.</summary>
    public const string SubscriberClinic = "demo";

    public const string SubscriberQueuePrefix = "demo-";

    public static string RepoRoot { get; } = Environment.GetEnvironmentVariable("CONSENT_REPO_ROOT") is { Length: > 0 } root
        ? root
        : FindRepoRoot();

    private static string Required(string name) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException(
                $"{name} is not set: these tests need the real PostgreSQL and RabbitMQ that ./deploy/local/test.sh starts. " +
                "Run the tests through it (./deploy/local/test.sh tests/Consent.Api.Tests).");

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Consent.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException("Cannot find the repository root (Consent.sln) above " + AppContext.BaseDirectory);
    }

    /// <summary>
    /// The service's ("url") or the subscriber's ("subscriber-url") URI of a broker that rabbitmq.sh runs for a
    /// private profile: its passwords are made per profile, so they are asked of the script rather than written here.
    /// </summary>
    public static async Task<string> BrokerUriAsync(string profile, IReadOnlyDictionary<string, string> ports, bool subscriber = false) =>
        (await ScriptOutputAsync("rabbitmq.sh", ports, subscriber ? "subscriber-url" : "url", profile)).Trim();

    /// <summary>Runs one of the project's own deploy scripts, as a developer would.</summary>
    public static Task RunScriptAsync(string script, IReadOnlyDictionary<string, string>? environment = null, params string[] args) =>
        ScriptOutputAsync(script, environment, args);

    /// <summary>Runs one of the project's own deploy scripts and returns what it printed.</summary>
    public static async Task<string> ScriptOutputAsync(string script, IReadOnlyDictionary<string, string>? environment = null, params string[] args)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = RepoRoot };
        start.ArgumentList.Add(Path.Combine(RepoRoot, "deploy", "local", script));
        foreach (var arg in args) start.ArgumentList.Add(arg);
        foreach (var (key, value) in environment ?? new Dictionary<string, string>()) start.Environment[key] = value;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{script} {string.Join(' ', args)} failed ({process.ExitCode}): {await stdout}{await stderr}");
        }
        return await stdout;
    }
}

using System.Diagnostics;

namespace Consent.Api.Tests.Support;

/// <summary>
/// The project's own built programs, run as a user or a deploy step runs them: a separate process, from the same
/// configuration and framework as this test assembly (e.g. <c>bin/Release/net10.0</c>).
/// </summary>
public static class BuiltPrograms
{
    /// <summary>The <c>consent</c> CLI with <paramref name="args"/>, from a neutral working directory.</summary>
    public static Task<(int Exit, string Out, string Err)> ConsentCliAsync(params string[] args) =>
        RunAsync(Path.Combine(TestInfrastructure.RepoRoot, "src", "Consent.Cli", "bin", Configuration, Framework, "consent.dll"), args);

    /// <summary>The service's <c>migrate</c> command as the schema owner runs it, with the settings in <paramref name="environment"/>.</summary>
    public static async Task MigrateAsync(IReadOnlyDictionary<string, string> environment)
    {
        var apiDir = Path.Combine(TestInfrastructure.RepoRoot, "src", "Consent.Api");
        var (exit, output, errors) = await RunAsync(Path.Combine(apiDir, "bin", Configuration, Framework, "Consent.Api.dll"), ["migrate", "--contentRoot", apiDir], environment);
        exit.ShouldBe(0, output + errors);
    }

    /// <summary>The service's program with one of its commands (e.g. <c>move-clinic</c>) as an operator runs it, with the settings in <paramref name="environment"/>.</summary>
    public static Task<(int Exit, string Out, string Err)> ServiceAsync(IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var apiDir = Path.Combine(TestInfrastructure.RepoRoot, "src", "Consent.Api");
        return RunAsync(Path.Combine(apiDir, "bin", Configuration, Framework, "Consent.Api.dll"), [args[0], "--contentRoot", apiDir, .. args[1..]], environment);
    }

    private static DirectoryInfo Build => new(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));

    private static string Configuration => Build.Parent!.Name;

    private static string Framework => Build.Name;

    private static async Task<(int Exit, string Out, string Err)> RunAsync(string dll, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Path.GetTempPath() };
        start.ArgumentList.Add(dll);
        foreach (var arg in args) start.ArgumentList.Add(arg);
        foreach (var (key, value) in environment ?? new Dictionary<string, string>()) start.Environment[key] = value;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout, await stderr);
    }
}

using System.Diagnostics;
using System.Text.Json;

namespace Consent.Api.Tests.Support;

/// <summary>
/// The standard validators from npm (pinned in this project's package-lock.json, installed by deploy/local/assets.sh),
/// run on documents and messages the tests captured from the real service. They run offline.
/// </summary>
public static class ApiDocumentTools
{
    private static string ProjectDirectory => Path.Combine(TestInfrastructure.RepoRoot, "tests", "Consent.Api.Tests");

    /// <summary>`redocly lint` with its built-in recommended rules: the totals and the problems it names.</summary>
    public static async Task<(int Errors, int Warnings, string Report)> RedoclyLintAsync(string openApiFile)
    {
        var (_, output) = await RunAsync(Path.Combine(ProjectDirectory, "node_modules", ".bin", "redocly"), "lint", openApiFile, "--format=json");
        var report = JsonDocument.Parse(output[output.IndexOf('{', StringComparison.Ordinal)..]).RootElement;
        var totals = report.GetProperty("totals");
        var problems = string.Join("\n", report.GetProperty("problems").EnumerateArray()
            .Select(p => $"{p.GetProperty("severity").GetString()} {p.GetProperty("ruleId").GetString()}: {p.GetProperty("message").GetString()} at {p.GetProperty("location")[0].GetProperty("pointer").GetString()}"));
        return (totals.GetProperty("errors").GetInt32(), totals.GetProperty("warnings").GetInt32(), problems);
    }

    /// <summary>Tools/api-documents.mjs (the AsyncAPI parser and ajv); its one line of JSON output.</summary>
    public static async Task<JsonElement> ScriptAsync(params string[] args)
    {
        var (exit, output) = await RunAsync("node", [Path.Combine(ProjectDirectory, "Tools", "api-documents.mjs"), .. args]);
        exit.ShouldBe(0, output);
        return JsonDocument.Parse(output).RootElement.Clone();
    }

    /// <summary>A scratch file for one document or capture, kept under the test output for a failing run to be read.</summary>
    public static string ScratchFile(string name)
    {
        var directory = Path.Combine(AppContext.BaseDirectory, "api-documents");
        Directory.CreateDirectory(directory);
        return Path.Combine(directory, $"{Path.GetFileNameWithoutExtension(name)}-{Guid.NewGuid():N}{Path.GetExtension(name)}");
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string executable, params string[] args)
    {
        var start = new ProcessStartInfo(executable) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = ProjectDirectory };
        foreach (var arg in args) start.ArgumentList.Add(arg);
        // No telemetry, no update check: the validators must run without a network.
        start.Environment["REDOCLY_TELEMETRY"] = "off";
        start.Environment["REDOCLY_SUPPRESS_UPDATE_NOTICE"] = "true";
        start.Environment["NO_UPDATE_NOTIFIER"] = "1";
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{executable} did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        var output = await stdout;
        return (process.ExitCode, output.Length > 0 ? output : await stderr);
    }
}

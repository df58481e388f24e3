using System.Diagnostics;
using System.Text.Json;

namespace Consent.Cli.Tests;

public sealed class KeysCommandTests : IDisposable
{
    private readonly string _directory = Path.Combine(Directory.CreateTempSubdirectory("consent-cli-keys-").FullName, "keys");

    public void Dispose() => Directory.Delete(Path.GetDirectoryName(_directory)!, recursive: true);

    [Fact]
    public async Task Rotate_makes_a_new_active_key_and_keeps_the_old_one_public_in_the_key_set()
    {
        var (exit, first, _) = await Consent("keys", "rotate", "--dir", _directory);
        exit.ShouldBe(0);
        (exit, var second, _) = await Consent("keys", "rotate", "--dir", _directory);
        exit.ShouldBe(0);
        first = first.Trim();
        second = second.Trim();

        var (_, list, _) = await Consent("keys", "list", "--dir", _directory);
        var (_, jwks, _) = await Consent("keys", "jwks", "--dir", _directory);

        list.ShouldContain($"{second}  {DateTime.UtcNow:yyyy-MM-dd}  active");
        list.ShouldContain($"{first}  {DateTime.UtcNow:yyyy-MM-dd}  retired (public only)");
        File.Exists(Path.Combine(_directory, first + ".private.pem")).ShouldBeFalse();
        File.Exists(Path.Combine(_directory, first + ".public.pem")).ShouldBeTrue();
        using var set = JsonDocument.Parse(jwks);
        set.RootElement.GetProperty("keys").EnumerateArray().Select(k => k.GetProperty("kid").GetString()).ShouldBe([first, second], ignoreOrder: true);
        jwks.ShouldNotContain("\"d\"");
    }

    [Fact]
    public async Task List_of_an_empty_directory_exits_1()
    {
        var (exit, _, error) = await Consent("keys", "list", "--dir", _directory);

        exit.ShouldBe(1);
        error.ShouldContain("No keys");
    }

    private static async Task<(int Exit, string Out, string Err)> Consent(params string[] args)
    {
        var framework = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var repo = new DirectoryInfo(AppContext.BaseDirectory);
        while (!File.Exists(Path.Combine(repo!.FullName, "Consent.sln"))) repo = repo.Parent;
        var cli = Path.Combine(repo.FullName, "src", "Consent.Cli", "bin", framework.Parent!.Name, framework.Name, "consent.dll");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(cli);
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout, await stderr);
    }
}

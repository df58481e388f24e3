using System.Diagnostics;

namespace Consent.Cluster.Tests;

/// <summary>
/// What the container image's /app holds, seen in a publish with the image's settings (deploy/k8s/container.targets):
/// the image is Microsoft's ASP.NET runtime image plus this directory, with no Debian fonts, so whatever the service
/// reads from disk must be in it. The image itself cannot be built here (no container runtime, no registry).
/// </summary>
public sealed class ContainerImageContentTests
{
    [Fact]
    public void The_published_app_carries_the_record_fonts_with_their_licence_and_the_workflows()
    {
        var output = Path.Combine(Path.GetTempPath(), $"consent-publish-{Guid.NewGuid():N}");
        try
        {
            var (exit, log) = Dotnet("publish", Path.Combine(Manifests.RepoRoot, "src", "Consent.Api", "Consent.Api.csproj"), "-c", "Release", "--no-build",
                "--nologo", "-v", "q", "-o", output, $"-p:CustomAfterMicrosoftCommonTargets={Path.Combine(Manifests.K8s, "container.targets")}");
            exit.ShouldBe(0, log);

            File.Exists(Path.Combine(output, "Consent.Api.dll")).ShouldBeTrue();
            foreach (var font in new[] { "DejaVuSans.ttf", "DejaVuSans-Bold.ttf" })
            {
                var path = Path.Combine(output, "fonts", font);
                File.Exists(path).ShouldBeTrue($"{font} is not in the published app's fonts/");
                File.ReadAllBytes(path).ShouldBe(File.ReadAllBytes(Path.Combine("/usr/share/fonts/truetype/dejavu", font)), $"{font} is Debian's");
            }
            File.ReadAllText(Path.Combine(output, "fonts", "DejaVu-LICENSE.txt")).ShouldContain("Bitstream Vera");
            Directory.EnumerateFiles(Path.Combine(output, "workflows"), "*.yaml", SearchOption.AllDirectories).ShouldNotBeEmpty();
        }
        finally
        {
            if (Directory.Exists(output)) Directory.Delete(output, recursive: true);
        }
    }

    private static (int Exit, string Output) Dotnet(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Manifests.RepoRoot };
        foreach (var arg in args) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output.Result + error);
    }
}

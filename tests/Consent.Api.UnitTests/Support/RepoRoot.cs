using System.Runtime.CompilerServices;

namespace Consent.Api.UnitTests.Support;

/// <summary>The repository's root, for tests that read the service's sources or the shipped workflows (files, not infrastructure).</summary>
public static class RepoRoot
{
    public static string Path { get; } = Find();

    // A build with --artifacts-path outside the tree puts the binaries where no Consent.sln is above them, so the
    // source file's own location is the fallback.
    private static string Find([CallerFilePath] string sourceFile = "")
    {
        foreach (var start in new[] { AppContext.BaseDirectory, System.IO.Path.GetDirectoryName(sourceFile) ?? "" })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(System.IO.Path.Combine(dir.FullName, "Consent.sln"))) return dir.FullName;
            }
        }
        throw new InvalidOperationException($"Consent.sln not found above {AppContext.BaseDirectory} or {sourceFile}");
    }
}

using Consent.Api.Signing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Consent.Contracts.Tests.Signing;

/// <summary>A fresh key directory under the system temp directory, removed afterwards.</summary>
public sealed class KeyDirectory : IDisposable
{
    public KeyDirectory()
    {
        Root = Directory.CreateTempSubdirectory("consent-keys-test-").FullName;
        Path = System.IO.Path.Combine(Root, "keys");
    }

    public string Root { get; }

    /// <summary>The key directory itself (not created until a key is).</summary>
    public string Path { get; }

    public SigningKeyRing Open(bool createIfMissing = true, string? activeKid = null) =>
        SigningKeyRing.Open(Path, activeKid, createIfMissing, NullLogger.Instance);

    public string[] FileNames() =>
        [.. Directory.GetFiles(Path, "*.pem").Select(System.IO.Path.GetFileName).Order(StringComparer.Ordinal)!];

    public void Dispose() => Directory.Delete(Root, recursive: true);
}

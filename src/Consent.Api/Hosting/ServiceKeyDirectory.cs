namespace Consent.Api.Hosting;

/// <summary>
/// The directory of the service's own keys, outside PostgreSQL (<c>Signing:KeyDirectory</c>, docs/adr/0001): the ES256
/// signing keys and the key that encrypts the data-protection key ring.
/// </summary>
public static class ServiceKeyDirectory
{
    /// <summary>The key directory, and whether a key may be created in it when it is missing.</summary>
    public static (string Directory, bool CreateIfMissing) Resolve(string? configured, bool? createIfMissing, IHostEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return (Path.GetFullPath(configured, environment.ContentRootPath), createIfMissing ?? environment.IsDevelopment());
        }
        // A checkout (run, test and bench commands) keeps its keys beside its other local data; a deployment has no
        // Consent.sln and must say where its keys are mounted.
        for (var dir = new DirectoryInfo(environment.ContentRootPath); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Consent.sln")))
            {
                return (Path.Combine(dir.FullName, ".data", "signing-keys"), createIfMissing ?? true);
            }
        }
        throw new InvalidOperationException(
            $"Signing:KeyDirectory is not set and no Consent.sln lies above the content root {environment.ContentRootPath}: " +
            "set Signing:KeyDirectory (CONSENT_Signing__KeyDirectory) to the directory that holds the service's signing keys.");
    }
}

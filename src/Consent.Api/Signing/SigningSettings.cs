namespace Consent.Api.Signing;

/// <summary>Settings under <c>Signing</c>.</summary>
public sealed class SigningSettings
{
    /// <summary>
    /// The key directory (relative paths are taken from the content root). Unset: <c>.data/signing-keys</c> in the
    /// checkout holding <c>Consent.sln</c> above the content root (run, test and bench commands), else start-up fails.
    /// </summary>
    public string? KeyDirectory { get; set; }

    /// <summary>The kid that signs; unset, the newest private key in the directory.</summary>
    public string? ActiveKid { get; set; }

    /// <summary>
    /// Create a key when the directory holds none. Unset: true in Development and for the checkout's local default
    /// directory; false for a configured directory outside Development, where a missing key means a missing mount.
    /// </summary>
    public bool? CreateIfMissing { get; set; }
}

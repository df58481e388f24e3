using System.Security.Cryptography;
using Consent.Contracts.Signatures;

namespace Consent.Api.Signing;

/// <summary>
/// The service's signing keys, loaded from the key directory at start-up: the one active private key, and the public
/// halves of every key (active and retired) that the JWKS publishes.
/// </summary>
public sealed partial class SigningKeyRing : IDisposable
{
    // Another instance may rotate the shared directory; its new key must reach this instance's published set before
    // subscribers see signatures by it, without waiting for this instance to restart.
    public static readonly TimeSpan DefaultRescanInterval = TimeSpan.FromSeconds(30);

    private readonly SigningKey _active;
    private readonly TimeSpan _rescanInterval;
    private readonly ILogger _logger;
    private readonly Lock _rescan = new();
    private readonly Lock _signing = new();
    private Published _published;

    private sealed record Published(ConsentKeys Keys, string Json, DateTime LoadedUtc);

    private SigningKeyRing(string directory, SigningKey active, IEnumerable<SigningKey> all, TimeSpan rescanInterval, ILogger logger)
    {
        Directory = directory;
        _active = active;
        _rescanInterval = rescanInterval;
        _logger = logger;
        _published = Publish(all);
    }

    public string Directory { get; }

    /// <summary>The kid of the key that signs.</summary>
    public string ActiveKid => _active.Kid;

    /// <summary>Every public key in the directory, active and retired (re-read at most every 30 s).</summary>
    public ConsentKeys PublishedKeys => Current().Keys;

    /// <summary><see cref="PublishedKeys"/> as the JWKS document.</summary>
    public string PublishedJson => Current().Json;

    /// <summary>Loads the directory, first creating a key in it when it holds none and <paramref name="createIfMissing"/>.</summary>
    /// <exception cref="InvalidOperationException">No key to sign with, the chosen kid is missing, or a key file is unusable.</exception>
    public static SigningKeyRing Open(string directory, string? activeKid, bool createIfMissing, ILogger logger, TimeSpan? rescanInterval = null)
    {
        if (createIfMissing && SigningKeyFiles.CreateFirstIfNone(directory, DateTimeOffset.UtcNow) is { } created)
        {
            LogCreated(logger, created, directory);
        }
        var keys = SigningKeyFiles.Load(directory);
        var signing = keys.Where(k => !k.IsRetired).ToList();
        SigningKey? active = string.IsNullOrWhiteSpace(activeKid) ? signing.LastOrDefault() : signing.Find(k => k.Kid == activeKid);
        if (active is null)
        {
            foreach (var key in keys) key.Dispose();
            throw new InvalidOperationException(
                !string.IsNullOrWhiteSpace(activeKid)
                    ? $"Signing:ActiveKid is '{activeKid}', but {directory} holds no private key {activeKid}{SigningKeyFiles.PrivateSuffix}."
                    : $"No signing key in {directory} (no <kid>{SigningKeyFiles.PrivateSuffix}), and Signing:CreateIfMissing is false. " +
                      $"Create one with 'consent keys rotate --dir {directory}', point Signing:KeyDirectory at the directory that holds " +
                      "the service's keys, or set Signing:CreateIfMissing=true to let the service create one.");
        }
        foreach (var key in keys.Where(k => k != active)) key.Dispose();
        LogActive(logger, active.Kid, directory, keys.Count);
        return new SigningKeyRing(directory, active, keys, rescanInterval ?? DefaultRescanInterval, logger);
    }

    /// <summary>An ES256 signature (IEEE P1363, r||s) by the active key.</summary>
    internal byte[] SignWithActiveKey(ReadOnlySpan<byte> signingInput)
    {
        // ECDsa instances are not documented as safe for concurrent use.
        lock (_signing)
        {
            return _active.PrivateKey!.SignData(signingInput, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        }
    }

    private Published Current()
    {
        var published = Volatile.Read(ref _published);
        if (DateTime.UtcNow - published.LoadedUtc < _rescanInterval || !_rescan.TryEnter()) return published;
        try
        {
            IReadOnlyList<SigningKey> keys;
            try
            {
                keys = SigningKeyFiles.Load(Directory);
            }
            catch (InvalidOperationException e)
            {
                // Keep publishing what was valid: dropping keys would make every subscriber reject good messages.
                LogRescanFailed(_logger, e, Directory);
                keys = [];
            }
            foreach (var key in keys) key.Dispose();
            var fresh = keys.Count == 0 ? published with { LoadedUtc = DateTime.UtcNow } : Publish(keys);
            Volatile.Write(ref _published, fresh);
            return fresh;
        }
        finally
        {
            _rescan.Exit();
        }
    }

    private Published Publish(IEnumerable<SigningKey> keys)
    {
        // The active key stays published even if its file were removed under a running service: it still signs.
        var all = keys.Select(k => (k.Kid, k.PublicKey)).Where(k => k.Kid != _active.Kid).Append((_active.Kid, _active.PublicKey));
        var set = ConsentKeys.Create(all);
        return new Published(set, set.ToJson(), DateTime.UtcNow);
    }

    public void Dispose() => _active.Dispose();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Created signing key {Kid} in {Directory}: back it up (it is not in the database)")]
    private static partial void LogCreated(ILogger logger, string kid, string directory);

    [LoggerMessage(Level = LogLevel.Information, Message = "Signing with key {Kid} from {Directory} ({Count} keys published)")]
    private static partial void LogActive(ILogger logger, string kid, string directory, int count);

    [LoggerMessage(Level = LogLevel.Error, Message = "Signing keys in {Directory} could not be re-read; the published key set is unchanged")]
    private static partial void LogRescanFailed(ILogger logger, Exception exception, string directory);
}

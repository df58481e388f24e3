using System.Globalization;
using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace Consent.Api.Signing;

/// <summary>One key of the key directory: the private half while the key still signs, the public half always.</summary>
public sealed class SigningKey(string kid, DateOnly created, DateTime writtenUtc, ECParameters publicKey, ECDsa? privateKey) : IDisposable
{
    public string Kid { get; } = kid;
    /// <summary>The creation date recorded in the kid.</summary>
    public DateOnly Created { get; } = created;
    /// <summary>When the key's file was written: orders keys created on the same day.</summary>
    public DateTime WrittenUtc { get; } = writtenUtc;
    public ECParameters PublicKey { get; } = publicKey;
    /// <summary>Null once the key is retired (only <c>&lt;kid&gt;.public.pem</c> is left).</summary>
    public ECDsa? PrivateKey { get; } = privateKey;

    public bool IsRetired => PrivateKey is null;

    public void Dispose() => PrivateKey?.Dispose();
}

/// <summary>
/// The key directory: one PKCS#8 PEM file per signing key (<c>&lt;kid&gt;.private.pem</c>, mode 0600), and for a
/// retired key only its public half (<c>&lt;kid&gt;.public.pem</c>) so that what it signed still verifies. Compiled into
/// the service and the CLI (<c>consent keys</c>), so that both read and write the same layout.
/// </summary>
public static partial class SigningKeyFiles
{
    public const string PrivateSuffix = ".private.pem";
    public const string PublicSuffix = ".public.pem";
    private const string LockFileName = ".keys.lock";
    private static readonly string P256Oid = ECCurve.NamedCurves.nistP256.Oid.Value!;

    [GeneratedRegex("^consent-(?<date>[0-9]{8})-[0-9a-f]{8}$", RegexOptions.CultureInvariant)]
    private static partial Regex KidPattern();

    /// <summary>A new kid, <c>consent-YYYYMMDD-&lt;8 hex&gt;</c>: the date orders keys, the random part keeps two keys made the same day apart.</summary>
    public static string NewKid(DateTimeOffset now) =>
        $"consent-{now.UtcDateTime.ToString("yyyyMMdd", CultureInfo.InvariantCulture)}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}";

    public static bool IsKid(string text) => TryParseKid(text, out _);

    private static bool TryParseKid(string text, out DateOnly created)
    {
        created = default;
        var match = KidPattern().Match(text);
        return match.Success && DateOnly.TryParseExact(match.Groups["date"].Value, "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.None, out created);
    }

    /// <summary>Every key in <paramref name="directory"/>, oldest first; an empty list when it has none or does not exist.</summary>
    /// <exception cref="InvalidOperationException">A key file is misnamed, unreadable, malformed, or readable by others.</exception>
    public static IReadOnlyList<SigningKey> Load(string directory)
    {
        if (!Directory.Exists(directory)) return [];
        var byKid = new SortedDictionary<string, (string? Private, string? Public)>(StringComparer.Ordinal);
        foreach (var path in Directory.EnumerateFiles(directory, "*.pem"))
        {
            var name = Path.GetFileName(path);
            var isPrivate = name.EndsWith(PrivateSuffix, StringComparison.Ordinal);
            var isPublic = name.EndsWith(PublicSuffix, StringComparison.Ordinal);
            var kid = isPrivate ? name[..^PrivateSuffix.Length] : isPublic ? name[..^PublicSuffix.Length] : "";
            if (!IsKid(kid))
            {
                // A key under another name would be silently unused, or silently trusted: neither is acceptable.
                throw new InvalidOperationException(
                    $"Signing key directory {directory}: '{name}' is not a key file name (<kid>{PrivateSuffix} or <kid>{PublicSuffix}, kid consent-YYYYMMDD-<8 hex>).");
            }
            var entry = byKid.GetValueOrDefault(kid);
            byKid[kid] = isPrivate ? entry with { Private = path } : entry with { Public = path };
        }

        var keys = new List<SigningKey>();
        try
        {
            foreach (var (kid, files) in byKid) keys.Add(Read(kid, files.Private, files.Public));
        }
        catch
        {
            foreach (var key in keys) key.Dispose();
            throw;
        }
        return [.. keys.OrderBy(k => k.Created).ThenBy(k => k.WrittenUtc).ThenBy(k => k.Kid, StringComparer.Ordinal)];
    }

    /// <summary>Creates a key when <paramref name="directory"/> holds no private key; returns its kid, or null when one exists.</summary>
    /// <remarks>Under a file lock, so that service instances (or test hosts) starting together create one key, not one each.</remarks>
    public static string? CreateFirstIfNone(string directory, DateTimeOffset now)
    {
        EnsureDirectory(directory);
        using var exclusive = Lock(directory);
        if (Directory.EnumerateFiles(directory, "*" + PrivateSuffix).Any()) return null;
        return WriteNewKey(directory, now);
    }

    /// <summary>Creates a new key, which becomes the active one, and retires every other key (its private half is deleted).</summary>
    public static string Rotate(string directory, DateTimeOffset now)
    {
        EnsureDirectory(directory);
        using var exclusive = Lock(directory);
        var existing = Load(directory);
        try
        {
            var kid = WriteNewKey(directory, now);
            foreach (var key in existing.Where(k => !k.IsRetired)) Retire(directory, key);
            return kid;
        }
        finally
        {
            foreach (var key in existing) key.Dispose();
        }
    }

    private static SigningKey Read(string kid, string? privatePath, string? publicPath)
    {
        if (!TryParseKid(kid, out var created)) throw new InvalidOperationException($"'{kid}' is not a key id.");
        ECDsa? privateKey = null;
        try
        {
            ECParameters? publicKey = null;
            if (privatePath is not null)
            {
                RefuseIfOthersCanRead(privatePath);
                privateKey = ECDsa.Create();
                var der = ReadPem(privatePath, "PRIVATE KEY");
                try
                {
                    privateKey.ImportPkcs8PrivateKey(der, out var read);
                    if (read != der.Length) throw new CryptographicException("trailing bytes after the key");
                }
                catch (CryptographicException e)
                {
                    throw new InvalidOperationException($"Signing key file {privatePath} is not a PKCS#8 EC private key: {e.Message}", e);
                }
                publicKey = P256Public(privateKey, privatePath);
            }
            if (publicPath is not null)
            {
                using var ecdsa = ECDsa.Create();
                var der = ReadPem(publicPath, "PUBLIC KEY");
                try
                {
                    ecdsa.ImportSubjectPublicKeyInfo(der, out var read);
                    if (read != der.Length) throw new CryptographicException("trailing bytes after the key");
                }
                catch (CryptographicException e)
                {
                    throw new InvalidOperationException($"Signing key file {publicPath} is not an EC public key: {e.Message}", e);
                }
                var fromPublicFile = P256Public(ecdsa, publicPath);
                if (publicKey is { } fromPrivate && !(fromPrivate.Q.X!.AsSpan().SequenceEqual(fromPublicFile.Q.X) && fromPrivate.Q.Y!.AsSpan().SequenceEqual(fromPublicFile.Q.Y)))
                {
                    throw new InvalidOperationException($"Signing key {kid}: {publicPath} is not the public half of {privatePath}.");
                }
                publicKey ??= fromPublicFile;
            }
            var written = File.GetLastWriteTimeUtc(privatePath ?? publicPath!);
            return new SigningKey(kid, created, written, publicKey!.Value, privateKey);
        }
        catch
        {
            privateKey?.Dispose();
            throw;
        }
    }

    private static byte[] ReadPem(string path, string label)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidOperationException($"Signing key file {path} cannot be read: {e.Message}", e);
        }
        if (!PemEncoding.TryFind(text, out var fields) || text[fields.Label] != label)
        {
            throw new InvalidOperationException($"Signing key file {path} is not a PEM '{label}' block.");
        }
        var der = new byte[fields.DecodedDataLength];
        if (!Convert.TryFromBase64Chars(text.AsSpan()[fields.Base64Data], der, out var written) || written != der.Length)
        {
            throw new InvalidOperationException($"Signing key file {path} has a malformed PEM body.");
        }
        return der;
    }

    private static ECParameters P256Public(ECDsa key, string path)
    {
        var parameters = key.ExportParameters(includePrivateParameters: false);
        if (parameters.Curve.Oid?.Value != P256Oid)
        {
            throw new InvalidOperationException($"Signing key file {path} is not a P-256 key (ES256 needs P-256).");
        }
        return new ECParameters { Curve = ECCurve.NamedCurves.nistP256, Q = parameters.Q };
    }

    private static void RefuseIfOthersCanRead(string path)
    {
        if (OperatingSystem.IsWindows()) return;
        const UnixFileMode others = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
            | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;
        if ((File.GetUnixFileMode(path) & others) != 0)
        {
            // As ssh does with its keys: a private key others may read is no longer private, and starting would hide that.
            throw new InvalidOperationException($"Signing key file {path} is readable by other users; run 'chmod 600 {path}'.");
        }
    }

    private static void EnsureDirectory(string directory)
    {
        if (OperatingSystem.IsWindows()) Directory.CreateDirectory(directory);
        else Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    private static string WriteNewKey(string directory, DateTimeOffset now)
    {
        var kid = NewKid(now);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        Hosting.KeyFileWriter.WriteAtomically(Path.Combine(directory, kid + PrivateSuffix), key.ExportPkcs8PrivateKeyPem(), ownerOnly: true);
        return kid;
    }

    private static void Retire(string directory, SigningKey key)
    {
        using var ecdsa = ECDsa.Create(key.PublicKey);
        // The public half is in place before the private half goes, so the key is never missing from the published set.
        var publicPath = Path.Combine(directory, key.Kid + PublicSuffix);
        if (!File.Exists(publicPath)) Hosting.KeyFileWriter.WriteAtomically(publicPath, ecdsa.ExportSubjectPublicKeyInfoPem(), ownerOnly: false);
        File.Delete(Path.Combine(directory, key.Kid + PrivateSuffix));
    }

    private static FileStream Lock(string directory)
    {
        var path = Path.Combine(directory, LockFileName);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                // FileShare.None is an exclusive flock on Unix: it holds across processes and across hosts in one process.
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(25);
            }
        }
    }
}

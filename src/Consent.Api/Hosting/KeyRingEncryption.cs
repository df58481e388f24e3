using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.XmlEncryption;

namespace Consent.Api.Hosting;

/// <summary>
/// The key that encrypts ASP.NET's data-protection keys before they are stored in PostgreSQL: 32 random bytes
/// (base64) in a file beside the signing keys, never in the database. A database reader or a stolen backup then holds
/// only ciphertext and cannot forge a dashboard session or an anti-forgery token.
/// </summary>
public sealed class KeyRingKey
{
    public const string FileName = "data-protection.key";

    private KeyRingKey(byte[] key) => Key = key;

    internal byte[] Key { get; }

    /// <summary>Names the key (a digest, not the key) so that a wrong key file is told apart from damaged data.</summary>
    public string Id => Convert.ToHexStringLower(SHA256.HashData(Key))[..16];

    public static KeyRingKey Open(string path, bool createIfMissing)
    {
        if (!File.Exists(path))
        {
            if (!createIfMissing)
            {
                throw new InvalidOperationException(
                    $"The data-protection key file {path} does not exist. Create it once (32 random bytes, base64: " +
                    $"'openssl rand -base64 32 > {path}'), keep it with the signing keys and outside the database, and back it up: " +
                    "without it no stored data-protection key can be read and every staff member must sign in again.");
            }
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            try
            {
                KeyFileWriter.WriteAtomically(path, Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)), ownerOnly: true);
            }
            catch (IOException) when (File.Exists(path))
            {
                // An instance starting beside this one got there first: its key is the one everybody uses.
            }
        }
        byte[] key;
        try
        {
            key = Convert.FromBase64String(File.ReadAllText(path).Trim());
        }
        catch (FormatException)
        {
            throw new InvalidOperationException($"The data-protection key file {path} is not base64.");
        }
        return key.Length == 32 ? new KeyRingKey(key) : throw new InvalidOperationException($"The data-protection key file {path} must hold 32 bytes, base64 (it holds {key.Length}).");
    }
}

/// <summary>Encrypts each data-protection key with AES-256-GCM under the <see cref="KeyRingKey"/>.</summary>
public sealed class KeyRingEncryptor(KeyRingKey key) : IXmlEncryptor
{
    internal static readonly byte[] Purpose = "consent data-protection key ring"u8.ToArray();

    public EncryptedXmlInfo Encrypt(XElement plaintextElement)
    {
        ArgumentNullException.ThrowIfNull(plaintextElement);
        var plain = Encoding.UTF8.GetBytes(plaintextElement.ToString(SaveOptions.DisableFormatting));
        var nonce = RandomNumberGenerator.GetBytes(AesGcm.NonceByteSizes.MaxSize);
        var cipher = new byte[plain.Length];
        var tag = new byte[AesGcm.TagByteSizes.MaxSize];
        using (var aes = new AesGcm(key.Key, tag.Length)) aes.Encrypt(nonce, plain, cipher, tag, Purpose);
        CryptographicOperations.ZeroMemory(plain);
        var element = new XElement("keyFileEncrypted",
            new XAttribute("keyId", key.Id),
            new XElement("nonce", Convert.ToBase64String(nonce)),
            new XElement("ciphertext", Convert.ToBase64String(cipher)),
            new XElement("tag", Convert.ToBase64String(tag)));
        return new EncryptedXmlInfo(element, typeof(KeyRingDecryptor));
    }
}

/// <summary>ASP.NET creates the decryptor by type, with the service provider, when it reads the key ring.</summary>
public sealed class KeyRingDecryptor(IServiceProvider services) : IXmlDecryptor
{
    public XElement Decrypt(XElement encryptedElement)
    {
        ArgumentNullException.ThrowIfNull(encryptedElement);
        var key = services.GetRequiredService<KeyRingKey>();
        var keyId = (string?)encryptedElement.Attribute("keyId");
        if (keyId != key.Id)
        {
            throw new CryptographicException(
                $"A stored data-protection key was encrypted with the key file {keyId}, and this service holds {key.Id}: " +
                $"give every instance the same {KeyRingKey.FileName}.");
        }
        byte[] Field(string name) => Convert.FromBase64String((string?)encryptedElement.Element(name) ?? throw new CryptographicException($"The encrypted key has no {name}."));
        var cipher = Field("ciphertext");
        var plain = new byte[cipher.Length];
        var tag = Field("tag");
        using (var aes = new AesGcm(key.Key, tag.Length)) aes.Decrypt(Field("nonce"), cipher, tag, plain, KeyRingEncryptor.Purpose);
        try
        {
            return XElement.Parse(Encoding.UTF8.GetString(plain));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plain);
        }
    }
}

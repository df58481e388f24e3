using System.Buffers.Text;

namespace Consent.Contracts.Signatures;

/// <summary>
/// Strict base64url (RFC 7515 §2): the URL-safe alphabet, no padding, no whitespace, and only the one canonical
/// spelling of each byte string. The BCL decoder forgives padding and whitespace; a signature check must not, or one
/// signed message could travel under several spellings and slip past deduplication on the JWS text.
/// </summary>
internal static class Base64UrlText
{
    public static string Encode(ReadOnlySpan<byte> bytes) => Base64Url.EncodeToString(bytes);

    public static bool TryDecode(ReadOnlySpan<char> text, out byte[] bytes)
    {
        bytes = [];
        if (text.Length % 4 == 1) return false;
        foreach (var c in text)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c == '-' || c == '_')) return false;
        }
        var decoded = Base64Url.DecodeFromChars(text);
        if (!Base64Url.EncodeToString(decoded).AsSpan().SequenceEqual(text)) return false;
        bytes = decoded;
        return true;
    }
}

using System.Buffers;
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
        // The OperationStatus form: DecodeFromChars and even TryDecodeFromChars throw on stray trailing bits, and a
        // hostile spelling is owed a verdict, not an exception.
        var decoded = new byte[Base64Url.GetMaxDecodedLength(text.Length)];
        if (Base64Url.DecodeFromChars(text, decoded, out var consumed, out var written) != OperationStatus.Done || consumed != text.Length) return false;
        var exact = decoded[..written];
        if (!Base64Url.EncodeToString(exact).AsSpan().SequenceEqual(text)) return false;
        bytes = exact;
        return true;
    }
}

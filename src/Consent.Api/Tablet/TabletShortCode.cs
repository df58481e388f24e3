using System.Security.Cryptography;
using Consent.Api.Consents;

namespace Consent.Api.Tablet;

/// <summary>
/// A short code a patient can type on the tablet instead of scanning the link: 8 characters from an alphabet without
/// look-alikes, valid for 15 minutes and once. Only its SHA-256 is stored, beside the tablet link it opens.
/// </summary>
public sealed class TabletShortCode
{
    public const string Alphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789";
    public const int Length = 8;
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(15);

    public string Id { get; set; } = "";
    public string TabletSessionId { get; set; } = "";
    public DateTimeOffset ExpiresAt { get; set; }

    /// <summary>A new code for a tablet link, and the record to store.</summary>
    public static (string Code, TabletShortCode Stored) New(string tabletSessionId, DateTimeOffset now)
    {
        var chars = new char[Length];
        for (var i = 0; i < Length; i++) chars[i] = Alphabet[RandomNumberGenerator.GetInt32(Alphabet.Length)];
        var code = new string(chars);
        return (code, new TabletShortCode { Id = TabletSession.HashOf(code), TabletSessionId = tabletSessionId, ExpiresAt = now + Lifetime });
    }

    /// <summary>What a person typed, as the code it means (case, spaces and dashes do not matter), or null.</summary>
    public static string? Normalize(string? typed)
    {
        if (typed is null || typed.Length > 20) return null;
        var code = new string([.. typed.ToUpperInvariant().Where(c => c is not (' ' or '-'))]);
        return code.Length == Length && code.All(Alphabet.Contains) ? code : null;
    }

    public static string Display(string code) => code[..4] + "-" + code[4..];
}

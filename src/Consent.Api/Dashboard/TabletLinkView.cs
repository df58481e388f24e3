using QRCoder;
using Consent.Api.Consents;

namespace Consent.Api.Dashboard;

/// <summary>
/// A tablet link as a coordinator hands it over: the URL (its token in the fragment), the same as a QR code for the
/// tablet's camera, and a short code to type. Shown once, right after it is made; the service keeps only hashes.
/// </summary>
public sealed record TabletLinkView(string Url, string ShortCode, string QrDataUrl, DateTimeOffset ExpiresAt)
{
    /// <summary>Whom the link is for, repeated on the hand-over screen so the tablet goes to the right person.</summary>
    public string? Patient { get; init; }

    /// <summary>Gives the link a short code (stored as a hash) and returns what the coordinator is shown.</summary>
    public static async Task<TabletLinkView> HandOverAsync(
        Marten.IDocumentStore store, HttpRequest request, string token, DateTimeOffset expiresAt, DateTimeOffset now, CancellationToken ct)
    {
        var (code, stored) = Tablet.TabletShortCode.New(TabletSession.HashOf(token), now);
        await using (var session = store.LightweightSession())
        {
            session.Store(stored);
            await session.SaveChangesAsync(ct);
        }
        return For(request, token, code, expiresAt);
    }

    private static TabletLinkView For(HttpRequest request, string token, string shortCode, DateTimeOffset expiresAt)
    {
        var url = $"{Hosting.TransportSecurity.PublicBaseUrl(request.HttpContext)}/tablet#{token}";
        using var generator = new QRCodeGenerator();
        using var data = generator.CreateQrCode(url, QRCodeGenerator.ECCLevel.M);
        var svg = new SvgQRCode(data).GetGraphic(6);
        return new TabletLinkView(url, Tablet.TabletShortCode.Display(shortCode), "data:image/svg+xml;base64," + Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(svg)), expiresAt);
    }
}

using PdfSharp.Fonts;

namespace Consent.Cli.Review;

/// <summary>
/// The packet's one typeface, DejaVu Sans (Debian's fonts-dejavu-core), embedded so that Spanish accents and the
/// arrows and quotes of the packet print on any reader. PDFsharp on Linux finds fonts only through a resolver.
/// </summary>
internal sealed class ReviewFonts(byte[] regular, byte[] bold) : IFontResolver
{
    public const string Family = "DejaVu Sans";
    public const string DefaultDirectory = "/usr/share/fonts/truetype/dejavu";

    /// <summary>Installs the faces from <paramref name="directory"/>, or names the missing file and how to get it.</summary>
    public static string? TryInstall(string directory)
    {
        if (GlobalFontSettings.FontResolver is ReviewFonts) return null;
        var (regularFile, boldFile) = (Path.Combine(directory, "DejaVuSans.ttf"), Path.Combine(directory, "DejaVuSans-Bold.ttf"));
        foreach (var file in new[] { regularFile, boldFile })
        {
            if (!File.Exists(file)) return $"{file}: missing; install Debian's fonts-dejavu-core or pass --font-dir";
        }
        GlobalFontSettings.FontResolver = new ReviewFonts(File.ReadAllBytes(regularFile), File.ReadAllBytes(boldFile));
        return null;
    }

    public FontResolverInfo? ResolveTypeface(string familyName, bool bold, bool italic) => new(bold ? "DejaVuSans-Bold" : "DejaVuSans");

    public byte[]? GetFont(string faceName) => faceName == "DejaVuSans-Bold" ? bold : regular;
}

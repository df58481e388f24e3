using PdfSharp.Fonts;

namespace Consent.Api.Records;

/// <summary>
/// The fonts a record PDF embeds: DejaVu Sans (regular and bold), which covers Spanish and every Latin accent. PDFsharp
/// reads fonts only through a resolver on Linux; its resolver is process-wide, so it is installed once.
/// </summary>
public sealed class RecordFonts : IFontResolver
{
    public const string Family = "DejaVu Sans";
    public const string DefaultDirectory = "/usr/share/fonts/truetype/dejavu";

    private static readonly Lock Gate = new();
    private readonly Dictionary<string, byte[]> _faces;

    private RecordFonts(Dictionary<string, byte[]> faces) => _faces = faces;

    /// <summary>Installs the resolver from <paramref name="directory"/> the first time; a missing font stops the caller with the path it needs.</summary>
    public static void Install(string directory)
    {
        lock (Gate)
        {
            if (GlobalFontSettings.FontResolver is RecordFonts) return;
            var faces = new Dictionary<string, byte[]>(StringComparer.Ordinal);
            foreach (var (face, file) in new[] { ("regular", "DejaVuSans.ttf"), ("bold", "DejaVuSans-Bold.ttf") })
            {
                var path = Path.Combine(directory, file);
                if (!File.Exists(path))
                {
                    throw new InvalidOperationException(
                        $"The record PDF's font {path} is missing: install Debian's fonts-dejavu-core, or set Records:FontDirectory to a directory holding {file}.");
                }
                faces[face] = File.ReadAllBytes(path);
            }
            GlobalFontSettings.FontResolver = new RecordFonts(faces);
        }
    }

    public FontResolverInfo? ResolveTypeface(string familyName, bool bold, bool italic) =>
        new(bold ? "bold" : "regular");

    public byte[]? GetFont(string faceName) => _faces.GetValueOrDefault(faceName);
}

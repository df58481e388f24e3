using PdfSharp.Fonts;

namespace Consent.Api.Records;

/// <summary>
/// The fonts a record PDF embeds: DejaVu Sans (regular and bold), which covers Spanish and every Latin accent. They ship
/// with the app in <c>fonts/</c> beside the assembly (copied at build from Debian's fonts-dejavu-core, with their
/// licence), so a container image without Debian's fonts has them too. PDFsharp reads fonts only through a resolver on
/// Linux; its resolver is process-wide, so it is installed once.
/// </summary>
public sealed class RecordFonts : IFontResolver
{
    public const string Family = "DejaVu Sans";
    public const string DebianDirectory = "/usr/share/fonts/truetype/dejavu";
    public static readonly string[] Files = ["DejaVuSans.ttf", "DejaVuSans-Bold.ttf"];

    /// <summary>The app's own copy, looked in first.</summary>
    public static string DefaultDirectory { get; } = Path.Combine(AppContext.BaseDirectory, "fonts");

    private static readonly Lock Gate = new();
    private readonly Dictionary<string, byte[]> _faces;

    private RecordFonts(Dictionary<string, byte[]> faces) => _faces = faces;

    /// <summary>Where the installed fonts were read from.</summary>
    public static string? Directory { get; private set; }

    /// <summary>
    /// Installs the resolver the first time: from <paramref name="directory"/> when one is configured
    /// (<c>Records:FontDirectory</c>), else from the app's <c>fonts/</c>, else from Debian's. A missing font stops the
    /// caller with the paths it looked in.
    /// </summary>
    public static void Install(string? directory)
    {
        lock (Gate)
        {
            if (GlobalFontSettings.FontResolver is RecordFonts) return;
            string[] candidates = directory is { Length: > 0 } ? [directory] : [DefaultDirectory, DebianDirectory];
            var found = candidates.FirstOrDefault(d => Files.All(f => File.Exists(Path.Combine(d, f))))
                ?? throw new InvalidOperationException(
                    $"The record PDF's fonts ({string.Join(", ", Files)}) are not in {string.Join(" or ", candidates)}: the build copies them into fonts/ from Debian's fonts-dejavu-core, or set Records:FontDirectory to a directory holding them.");
            var faces = new Dictionary<string, byte[]>(StringComparer.Ordinal)
            {
                ["regular"] = File.ReadAllBytes(Path.Combine(found, Files[0])),
                ["bold"] = File.ReadAllBytes(Path.Combine(found, Files[1])),
            };
            GlobalFontSettings.FontResolver = new RecordFonts(faces);
            Directory = found;
        }
    }

    public FontResolverInfo? ResolveTypeface(string familyName, bool bold, bool italic) =>
        new(bold ? "bold" : "regular");

    public byte[]? GetFont(string faceName) => _faces.GetValueOrDefault(faceName);
}

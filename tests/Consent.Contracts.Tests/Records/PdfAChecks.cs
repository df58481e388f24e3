using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using PdfSharp.Pdf;
using PdfSharp.Pdf.Advanced;
using PdfSharp.Pdf.IO;

namespace Consent.Contracts.Tests.Records;

/// <summary>
/// The PDF/A-3b requirements a record PDF can break, checked one by one on the file as written (its bytes, and its
/// objects as PDFsharp reads them, latest revision). No veraPDF runs here; this is what stands in for it, so each
/// check names the clause it stands for (ISO 19005-3, which builds on 19005-2).
/// </summary>
public static partial class PdfAChecks
{
    public static List<string> Problems(byte[] pdf)
    {
        var problems = new List<string>();
        void Check(bool ok, string problem)
        {
            if (!ok) problems.Add(problem);
        }

        // 6.1.2: header, then a comment of at least four bytes above 127 marking the file as binary.
        var header = Encoding.Latin1.GetString(pdf, 0, Math.Min(32, pdf.Length));
        Check(HeaderLine().IsMatch(header), "6.1.2 header is not %PDF-1.n (n ≤ 7)");
        var second = Array.IndexOf(pdf, (byte)'\n') + 1;
        Check(pdf.Length > second + 5 && pdf[second] == '%' && pdf.AsSpan(second + 1, 4).ToArray().All(b => b > 127), "6.1.2 no binary comment after the header");

        // 6.1.3: the last trailer has an /ID; no revision is encrypted.
        var tail = Encoding.Latin1.GetString(pdf, Math.Max(0, pdf.Length - 2048), Math.Min(pdf.Length, 2048));
        var lastTrailer = tail[Math.Max(0, tail.LastIndexOf("trailer", StringComparison.Ordinal))..];
        Check(IdArray().IsMatch(lastTrailer), "6.1.3 the last trailer has no /ID of two strings");
        Check(!Encoding.Latin1.GetString(pdf).Contains("/Encrypt", StringComparison.Ordinal), "6.1.3 /Encrypt is present");
        Check(tail.TrimEnd('\r', '\n').EndsWith("%%EOF", StringComparison.Ordinal), "6.1.3 the file does not end with %%EOF");

        using var document = PdfReader.Open(new MemoryStream(pdf), PdfDocumentOpenMode.Import);
        var catalog = document.Internals.Catalog;

        // 6.6.2.1: XMP metadata stream in the catalog, unfiltered here, identifying PDF/A-3b.
        var metadata = catalog.Elements.GetDictionary("/Metadata");
        Check(metadata is not null && metadata.Elements.GetName("/Type") == "/Metadata" && metadata.Elements.GetName("/Subtype") == "/XML", "6.6.2.1 no /Metadata stream of type XML in the catalog");
        Dictionary<string, string?> xmp = [];
        if (metadata?.Stream is { } stream)
        {
            Check(!metadata.Elements.ContainsKey("/Filter"), "6.6.2.1 the metadata stream is filtered");
            var packet = Encoding.UTF8.GetString(stream.Value);
            Check(packet.StartsWith("<?xpacket begin=", StringComparison.Ordinal) && !XpacketForbidden().IsMatch(packet), "6.6.2.1 the XMP packet header is missing or has bytes/encoding");
            xmp = Xmp(packet);
            Check(xmp["part"] == "3", $"6.6.4 pdfaid:part is {xmp["part"] ?? "missing"}, not 3");
            Check(xmp["conformance"] == "B", $"6.6.4 pdfaid:conformance is {xmp["conformance"] ?? "missing"}, not B");
        }

        // 6.6.2.3.1: every Info entry equals its XMP counterpart.
        var info = document.Info.Elements;
        foreach (var (key, property) in new[] { ("/Title", "title"), ("/Author", "creator"), ("/Subject", "description"), ("/Creator", "CreatorTool"), ("/Producer", "Producer"), ("/Keywords", "Keywords") })
        {
            if (!info.ContainsKey(key)) continue;
            Check(info.GetString(key) == xmp.GetValueOrDefault(property), $"6.6.2.3.1 Info {key} '{info.GetString(key)}' is not the XMP's '{xmp.GetValueOrDefault(property)}'");
        }
        foreach (var (key, property) in new[] { ("/CreationDate", "CreateDate"), ("/ModDate", "ModifyDate") })
        {
            if (!info.ContainsKey(key)) continue;
            var pdfDate = PdfDate(info.GetString(key));
            var xmpDate = xmp.GetValueOrDefault(property) is { } text && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed) ? parsed : (DateTimeOffset?)null;
            Check(pdfDate is not null && pdfDate == xmpDate, $"6.6.2.3.1 Info {key} '{info.GetString(key)}' is not the XMP's '{xmp.GetValueOrDefault(property)}'");
        }

        // 6.2.3: a PDF/A output intent with an RGB ICC profile (device-dependent colour is RGB and gray here).
        var intents = catalog.Elements.GetArray("/OutputIntents");
        var intent = intents?.Elements.Select((_, i) => intents.Elements.GetDictionary(i)).SingleOrDefault(d => d?.Elements.GetName("/S") == "/GTS_PDFA1");
        Check(intent is not null && intent.Elements.GetString("/OutputConditionIdentifier").Length > 0, "6.2.3 no GTS_PDFA1 output intent with an OutputConditionIdentifier");
        var profile = intent?.Elements.GetDictionary("/DestOutputProfile");
        var icc = profile?.Stream?.UnfilteredValue;
        Check(icc is { Length: > 128 } && Encoding.ASCII.GetString(icc, 36, 4) == "acsp" && Encoding.ASCII.GetString(icc, 16, 4) == "RGB "
              && Encoding.ASCII.GetString(icc, 12, 4) is "mntr" or "prtr" && icc[8] <= 4 && profile!.Elements.GetInteger("/N") == 3,
            "6.2.3 the output intent's profile is not an RGB output ICC profile of version 4 or below with /N 3");

        // 6.2.11.4: every font used is embedded (Type0 fonts through their descendant).
        var fonts = 0;
        foreach (var page in document.Pages)
        {
            var resources = page.Elements.GetDictionary("/Resources");
            var fontDictionary = resources?.Elements.GetDictionary("/Font");
            foreach (var name in fontDictionary?.Elements.Keys ?? [])
            {
                fonts++;
                var font = fontDictionary!.Elements.GetDictionary(name)!;
                var described = font.Elements.GetName("/Subtype") == "/Type0" ? font.Elements.GetArray("/DescendantFonts")!.Elements.GetDictionary(0)! : font;
                var descriptor = described.Elements.GetDictionary("/FontDescriptor");
                Check(descriptor is not null && (descriptor.Elements.ContainsKey("/FontFile") || descriptor.Elements.ContainsKey("/FontFile2") || descriptor.Elements.ContainsKey("/FontFile3")),
                    $"6.2.11.4 font {name} ({described.Elements.GetName("/BaseFont")}) is not embedded");
            }

            // 6.2.8 and 6.4: images never interpolated, no alternates or OPI; soft masks are allowed (PDF/A-2 and 3),
            // but an ExtGState soft mask only as /None, and only the standard blend modes.
            foreach (var xobject in Values(resources?.Elements.GetDictionary("/XObject")))
            {
                if (xobject.Elements.GetName("/Subtype") != "/Image") continue;
                Check(!xobject.Elements.GetBoolean("/Interpolate"), "6.2.8 an image has /Interpolate true");
                Check(!xobject.Elements.ContainsKey("/Alternates") && !xobject.Elements.ContainsKey("/OPI"), "6.2.8 an image has /Alternates or /OPI");
            }
            foreach (var state in Values(resources?.Elements.GetDictionary("/ExtGState")))
            {
                Check(!state.Elements.ContainsKey("/SMask") || state.Elements.GetName("/SMask") == "/None", "6.4 an ExtGState has a soft mask other than /None");
                Check(!state.Elements.ContainsKey("/TR") && !state.Elements.ContainsKey("/TR2") && !state.Elements.ContainsKey("/HTP"), "6.2.5 an ExtGState has a transfer function or halftone phase");
            }
            var group = page.Elements.GetDictionary("/Group");
            Check(group is null || group.Elements.GetName("/CS") is "" or "/DeviceRGB" or "/DeviceGray", "6.2.10 a page's transparency group blends in a colour space the output intent does not cover");

            // 6.3.2: annotations are printed, never hidden (there are none today; any added must keep this).
            foreach (var annotation in Values(page.Elements.GetArray("/Annots")))
            {
                var flags = annotation.Elements.GetInteger("/F");
                Check((flags & 4) != 0 && (flags & (1 | 2 | 32)) == 0, $"6.3.2 an annotation ({annotation.Elements.GetName("/Subtype")}) is not printable or is hidden (/F {flags})");
            }
            Check(!page.Elements.ContainsKey("/AA"), "6.5.1 a page has additional actions");
        }
        Check(fonts > 0, "no fonts were found: the check above checked nothing");
        Check(!catalog.Elements.ContainsKey("/AA") && !catalog.Elements.ContainsKey("/OpenAction"), "6.5.1 the catalog has actions");

        // 6.8: each attached file has F and UF, a MIME type, a modification date, and a relationship, and is in /AF.
        var associated = catalog.Elements.GetArray("/AF");
        var names = catalog.Elements.GetDictionary("/Names")?.Elements.GetDictionary("/EmbeddedFiles")?.Elements.GetArray("/Names");
        var specs = new List<PdfDictionary>();
        for (var i = 1; i < (names?.Elements.Count ?? 0); i += 2) specs.Add(names!.Elements.GetDictionary(i)!);
        Check(specs.Count > 0, "6.8 the PDF attaches no files: nothing to check");
        foreach (var spec in specs)
        {
            var file = spec.Elements.GetString("/F");
            Check(spec.Elements.ContainsKey("/UF") && file.Length > 0, $"6.8 attachment '{file}' lacks /F or /UF");
            Check(spec.Elements.GetName("/AFRelationship") is "/Source" or "/Data" or "/Alternative" or "/Supplement" or "/Unspecified", $"6.8 attachment '{file}' has no valid /AFRelationship");
            var embedded = spec.Elements.GetDictionary("/EF")?.Elements.GetDictionary("/F");
            Check(embedded?.Elements.GetName("/Subtype") is { Length: > 1 } mime && mime.Contains('/', StringComparison.Ordinal) || (embedded?.Elements.GetName("/Subtype")?.Contains("#2F", StringComparison.OrdinalIgnoreCase) ?? false),
                $"6.8 attachment '{file}' has no MIME type (/Subtype)");
            Check(embedded?.Elements.GetDictionary("/Params")?.Elements.ContainsKey("/ModDate") ?? false, $"6.8 attachment '{file}' has no /Params /ModDate");
            Check(associated is not null && associated.Elements.Any(e => e is PdfReference r && ReferenceEquals(r.Value, spec)), $"6.8 attachment '{file}' is not in the catalog's /AF");
        }
        return problems;
    }

    private static IEnumerable<PdfDictionary> Values(PdfDictionary? dictionary) =>
        dictionary is null ? [] : dictionary.Elements.Keys.Select(k => dictionary.Elements.GetDictionary(k)).OfType<PdfDictionary>();

    private static IEnumerable<PdfDictionary> Values(PdfArray? array) =>
        array is null ? [] : Enumerable.Range(0, array.Elements.Count).Select(i => array.Elements.GetDictionary(i)).OfType<PdfDictionary>();

    /// <summary>The XMP properties the checks compare, by local name (a language alternative or sequence gives its first item).</summary>
    private static Dictionary<string, string?> Xmp(string packet)
    {
        var start = packet.IndexOf("<x:xmpmeta", StringComparison.Ordinal);
        var end = packet.IndexOf("</x:xmpmeta>", StringComparison.Ordinal);
        var values = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var name in new[] { "part", "conformance", "title", "creator", "description", "CreatorTool", "Producer", "Keywords", "CreateDate", "ModifyDate" }) values[name] = null;
        if (start < 0 || end < 0) return values;
        var root = XElement.Parse(packet[start..(end + "</x:xmpmeta>".Length)]);
        foreach (var element in root.Descendants())
        {
            if (!values.TryGetValue(element.Name.LocalName, out var seen) || seen is not null) continue;
            var item = element.Descendants().FirstOrDefault(e => e.Name.LocalName == "li");
            values[element.Name.LocalName] = item?.Value ?? element.Value;
        }
        return values;
    }

    /// <summary>D:YYYYMMDDHHmmSS with Z or an offset (the forms a record PDF writes).</summary>
    private static DateTimeOffset? PdfDate(string text)
    {
        var match = PdfDateForm().Match(text);
        if (!match.Success) return null;
        var local = DateTime.ParseExact(match.Groups[1].Value, "yyyyMMddHHmmss", CultureInfo.InvariantCulture);
        var offset = match.Groups[2].Value is "" or "Z"
            ? TimeSpan.Zero
            : TimeSpan.FromMinutes((match.Groups[2].Value[0] == '-' ? -1 : 1) * (int.Parse(match.Groups[3].Value, CultureInfo.InvariantCulture) * 60 + int.Parse(match.Groups[4].Value is "" ? "0" : match.Groups[4].Value, CultureInfo.InvariantCulture)));
        return new DateTimeOffset(local, offset);
    }

    [GeneratedRegex(@"^%PDF-1\.[0-7]\r?\n")]
    private static partial Regex HeaderLine();

    [GeneratedRegex(@"/ID\s*\[\s*<[0-9A-Fa-f]+>\s*<[0-9A-Fa-f]+>\s*\]")]
    private static partial Regex IdArray();

    [GeneratedRegex(@"<\?xpacket[^>]*\b(bytes|encoding)=")]
    private static partial Regex XpacketForbidden();

    [GeneratedRegex(@"^D:(\d{14})(Z|[+-](\d{2})'?(\d{2})?'?)?$")]
    private static partial Regex PdfDateForm();
}

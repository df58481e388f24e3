using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml;
using System.Xml.Linq;
using PdfSharp.Pdf;
using PdfSharp.Pdf.IO;

namespace Consent.Api.Records;

/// <summary>
/// Makes the record PDF a PDF/A-3b file, by our own code because PDFsharp 6.2.4 cannot: its <c>SetPdfA()</c>
/// identifies the file as PDF/A-1a (part 1 forbids attachments, and conformance A needs a tagged structure that we do
/// not draw), and every save replaces the catalog's <c>/Metadata</c> with XMP of its own that names no PDF/A part.
/// So before the save the document gets its output intent (sRGB), its attachments (each with a MIME type and an
/// <c>/AFRelationship</c>, listed in the catalog's <c>/AF</c>) and no interpolated images; after it, one incremental
/// update (ISO 32000-1, 7.5.6) redefines the metadata stream and the Info dictionary, so that the XMP identifies the
/// file as PDF/A-3b and both say the same title, author, subject, tools and dates.
/// Not validated by veraPDF (none can be installed here): <c>RecordPdfATests</c> checks each requirement listed above.
/// </summary>
public static partial class RecordPdfA
{
    public const int Part = 3;
    public const string Conformance = "B";
    public const string Creator = "Consent";

    /// <summary>The output intent's profile: PDFsharp ships the ICC's sRGB2014.icc (free to copy and distribute) inside its assembly.</summary>
    public const string ProfileResource = "PdfSharp.Resources.sRGB2014.icc";

    public static readonly string Producer =
        $"Consent (PDFsharp {typeof(PdfDocument).Assembly.GetName().Version!.ToString(3)})";

    private static readonly Lazy<byte[]> Srgb = new(() =>
    {
        using var stream = typeof(PdfDocument).Assembly.GetManifestResourceStream(ProfileResource)
            ?? throw new InvalidOperationException($"The record PDF's sRGB profile ({ProfileResource} in PDFsharp) is missing: PDFsharp is pinned at 6.2.4, which ships it.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    });

    /// <summary>The ICC profile the output intent embeds.</summary>
    public static byte[] SrgbProfile => Srgb.Value;

    /// <summary>A file attached to the PDF: what it is to the document (PDF/A-3 <c>/AFRelationship</c>) and its MIME type.</summary>
    public sealed record Attachment(string Name, byte[] Content, string MimeType, string Relationship, string Description);

    /// <summary>What the Info dictionary and the XMP both say. <see cref="Date"/> is the record's own time, so a PDF of the same record reads the same.</summary>
    public sealed record Identity(string Title, string Author, string Subject, string Language, DateTimeOffset Date);

    /// <summary>Before the save: PDF 1.7, the output intent, and the attachments.</summary>
    public static void Prepare(PdfDocument document, Identity identity, IReadOnlyList<Attachment> attachments)
    {
        ArgumentNullException.ThrowIfNull(document);
        ArgumentNullException.ThrowIfNull(identity);
        ArgumentNullException.ThrowIfNull(attachments);
        document.Version = 17;
        var catalog = document.Internals.Catalog;

        var profile = new PdfDictionary(document);
        profile.Elements.SetInteger("/N", 3);
        profile.CreateStream(SrgbProfile);
        document.Internals.AddObject(profile);
        var intent = new PdfDictionary(document);
        intent.Elements.SetName("/Type", "/OutputIntent");
        intent.Elements.SetName("/S", "/GTS_PDFA1");
        intent.Elements.SetString("/OutputConditionIdentifier", "sRGB IEC61966-2.1");
        intent.Elements.SetString("/RegistryName", "http://www.color.org");
        intent.Elements.SetString("/Info", "sRGB IEC61966-2.1");
        intent.Elements.SetReference("/DestOutputProfile", profile);
        catalog.Elements["/OutputIntents"] = new PdfArray(document, intent);

        // A name tree's names are in byte order; /AF lists the same file specifications.
        var names = new PdfArray(document);
        var associated = new PdfArray(document);
        foreach (var attachment in attachments.OrderBy(a => a.Name, StringComparer.Ordinal))
        {
            var date = identity.Date.UtcDateTime;
            var parameters = new PdfDictionary(document);
            parameters.Elements.SetInteger("/Size", attachment.Content.Length);
            parameters.Elements.SetDateTime("/CreationDate", date);
            parameters.Elements.SetDateTime("/ModDate", date);
            var file = new PdfDictionary(document);
            file.Elements.SetName("/Type", "/EmbeddedFile");
            // PDFsharp writes the '/' inside the name as #2F, as a PDF name must.
            file.Elements.SetName("/Subtype", "/" + attachment.MimeType);
            file.Elements["/Params"] = parameters;
            file.CreateStream(attachment.Content);
            document.Internals.AddObject(file);

            var streams = new PdfDictionary(document);
            streams.Elements.SetReference("/F", file);
            streams.Elements.SetReference("/UF", file);
            var spec = new PdfDictionary(document);
            spec.Elements.SetName("/Type", "/Filespec");
            spec.Elements.SetString("/F", attachment.Name);
            spec.Elements.SetString("/UF", attachment.Name);
            spec.Elements.SetString("/Desc", attachment.Description);
            spec.Elements.SetName("/AFRelationship", "/" + attachment.Relationship);
            spec.Elements["/EF"] = streams;
            document.Internals.AddObject(spec);

            names.Elements.Add(new PdfString(attachment.Name));
            names.Elements.Add(spec.Reference!);
            associated.Elements.Add(spec.Reference!);
        }
        var tree = new PdfDictionary(document);
        tree.Elements["/Names"] = names;
        var nameDictionary = new PdfDictionary(document);
        nameDictionary.Elements["/EmbeddedFiles"] = tree;
        catalog.Elements["/Names"] = nameDictionary;
        catalog.Elements["/AF"] = associated;
    }

    /// <summary>
    /// After the save (with PDFsharp's compression off): the streams compressed by .NET's zlib, then one incremental
    /// update that replaces PDFsharp's metadata stream and Info dictionary by ours. The trailer keeps the file's /ID,
    /// /Root and /Size and points back to the saved revision.
    /// </summary>
    public static byte[] Finish(byte[] saved, Identity identity)
    {
        ArgumentNullException.ThrowIfNull(saved);
        ArgumentNullException.ThrowIfNull(identity);
        using var document = PdfReader.Open(new MemoryStream(saved), PdfDocumentOpenMode.Modify);
        document.Options.NoCompression = true;
        document.Options.CompressContentStreams = false;
        Compress(document);
        using var compressed = new MemoryStream();
        document.Save(compressed, closeStream: false);
        return Update(compressed.ToArray(), document, identity);
    }

    /// <summary>
    /// PDFsharp 6.2.4's deflate never ends its streams (no final block: qpdf warns, and a strict reader may refuse),
    /// which an archival file should not risk. So PDFsharp writes every stream as it is and this compresses them with
    /// .NET's zlib, except the metadata (replaced below, and never filtered in PDF/A) and the attached files (their
    /// bytes are the record's, read as they are by <c>consent verify</c>).
    /// </summary>
    private static void Compress(PdfDocument document)
    {
        foreach (var item in document.Internals.GetAllObjects())
        {
            if (item is not PdfDictionary { Stream: { } stream } dictionary) continue;
            if (dictionary.Elements.GetName("/Type") is "/Metadata" or "/EmbeddedFile") continue;
            // Images PDFsharp deflates whatever the options say: those are inflated by PDFsharp and deflated again.
            var deflatedByPdfSharp = dictionary.Elements["/Filter"] is PdfName { Value: "/FlateDecode" } && !dictionary.Elements.ContainsKey("/DecodeParms");
            if (dictionary.Elements.ContainsKey("/Filter") && !deflatedByPdfSharp) continue;
            var plain = deflatedByPdfSharp ? stream.UnfilteredValue : stream.Value;
            using var buffer = new MemoryStream();
            using (var zlib = new ZLibStream(buffer, CompressionLevel.Optimal, leaveOpen: true)) zlib.Write(plain);
            stream.Value = buffer.ToArray();
            dictionary.Elements.SetName("/Filter", "/FlateDecode");
        }
    }

    private static byte[] Update(byte[] saved, PdfDocument document, Identity identity)
    {
        var metadata = document.Internals.Catalog.Elements.GetReference("/Metadata")?.ObjectNumber
            ?? throw new InvalidOperationException("PDFsharp saved no /Metadata in the catalog.");
        // PDFsharp ends a file with "trailer <<…>>", a comment, "startxref N" and "%%EOF"; the last "trailer" is that one.
        var tail = Encoding.Latin1.GetString(saved, Math.Max(0, saved.Length - 4096), Math.Min(saved.Length, 4096));
        var at = tail.LastIndexOf("trailer", StringComparison.Ordinal);
        var trailer = at < 0 ? Match.Empty : Trailer().Match(tail, at);
        if (!trailer.Success) throw new InvalidOperationException("PDFsharp's trailer was not where it always is.");
        var size = trailer.Groups["size"].Value;
        var root = trailer.Groups["root"].Value;
        var info = int.Parse(trailer.Groups["info"].Value, CultureInfo.InvariantCulture);
        var id = trailer.Groups["id"].Value;
        var previous = trailer.Groups["startxref"].Value;

        using var output = new MemoryStream(saved.Length + 4096);
        output.Write(saved);
        if (saved[^1] != (byte)'\n') output.WriteByte((byte)'\n');
        var offsets = new SortedDictionary<int, long>();

        var xmp = Encoding.UTF8.GetBytes(Xmp(identity));
        offsets[metadata] = output.Position;
        Ascii(output, $"{metadata} 0 obj\n<</Type/Metadata/Subtype/XML/Length {xmp.Length}>>\nstream\n");
        output.Write(xmp);
        Ascii(output, "\nendstream\nendobj\n");

        offsets[info] = output.Position;
        Ascii(output, $"{info} 0 obj\n<</Title{Text(identity.Title)}/Author{Text(identity.Author)}/Subject{Text(identity.Subject)}" +
            $"/Creator{Text(Creator)}/Producer{Text(Producer)}/CreationDate({PdfDate(identity.Date)})/ModDate({PdfDate(identity.Date)})>>\nendobj\n");

        var xref = output.Position;
        var table = new StringBuilder("xref\n0 1\n0000000000 65535 f \n");
        foreach (var (number, offset) in offsets)
        {
            table.Append(CultureInfo.InvariantCulture, $"{number} 1\n{offset:D10} 00000 n \n");
        }
        table.Append(CultureInfo.InvariantCulture,
            $"trailer\n<</Size {size}/Root {root}/Info {info} 0 R/ID[{id}]/Prev {previous}>>\nstartxref\n{xref}\n%%EOF\n");
        Ascii(output, table.ToString());
        return output.ToArray();
    }

    /// <summary>The XMP packet: PDF/A identification and the Info dictionary's values (ISO 19005-3, 6.6).</summary>
    public static string Xmp(Identity identity)
    {
        ArgumentNullException.ThrowIfNull(identity);
        XNamespace x = "adobe:ns:meta/", rdf = "http://www.w3.org/1999/02/22-rdf-syntax-ns#", pdfaid = "http://www.aiim.org/pdfa/ns/id/",
            dc = "http://purl.org/dc/elements/1.1/", xmp = "http://ns.adobe.com/xap/1.0/", pdf = "http://ns.adobe.com/pdf/1.3/";
        XNamespace xml = XNamespace.Xml;
        var date = XmpDate(identity.Date);
        var description = new XElement(rdf + "Description", new XAttribute(rdf + "about", ""),
            new XAttribute(XNamespace.Xmlns + "pdfaid", pdfaid), new XAttribute(XNamespace.Xmlns + "dc", dc),
            new XAttribute(XNamespace.Xmlns + "xmp", xmp), new XAttribute(XNamespace.Xmlns + "pdf", pdf),
            new XElement(pdfaid + "part", Part.ToString(CultureInfo.InvariantCulture)),
            new XElement(pdfaid + "conformance", Conformance),
            new XElement(dc + "format", "application/pdf"),
            new XElement(dc + "title", new XElement(rdf + "Alt", new XElement(rdf + "li", new XAttribute(xml + "lang", "x-default"), identity.Title))),
            new XElement(dc + "creator", new XElement(rdf + "Seq", new XElement(rdf + "li", identity.Author))),
            new XElement(dc + "description", new XElement(rdf + "Alt", new XElement(rdf + "li", new XAttribute(xml + "lang", "x-default"), identity.Subject))),
            new XElement(dc + "language", new XElement(rdf + "Bag", new XElement(rdf + "li", identity.Language))),
            new XElement(xmp + "CreatorTool", Creator),
            new XElement(xmp + "CreateDate", date),
            new XElement(xmp + "ModifyDate", date),
            new XElement(pdf + "Producer", Producer));
        var meta = new XElement(x + "xmpmeta", new XAttribute(XNamespace.Xmlns + "x", x),
            new XElement(rdf + "RDF", new XAttribute(XNamespace.Xmlns + "rdf", rdf), description));
        var text = new StringBuilder();
        using (var writer = XmlWriter.Create(text, new XmlWriterSettings { OmitXmlDeclaration = true, Indent = true, NewLineChars = "\n" }))
        {
            meta.WriteTo(writer);
        }
        return "<?xpacket begin=\"\uFEFF\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n" + text + "\n<?xpacket end=\"w\"?>";
    }

    /// <summary>Both dates to the second in UTC, so the Info dictionary's and the XMP's are the same instant.</summary>
    public static string PdfDate(DateTimeOffset date) => date.UtcDateTime.ToString("'D:'yyyyMMddHHmmss'Z'", CultureInfo.InvariantCulture);

    public static string XmpDate(DateTimeOffset date) => date.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>A PDF text string as UTF-16BE with its byte order mark, in hex: any language, nothing to escape.</summary>
    private static string Text(string value) => "<FEFF" + Convert.ToHexString(Encoding.BigEndianUnicode.GetBytes(value)) + ">";

    private static void Ascii(Stream output, string text) => output.Write(Encoding.ASCII.GetBytes(text));

    [GeneratedRegex(@"\Gtrailer\s*<<(?=[^%]*?/Size\s+(?<size>\d+))(?=[^%]*?/Root\s+(?<root>\d+\s+\d+\s+R))(?=[^%]*?/Info\s+(?<info>\d+)\s+0\s+R)(?=[^%]*?/ID\s*\[(?<id>[^\]]*)\]).*?startxref\s+(?<startxref>\d+)\s+%%EOF\s*$", RegexOptions.Singleline)]
    private static partial Regex Trailer();
}

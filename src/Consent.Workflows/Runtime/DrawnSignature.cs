namespace Consent.Workflows.Runtime;

/// <summary>A drawn signature's PNG, decoded once from the data URL the tablet sends; its bytes are hashed into the event and stored beside it.</summary>
public sealed record DrawnSignature(byte[] Png)
{
    /// <summary>Largest drawing accepted: a tablet's signature pad is far smaller, and the bound caps what inflating may cost.</summary>
    public const int MaxWidth = 2000, MaxHeight = 1000;

    /// <summary>
    /// The decoded image, or null when <paramref name="dataUrl"/> is not a PNG data URL within the size limit that decodes
    /// as a whole: the signed record keeps these bytes as the patient's signature, so a file with only the magic bytes (or
    /// a damaged or truncated one, or a decompression bomb) must never stand in for one.
    /// </summary>
    public static DrawnSignature? FromDataUrl(string? dataUrl)
    {
        if (dataUrl is null || !dataUrl.StartsWith(PngDataUrlPrefix, StringComparison.Ordinal)) return null;
        var base64 = dataUrl.AsSpan(PngDataUrlPrefix.Length);
        if (base64.Length > (ConsentRuntime.MaxSignatureBytes + 2) / 3 * 4) return null;
        var bytes = new byte[base64.Length * 3 / 4 + 3];
        if (!Convert.TryFromBase64Chars(base64, bytes, out var written) || written <= PngMagic.Length || written > ConsentRuntime.MaxSignatureBytes) return null;
        var png = bytes[..written];
        return IsWholePng(png) ? new DrawnSignature(png) : null;
    }

    private const string PngDataUrlPrefix = "data:image/png;base64,";
    private static readonly byte[] PngMagic = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>
    /// PNG (ISO/IEC 15948) read for real: IHDR first with a bounded size and a legal format, every chunk's CRC, PLTE where
    /// the colour type needs one, consecutive IDAT chunks that inflate to exactly the scanlines the header implies (each
    /// starting with a known filter), IEND last with nothing after it.
    /// </summary>
    private static bool IsWholePng(byte[] png)
    {
        if (!png.AsSpan(0, PngMagic.Length).SequenceEqual(PngMagic)) return false;
        Header? header = null;
        var hasPalette = false;
        var idat = new MemoryStream();
        var idatState = 0; // 0 none yet, 1 inside the run of IDAT chunks, 2 after it
        var position = PngMagic.Length;
        while (true)
        {
            if (png.Length - position < 12) return false;
            var length = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(position));
            if (length > (uint)(png.Length - position - 12)) return false;
            var type = png.AsSpan(position + 4, 4);
            foreach (var letter in type) if (!char.IsAsciiLetter((char)letter)) return false;
            var data = png.AsSpan(position + 8, (int)length);
            var crc = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(position + 8 + (int)length));
            if (Crc32(png.AsSpan(position + 4, 4 + (int)length)) != crc) return false;
            position += 12 + (int)length;
            var name = System.Text.Encoding.ASCII.GetString(type);
            if (header is null && name != "IHDR") return false;
            if (idatState == 1 && name != "IDAT") idatState = 2;
            switch (name)
            {
                case "IHDR":
                    if (header is not null || (header = Header.Read(data)) is null) return false;
                    break;
                case "PLTE":
                    if (hasPalette || idatState != 0 || length == 0 || length % 3 != 0 || length / 3 > 1 << Math.Min(header!.BitDepth, 8)) return false;
                    hasPalette = true;
                    break;
                case "IDAT":
                    if (idatState == 2) return false;
                    idatState = 1;
                    idat.Write(data);
                    break;
                case "IEND":
                    return length == 0 && position == png.Length && idatState != 0
                        && (header!.ColourType != 3 || hasPalette) && Inflates(idat, header);
                default:
                    // An unknown critical chunk (upper-case first letter) means a decoder cannot draw the image.
                    if (char.IsAsciiLetterUpper((char)type[0])) return false;
                    break;
            }
        }
    }

    private sealed record Header(int Width, int Height, int BitDepth, int ColourType, bool Interlaced)
    {
        public static Header? Read(ReadOnlySpan<byte> data)
        {
            if (data.Length != 13) return null;
            var width = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(data);
            var height = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(data[4..]);
            int depth = data[8], colour = data[9];
            if (width is 0 or > MaxWidth || height is 0 or > MaxHeight) return null;
            var legalDepth = colour switch
            {
                0 => depth is 1 or 2 or 4 or 8 or 16,
                3 => depth is 1 or 2 or 4 or 8,
                2 or 4 or 6 => depth is 8 or 16,
                _ => false,
            };
            if (!legalDepth || data[10] != 0 || data[11] != 0 || data[12] > 1) return null;
            return new Header((int)width, (int)height, depth, colour, data[12] == 1);
        }

        private int BitsPerPixel => BitDepth * ColourType switch { 2 => 3, 4 => 2, 6 => 4, _ => 1 };

        /// <summary>Each scanline's byte count (without its filter byte), pass by pass for an interlaced image.</summary>
        public IEnumerable<(int Rows, int RowBytes)> Passes()
        {
            if (!Interlaced)
            {
                yield return (Height, (Width * BitsPerPixel + 7) / 8);
                yield break;
            }
            // Adam7: (x start, y start, x step, y step) of the seven passes.
            ReadOnlySpan<int> adam7 = [0, 0, 8, 8, 4, 0, 8, 8, 0, 4, 4, 8, 2, 0, 4, 4, 0, 2, 2, 4, 1, 0, 2, 2, 0, 1, 1, 2];
            var passes = new List<(int, int)>(7);
            for (var p = 0; p < 7; p++)
            {
                int x0 = adam7[p * 4], y0 = adam7[p * 4 + 1], dx = adam7[p * 4 + 2], dy = adam7[p * 4 + 3];
                int columns = (Width - x0 + dx - 1) / dx, rows = (Height - y0 + dy - 1) / dy;
                if (columns > 0 && rows > 0) passes.Add((rows, (columns * BitsPerPixel + 7) / 8));
            }
            foreach (var pass in passes) yield return pass;
        }
    }

    /// <summary>Streams the image data through zlib without keeping it: exactly the scanlines expected, each with a known filter, and nothing more.</summary>
    private static bool Inflates(MemoryStream idat, Header header)
    {
        idat.Position = 0;
        try
        {
            using var inflater = new System.IO.Compression.ZLibStream(idat, System.IO.Compression.CompressionMode.Decompress);
            var buffer = new byte[8192];
            foreach (var (rows, rowBytes) in header.Passes())
            {
                for (var row = 0; row < rows; row++)
                {
                    if (!ReadExactly(inflater, buffer.AsSpan(0, 1)) || buffer[0] > 4) return false;
                    for (var left = rowBytes; left > 0; left -= Math.Min(left, buffer.Length))
                        if (!ReadExactly(inflater, buffer.AsSpan(0, Math.Min(left, buffer.Length)))) return false;
                }
            }
            return inflater.Read(buffer, 0, 1) == 0;
        }
        catch (InvalidDataException)
        {
            return false;
        }
    }

    private static bool ReadExactly(Stream stream, Span<byte> into)
    {
        while (into.Length > 0)
        {
            var read = stream.Read(into);
            if (read == 0) return false;
            into = into[read..];
        }
        return true;
    }

    private static readonly uint[] CrcTable = BuildCrcTable();

    private static uint[] BuildCrcTable()
    {
        var table = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            var c = n;
            for (var k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            table[n] = c;
        }
        return table;
    }

    private static uint Crc32(ReadOnlySpan<byte> bytes)
    {
        var c = 0xFFFFFFFFu;
        foreach (var b in bytes) c = CrcTable[(c ^ b) & 0xFF] ^ (c >> 8);
        return c ^ 0xFFFFFFFFu;
    }
}

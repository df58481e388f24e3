using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

/// <summary>
/// A real PNG of about the size a tablet's signature pad sends (the service decodes it whole), drawn as a noisy stroke
/// so that it does not compress to nothing. A text chunk carries a serial number, so that the growth loader's consents
/// each have their own image (as patients' signatures do) at the same size.
/// </summary>
internal static class SignatureDrawing
{
    private static readonly byte[] Stroke = Draw();

    public static byte[] Png(int serial = 0) =>
        [.. Stroke, .. Chunk("tEXt", Encoding.ASCII.GetBytes($"Comment\0bench-signature-{serial:D9}")), .. Chunk("IEND", [])];

    private static byte[] Draw()
    {
        const int width = 300, height = 100;
        var random = new Random(7);
        var raw = new byte[height * (1 + width * 4)];
        for (var x = 0; x < width; x++)
        {
            var y = (int)(height / 2 + Math.Sin(x / 15.0) * 30) + random.Next(-2, 3);
            var at = y * (1 + width * 4) + 1 + x * 4;
            raw[at + 3] = 255;
        }
        var idat = new MemoryStream();
        using (var zlib = new ZLibStream(idat, CompressionLevel.Optimal, leaveOpen: true)) zlib.Write(raw);
        var header = new byte[13];
        BinaryPrimitives.WriteUInt32BigEndian(header, width);
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(4), height);
        header[8] = 8;
        header[9] = 6;
        return [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, .. Chunk("IHDR", header), .. Chunk("IDAT", idat.ToArray())];
    }

    private static byte[] Chunk(string type, byte[] data)
    {
        var chunk = new byte[12 + data.Length];
        BinaryPrimitives.WriteUInt32BigEndian(chunk, (uint)data.Length);
        Encoding.ASCII.GetBytes(type).CopyTo(chunk, 4);
        data.CopyTo(chunk, 8);
        var crc = 0xFFFFFFFFu;
        foreach (var b in chunk.AsSpan(4, 4 + data.Length))
        {
            crc ^= b;
            for (var k = 0; k < 8; k++) crc = (crc & 1) != 0 ? 0xEDB88320u ^ (crc >> 1) : crc >> 1;
        }
        BinaryPrimitives.WriteUInt32BigEndian(chunk.AsSpan(8 + data.Length), ~crc);
        return chunk;
    }
}

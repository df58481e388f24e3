using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using Consent.Workflows.Runtime;

namespace Consent.Workflows.Tests.Runtime;

/// <summary>A signature image is kept as the patient's signature, so only a PNG that decodes as a whole may stand for one.</summary>
public class DrawnSignatureTests
{
    [Theory]
    [InlineData(1, 1, 6, false)]
    [InlineData(300, 120, 6, false)]
    [InlineData(2000, 1000, 6, false)]
    [InlineData(37, 23, 2, true)]
    [InlineData(5, 3, 0, false)]
    public void A_real_png_is_accepted(int width, int height, byte colourType, bool interlaced)
    {
        var png = Png.Build(width, height, colourType, interlaced);
        DrawnSignature.FromDataUrl(Png.DataUrl(png))!.Png.ShouldBe(png);
    }

    [Fact]
    public void A_palette_png_needs_its_palette()
    {
        DrawnSignature.FromDataUrl(Png.DataUrl(Png.Build(4, 4, 3, palette: true))).ShouldNotBeNull();
        DrawnSignature.FromDataUrl(Png.DataUrl(Png.Build(4, 4, 3, palette: false))).ShouldBeNull();
    }

    [Fact]
    public void A_file_with_only_the_magic_bytes_and_a_header_shape_is_refused()
    {
        // What the tablet check used to accept: the magic bytes and an IHDR with no CRC, no image data, no end.
        byte[] forged = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0];
        DrawnSignature.FromDataUrl(Png.DataUrl(forged)).ShouldBeNull();
        DrawnSignature.FromDataUrl(Png.DataUrl([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, .. new byte[3000]])).ShouldBeNull();
    }

    [Theory]
    [InlineData(2001, 10)]
    [InlineData(10, 1001)]
    [InlineData(0, 10)]
    [InlineData(int.MaxValue, 1)]
    public void Dimensions_out_of_bounds_are_refused(int width, int height)
    {
        var png = Png.Assemble(Png.Chunk("IHDR", Png.Ihdr(width, height, 8, 6, false)), Png.Chunk("IDAT", Png.Zlib(new byte[5])), Png.Chunk("IEND", []));
        DrawnSignature.FromDataUrl(Png.DataUrl(png)).ShouldBeNull();
    }

    [Fact]
    public void A_wrong_chunk_crc_is_refused()
    {
        var png = Png.Build(10, 10, 6);
        png[^20] ^= 1; // inside the IDAT chunk's data or CRC
        DrawnSignature.FromDataUrl(Png.DataUrl(png)).ShouldBeNull();
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(1)]
    public void Image_data_must_inflate_to_exactly_the_size_the_header_implies(int difference)
    {
        var raw = new byte[10 * (1 + 10 * 4) + difference];
        var png = Png.Assemble(Png.Chunk("IHDR", Png.Ihdr(10, 10, 8, 6, false)), Png.Chunk("IDAT", Png.Zlib(raw)), Png.Chunk("IEND", []));
        DrawnSignature.FromDataUrl(Png.DataUrl(png)).ShouldBeNull();
    }

    [Fact]
    public void A_decompression_bomb_is_refused_without_inflating_it_all()
    {
        var png = Png.Assemble(Png.Chunk("IHDR", Png.Ihdr(1, 1, 8, 6, false)), Png.Chunk("IDAT", Png.Zlib(new byte[50_000_000])), Png.Chunk("IEND", []));
        png.Length.ShouldBeLessThan(ConsentRuntime.MaxSignatureBytes);
        DrawnSignature.FromDataUrl(Png.DataUrl(png)).ShouldBeNull();
    }

    [Fact]
    public void Data_that_is_not_zlib_is_refused()
    {
        var png = Png.Assemble(Png.Chunk("IHDR", Png.Ihdr(1, 1, 8, 6, false)), Png.Chunk("IDAT", Encoding.ASCII.GetBytes("not deflate at all")), Png.Chunk("IEND", []));
        DrawnSignature.FromDataUrl(Png.DataUrl(png)).ShouldBeNull();
    }

    [Fact]
    public void An_unknown_scanline_filter_is_refused()
    {
        var raw = new byte[2 * (1 + 2 * 4)];
        raw[0] = 9;
        var png = Png.Assemble(Png.Chunk("IHDR", Png.Ihdr(2, 2, 8, 6, false)), Png.Chunk("IDAT", Png.Zlib(raw)), Png.Chunk("IEND", []));
        DrawnSignature.FromDataUrl(Png.DataUrl(png)).ShouldBeNull();
    }

    [Fact]
    public void Missing_end_trailing_bytes_and_misplaced_chunks_are_refused()
    {
        var ihdr = Png.Chunk("IHDR", Png.Ihdr(2, 2, 8, 6, false));
        var idat = Png.Chunk("IDAT", Png.Zlib(new byte[2 * 9]));
        var iend = Png.Chunk("IEND", []);
        DrawnSignature.FromDataUrl(Png.DataUrl(Png.Assemble(ihdr, idat, iend))).ShouldNotBeNull();

        DrawnSignature.FromDataUrl(Png.DataUrl(Png.Assemble(ihdr, idat))).ShouldBeNull();
        DrawnSignature.FromDataUrl(Png.DataUrl([.. Png.Assemble(ihdr, idat, iend), 0])).ShouldBeNull();
        DrawnSignature.FromDataUrl(Png.DataUrl(Png.Assemble(idat, ihdr, iend))).ShouldBeNull();
        DrawnSignature.FromDataUrl(Png.DataUrl(Png.Assemble(ihdr, iend))).ShouldBeNull();
        DrawnSignature.FromDataUrl(Png.DataUrl(Png.Assemble(ihdr, ihdr, idat, iend))).ShouldBeNull();
        DrawnSignature.FromDataUrl(Png.DataUrl(Png.Assemble(ihdr, Png.Chunk("ABCD", [1]), idat, iend))).ShouldBeNull();
        // An ancillary chunk (lower-case first letter) is fine; IDAT chunks split by another chunk are not.
        DrawnSignature.FromDataUrl(Png.DataUrl(Png.Assemble(ihdr, Png.Chunk("tEXt", "a\0b"u8.ToArray()), idat, iend))).ShouldNotBeNull();
        var half = Png.Zlib(new byte[2 * 9]);
        DrawnSignature.FromDataUrl(Png.DataUrl(Png.Assemble(ihdr, Png.Chunk("IDAT", half[..5]), Png.Chunk("tEXt", "a\0b"u8.ToArray()), Png.Chunk("IDAT", half[5..]), iend))).ShouldBeNull();
        DrawnSignature.FromDataUrl(Png.DataUrl(Png.Assemble(ihdr, Png.Chunk("IDAT", half[..5]), Png.Chunk("IDAT", half[5..]), iend))).ShouldNotBeNull();
    }

    [Fact]
    public void A_chunk_length_past_the_end_is_refused()
    {
        var png = Png.Build(3, 3, 6);
        BinaryPrimitives.WriteUInt32BigEndian(png.AsSpan(33), 0x7FFF_FFFF); // the IDAT chunk's length
        DrawnSignature.FromDataUrl(Png.DataUrl(png)).ShouldBeNull();
    }

    [Theory]
    [InlineData(8, 5)]
    [InlineData(3, 2)]
    [InlineData(16, 3)]
    public void An_illegal_depth_or_colour_type_is_refused(byte depth, byte colour)
    {
        var png = Png.Assemble(Png.Chunk("IHDR", Png.Ihdr(1, 1, depth, colour, false)), Png.Chunk("IDAT", Png.Zlib(new byte[16])), Png.Chunk("IEND", []));
        DrawnSignature.FromDataUrl(Png.DataUrl(png)).ShouldBeNull();
    }
}

/// <summary>Builds PNG files byte by byte, so the tests can forge each kind of damage.</summary>
internal static class Png
{
    public static string DataUrl(byte[] png) => "data:image/png;base64," + Convert.ToBase64String(png);

    public static byte[] Build(int width, int height, byte colourType, bool interlaced = false, bool palette = false)
    {
        var bitsPerPixel = 8 * colourType switch { 2 => 3, 4 => 2, 6 => 4, _ => 1 };
        var raw = new MemoryStream();
        foreach (var (columns, rows) in interlaced ? Adam7(width, height) : [(width, height)])
            for (var y = 0; y < rows; y++)
            {
                raw.WriteByte((byte)(y % 5));
                for (var x = 0; x < (columns * bitsPerPixel + 7) / 8; x++) raw.WriteByte((byte)(x * 7 + y));
            }
        List<byte[]> chunks = [Chunk("IHDR", Ihdr(width, height, 8, colourType, interlaced))];
        if (palette) chunks.Add(Chunk("PLTE", new byte[256 * 3]));
        chunks.Add(Chunk("IDAT", Zlib(raw.ToArray())));
        chunks.Add(Chunk("IEND", []));
        return Assemble([.. chunks]);
    }

    private static IEnumerable<(int, int)> Adam7(int width, int height)
    {
        int[][] passes = [[0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4], [1, 0, 2, 2], [0, 1, 1, 2]];
        foreach (var p in passes)
        {
            int columns = (width - p[0] + p[2] - 1) / p[2], rows = (height - p[1] + p[3] - 1) / p[3];
            if (columns > 0 && rows > 0) yield return (columns, rows);
        }
    }

    public static byte[] Ihdr(int width, int height, byte depth, byte colour, bool interlaced)
    {
        var data = new byte[13];
        BinaryPrimitives.WriteUInt32BigEndian(data, (uint)width);
        BinaryPrimitives.WriteUInt32BigEndian(data.AsSpan(4), (uint)height);
        data[8] = depth;
        data[9] = colour;
        data[12] = interlaced ? (byte)1 : (byte)0;
        return data;
    }

    public static byte[] Zlib(byte[] raw)
    {
        var output = new MemoryStream();
        using (var zlib = new ZLibStream(output, CompressionLevel.SmallestSize, leaveOpen: true)) zlib.Write(raw);
        return output.ToArray();
    }

    public static byte[] Chunk(string type, byte[] data)
    {
        var chunk = new byte[12 + data.Length];
        BinaryPrimitives.WriteUInt32BigEndian(chunk, (uint)data.Length);
        Encoding.ASCII.GetBytes(type).CopyTo(chunk, 4);
        data.CopyTo(chunk, 8);
        BinaryPrimitives.WriteUInt32BigEndian(chunk.AsSpan(8 + data.Length), Crc(chunk.AsSpan(4, 4 + data.Length)));
        return chunk;
    }

    public static byte[] Assemble(params byte[][] chunks) => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, .. chunks.SelectMany(c => c)];

    // Bit by bit, unlike the decoder's table, so a mistake in one is not repeated in the other.
    private static uint Crc(ReadOnlySpan<byte> bytes)
    {
        var c = 0xFFFFFFFFu;
        foreach (var b in bytes)
        {
            c ^= b;
            for (var k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        }
        return ~c;
    }
}

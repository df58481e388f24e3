using System.Globalization;
using System.IO.Compression;
using System.Text;
using Consent.Api.Auth;
using Consent.Api.Consents;
using Consent.Api.Hosting;
using Marten;

namespace Consent.Api.Records;

/// <summary>
/// A clinic's records for a date range as one zip, written to the response as each record is ready (never the
/// whole archive in memory): per consent its JSON+JWS download and its PDF. Each record included is an access-log
/// entry, as any download is.
/// </summary>
public static class RecordExport
{
    /// <summary>A year at most: an export is a clinic's archive run, not a way to copy every record at once.</summary>
    private const int MaxDays = 366;

    public static async Task<IResult> ExportAsync(HttpContext http, string? from, string? to, IDocumentStore store, SignedRecords records)
    {
        ArgumentNullException.ThrowIfNull(http);
        if (Day(from) is not { } first) return Problems.Field(StatusCodes.Status400BadRequest, "from", "from is a date, yyyy-MM-dd.");
        if (Day(to) is not { } last) return Problems.Field(StatusCodes.Status400BadRequest, "to", "to is a date, yyyy-MM-dd.");
        if (last < first || last.DayNumber - first.DayNumber >= MaxDays)
        {
            return Problems.Field(StatusCodes.Status400BadRequest, "to", $"to is on or after from, at most {MaxDays} days later.");
        }
        var start = new DateTimeOffset(first.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        var end = new DateTimeOffset(last.AddDays(1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        List<string> ids;
        await using (var session = store.QuerySession(http.User.FindFirst(StaffRoles.ClinicClaim)!.Value))
        {
            ids = [.. await session.Query<ConsentSummary>().Where(s => s.UpdatedAt >= start && s.UpdatedAt < end)
                .OrderBy(s => s.UpdatedAt).Select(s => s.Id).ToListAsync(http.RequestAborted)];
        }
        var name = string.Create(CultureInfo.InvariantCulture, $"consent-records-{first:yyyy-MM-dd}-to-{last:yyyy-MM-dd}.zip");
        return Results.Stream(body => WriteAsync(http, body, ids, records), "application/zip", name);
    }

    private static async Task WriteAsync(HttpContext http, Stream body, IReadOnlyList<string> ids, SignedRecords records)
    {
        var ct = http.RequestAborted;
        // ZipArchive writes synchronously in places (entry headers, the central directory) and Kestrel refuses
        // synchronous writes, so the archive writes into a small buffer that is sent after each entry: at most one
        // record's bytes are held at a time.
        var buffer = new EntryBuffer();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var id in ids)
            {
                var lookup = await records.GetAsync(http, id, "export");
                // Consents without a record yet (still being read) are named, so that nothing is silently missing.
                if (lookup.Issued is not { } issued)
                {
                    Add(zip, $"{id}/no-record.txt", Encoding.UTF8.GetBytes("No signed record: the consent has not been signed or ended.\n"));
                }
                else
                {
                    Add(zip, $"{id}/record.json", RecordsApi.DownloadBytes(issued));
                    Add(zip, $"{id}/record.pdf", RecordPdf.Render(issued, Paper.A4));
                }
                await buffer.SendAsync(body, ct);
            }
        }
        await buffer.SendAsync(body, ct);
    }

    private static void Add(ZipArchive zip, string name, byte[] content)
    {
        using var stream = zip.CreateEntry(name, CompressionLevel.Fastest).Open();
        stream.Write(content);
    }

    /// <summary>A write-only, forward-only stream whose bytes are sent on when asked; not seekable, so the archive never goes back.</summary>
    private sealed class EntryBuffer : Stream
    {
        private readonly MemoryStream _pending = new();
        private long _written;

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _written; set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            _pending.Write(buffer);
            _written += buffer.Length;
        }

        public override void Flush() { }

        public async Task SendAsync(Stream destination, CancellationToken ct)
        {
            if (_pending.Length == 0) return;
            await destination.WriteAsync(_pending.GetBuffer().AsMemory(0, (int)_pending.Length), ct);
            await destination.FlushAsync(ct);
            _pending.SetLength(0);
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing) _pending.Dispose();
            base.Dispose(disposing);
        }
    }

    private static DateOnly? Day(string? text) =>
        DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day) ? day : null;
}

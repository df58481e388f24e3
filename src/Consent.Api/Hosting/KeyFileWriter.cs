namespace Consent.Api.Hosting;

/// <summary>
/// How every key file of the service is written (signing keys, the data-protection key file), by the service and by
/// the <c>consent keys</c> command (which links this file).
/// </summary>
public static class KeyFileWriter
{
    /// <summary>
    /// Writes a key file beside its target and renames it into place, so that a reader (another instance starting)
    /// sees no file or a whole one; <paramref name="ownerOnly"/> makes it 0600. A file already there is never replaced:
    /// the move fails with an <see cref="IOException"/>.
    /// </summary>
    public static void WriteAtomically(string path, string text, bool ownerOnly)
    {
        var temporary = Path.Combine(Path.GetDirectoryName(path)!, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = ownerOnly ? UnixFileMode.UserRead | UnixFileMode.UserWrite
                : UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
        }
        try
        {
            using (var stream = new FileStream(temporary, options))
            using (var writer = new StreamWriter(stream))
            {
                writer.Write(text);
                writer.Write('\n');
                writer.Flush();
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, path, overwrite: false);
        }
        finally
        {
            File.Delete(temporary);
        }
    }
}

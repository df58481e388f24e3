using System.Text.Json;
using Consent.Api.Consents.Storage;
using Consent.Api.Signing;
using Consent.Contracts.Signatures;

namespace Consent.Api.Consents.Integrity;

/// <summary>
/// Signed checkpoints of every consent's stream version, written to a directory outside PostgreSQL (by default beside
/// the signing keys). Signed heads make an edited history fail; they cannot tell that the newest events were deleted
/// and the stream's version lowered, because the event before them was once a signed head itself. A checkpoint
/// remembers how far each stream had gone: a stream now shorter than its checkpoint was truncated. What happens between
/// two checkpoints (<c>Integrity:CheckpointSeconds</c>, default 60) is covered only by the head signatures.
/// </summary>
public sealed partial class HeadCheckpoints(
    MartenTables tables, ServiceSigner signer, SigningKeyRing keys, IConfiguration configuration, ILogger<HeadCheckpoints> log) : BackgroundService
{
    public const string Type = "consent-checkpoint+jws";
    private const int Kept = 5;
    private readonly string _instance = Guid.NewGuid().ToString("N")[..8];
    private volatile IReadOnlyDictionary<(string, string), long> _latest = new Dictionary<(string, string), long>();

    private string Directory => Path.Combine(
        configuration["Integrity:CheckpointDirectory"] is { Length: > 0 } configured ? configured : Path.Combine(Path.GetDirectoryName(keys.Directory.TrimEnd('/'))!, "head-checkpoints"),
        tables.EventSchema);

    /// <summary>The version a consent's stream had reached at the newest checkpoint, if it was in one.</summary>
    public long? CheckpointedVersion(string clinic, string consentId) => _latest.TryGetValue((clinic, consentId), out var version) ? version : null;

    /// <summary>Writes a checkpoint of every stream now, and keeps the newest few of this instance.</summary>
    public async Task WriteAsync(CancellationToken ct)
    {
        var heads = await tables.ReadStreamVersionsAsync(ct);
        var payload = JsonSerializer.SerializeToUtf8Bytes(new Checkpoint(tables.EventSchema, DateTimeOffset.UtcNow, [.. heads.Select(h => new Head(h.ClinicId, h.StreamId, h.Version))]));
        System.IO.Directory.CreateDirectory(Directory);
        var name = Path.Combine(Directory, $"checkpoint-{DateTimeOffset.UtcNow:yyyyMMddHHmmssfff}-{_instance}.jws");
        await File.WriteAllTextAsync(name + ".tmp", signer.Sign(payload, Type), ct);
        File.Move(name + ".tmp", name, overwrite: true);
        foreach (var old in System.IO.Directory.GetFiles(Directory, $"checkpoint-*-{_instance}.jws").OrderDescending(StringComparer.Ordinal).Skip(Kept)) File.Delete(old);
        Load();
    }

    /// <summary>The newest checkpoint in the directory whose signature holds (any instance's); an unsigned or edited file is passed over.</summary>
    public void Load()
    {
        if (!System.IO.Directory.Exists(Directory)) return;
        foreach (var file in System.IO.Directory.GetFiles(Directory, "checkpoint-*.jws").OrderDescending(StringComparer.Ordinal))
        {
            if (Jws.TryVerify(File.ReadAllText(file), keys.PublishedKeys, Type, out var payload, out _)
                && JsonSerializer.Deserialize<Checkpoint>(payload) is { } checkpoint && checkpoint.Schema == tables.EventSchema)
            {
                _latest = checkpoint.Heads.ToDictionary(h => (h.Clinic, h.Stream), h => h.Version);
                return;
            }
            CheckpointRejected(log, Path.GetFileName(file));
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = TimeSpan.FromSeconds(configuration.GetValue("Integrity:CheckpointSeconds", 60));
        Load();
        while (!stoppingToken.IsCancellationRequested)
        {
            await Task.Delay(interval, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            if (stoppingToken.IsCancellationRequested) return;
            try
            {
                await WriteAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                CheckpointFailed(log, ex.GetType().Name);
            }
        }
    }

    private sealed record Checkpoint(string Schema, DateTimeOffset At, IReadOnlyList<Head> Heads);

    private sealed record Head(string Clinic, string Stream, long Version);

    [LoggerMessage(Level = LogLevel.Error, Message = "ALERT: checkpoint file {File} does not verify with the service's keys; it is ignored")]
    private static partial void CheckpointRejected(ILogger logger, string file);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Writing a head checkpoint failed ({Error}); retrying at the next interval")]
    private static partial void CheckpointFailed(ILogger logger, string error);
}

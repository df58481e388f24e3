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
/// With clinics spread over databases (<see cref="ClinicDatabases"/>) each database has its own series of checkpoints, in
/// a directory of its own below the default database's.
/// </summary>
public sealed partial class HeadCheckpoints(
    MartenTables tables, ClinicDatabases databases, ServiceSigner signer, SigningKeyRing keys, IConfiguration configuration, ILogger<HeadCheckpoints> log) : BackgroundService
{
    public const string Type = "consent-checkpoint+jws";
    private const int Kept = 5;
    private readonly string _instance = Guid.NewGuid().ToString("N")[..8];
    private volatile IReadOnlyDictionary<string, IReadOnlyDictionary<(string, string), long>> _latest = new Dictionary<string, IReadOnlyDictionary<(string, string), long>>();

    private string DirectoryOf(ClinicDatabase database)
    {
        var schema = Path.Combine(
            configuration["Integrity:CheckpointDirectory"] is { Length: > 0 } configured ? configured : Path.Combine(Path.GetDirectoryName(keys.Directory.TrimEnd('/'))!, "head-checkpoints"),
            tables.EventSchema);
        return database.IsDefault ? schema : Path.Combine(schema, "databases", database.Name);
    }

    /// <summary>The version a consent's stream had reached at the newest checkpoint of its clinic's database, if it was in one.</summary>
    public long? CheckpointedVersion(string clinic, string consentId) =>
        _latest.GetValueOrDefault(databases.For(clinic).Name) is { } latest && latest.TryGetValue((clinic, consentId), out var version) ? version : null;

    /// <summary>Writes a checkpoint of every stream now (of every database), and keeps the newest few of this instance.</summary>
    public async Task WriteAsync(CancellationToken ct)
    {
        foreach (var database in databases.All) await WriteAsync(database, ct);
        Load();
    }

    private async Task WriteAsync(ClinicDatabase database, CancellationToken ct)
    {
        var heads = await tables.ReadStreamVersionsAsync(database, ct);
        var payload = JsonSerializer.SerializeToUtf8Bytes(new Checkpoint(tables.EventSchema, DateTimeOffset.UtcNow, [.. heads.Select(h => new Head(h.ClinicId, h.StreamId, h.Version))]));
        var directory = DirectoryOf(database);
        System.IO.Directory.CreateDirectory(directory);
        var name = Path.Combine(directory, $"checkpoint-{DateTimeOffset.UtcNow:yyyyMMddHHmmssfff}-{_instance}.jws");
        await File.WriteAllTextAsync(name + ".tmp", signer.Sign(payload, Type), ct);
        File.Move(name + ".tmp", name, overwrite: true);
        foreach (var old in System.IO.Directory.GetFiles(directory, $"checkpoint-*-{_instance}.jws").OrderDescending(StringComparer.Ordinal).Skip(Kept)) File.Delete(old);
    }

    /// <summary>Per database, the newest checkpoint in its directory whose signature holds (any instance's); an unsigned or edited file is passed over.</summary>
    public void Load()
    {
        var latest = new Dictionary<string, IReadOnlyDictionary<(string, string), long>>(StringComparer.Ordinal);
        foreach (var database in databases.All)
        {
            if (Load(DirectoryOf(database)) is { } heads) latest[database.Name] = heads;
            else if (_latest.GetValueOrDefault(database.Name) is { } kept) latest[database.Name] = kept;
        }
        _latest = latest;
    }

    private Dictionary<(string, string), long>? Load(string directory)
    {
        if (!System.IO.Directory.Exists(directory)) return null;
        foreach (var file in System.IO.Directory.GetFiles(directory, "checkpoint-*.jws").OrderDescending(StringComparer.Ordinal))
        {
            if (Jws.TryVerify(File.ReadAllText(file), keys.PublishedKeys, Type, out var payload, out _)
                && JsonSerializer.Deserialize<Checkpoint>(payload) is { } checkpoint && checkpoint.Schema == tables.EventSchema)
            {
                return checkpoint.Heads.ToDictionary(h => (h.Clinic, h.Stream), h => h.Version);
            }
            CheckpointRejected(log, Path.GetFileName(file));
        }
        return null;
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

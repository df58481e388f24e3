using Consent.Contracts.Signatures;

namespace Consent.SchedulerSample;

/// <summary>
/// The Consent service's public keys (<c>/.well-known/consent-keys.json</c>), fetched when first needed and again when a
/// message names a key not held (the service rotated its key), at most once a minute so that a stream of forged kids
/// cannot make the scheduler hammer the service.
/// </summary>
public sealed class ConsentKeySource(IHttpClientFactory clients, TimeProvider clock) : IDisposable
{
    private static readonly TimeSpan RefreshAtMostEvery = TimeSpan.FromMinutes(1);
    private readonly SemaphoreSlim _fetch = new(1, 1);
    private ConsentKeys? _keys;
    private DateTimeOffset _fetchedAt = DateTimeOffset.MinValue;

    public async Task<ConsentKeys> CurrentAsync(CancellationToken ct) => _keys ?? await FetchAsync(ct);

    /// <summary>Fetches the key set again unless it was fetched within the last minute; returns the set held after.</summary>
    public Task<ConsentKeys> RefreshAsync(CancellationToken ct) => FetchAsync(ct);

    private async Task<ConsentKeys> FetchAsync(CancellationToken ct)
    {
        await _fetch.WaitAsync(ct);
        try
        {
            if (_keys is not null && clock.GetUtcNow() - _fetchedAt < RefreshAtMostEvery) return _keys;
            using var http = clients.CreateClient(GateConfirmations.ClientName);
            var json = await http.GetStringAsync("/.well-known/consent-keys.json", ct);
            _keys = ConsentKeys.Parse(json);
            _fetchedAt = clock.GetUtcNow();
            return _keys;
        }
        finally
        {
            _fetch.Release();
        }
    }

    public void Dispose() => _fetch.Dispose();
}

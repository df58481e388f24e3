using System.Collections.Concurrent;
using Npgsql;

namespace Consent.Cluster.FaultDriver;

/// <summary>
/// One look at the relay locks: per database, every session that held its lock, on any PostgreSQL node. Unsure when a
/// node neither answered nor refused the connection (a slow node may hold a lock nobody saw; a refused one holds none).
/// </summary>
internal sealed record RelaySample(long AtMs, IReadOnlyDictionary<string, IReadOnlyList<string>> Holders, bool Unsure);

/// <summary>Who led a database's relay before the fault and at the end, how often it changed hands, the most sessions
/// seen holding its lock at once (must be at most 1) and the longest time nobody held it.</summary>
internal sealed record RelayLeaders(string Database, string Before, string After, int Changes, int MaxHolders, double LongestGapSeconds, string Path);

/// <summary>
/// Watches which instance holds each database's relay lock (relay-holders.sql, on every PostgreSQL node directly, once a
/// second), so that a fault's table says whether the relay leader moved instead of inferring it from the events.
/// A node that does not answer (killed, stopped, restarting) holds no lock anyone could use.
/// </summary>
internal sealed class RelayWatch(IReadOnlyList<string> nodes, string sql, Ledger ledger) : IAsyncDisposable
{
    private readonly ConcurrentQueue<RelaySample> _samples = new();
    private readonly CancellationTokenSource _stop = new();
    private Task? _running;

    public void Start() => _running = Task.Run(() => RunAsync(_stop.Token));

    private async Task RunAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            var at = ledger.NowMs;
            var holders = new Dictionary<string, List<string>>(StringComparer.Ordinal);
            var unsure = false;
            // The nodes in run.sh pg-nodes' order: pg1, pg2.
            await Task.WhenAll(nodes.Select(async (node, index) =>
            {
                var (found, sure) = await AskAsync(node, stop);
                unsure |= !sure;
                foreach (var (database, holder) in found)
                {
                    lock (holders)
                    {
                        if (!holders.TryGetValue(database, out var list)) holders[database] = list = [];
                        list.Add($"{Short(holder)}({NodeNames[Math.Min(index, NodeNames.Length - 1)]})");
                    }
                }
            }));
            _samples.Enqueue(new RelaySample(at, holders.ToDictionary(h => h.Key, h => (IReadOnlyList<string>)h.Value, StringComparer.Ordinal), unsure));
            await Task.Delay(1000, stop).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    private async Task<(List<(string Database, string Holder)> Found, bool Sure)> AskAsync(string node, CancellationToken stop)
    {
        var found = new List<(string, string)>();
        try
        {
            var csb = new NpgsqlConnectionStringBuilder(node) { Timeout = 2, CommandTimeout = 2, Pooling = false, ApplicationName = "consent-fault-suite" };
            await using var connection = new NpgsqlConnection(csb.ConnectionString);
            await connection.OpenAsync(stop);
            await using var command = new NpgsqlCommand(sql, connection);
            await using var reader = await command.ExecuteReaderAsync(stop);
            while (await reader.ReadAsync(stop)) found.Add((reader.GetString(0), reader.GetString(1)));
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException or OperationCanceledException or System.Net.Sockets.SocketException)
        {
            // Refused: no postmaster on the port (killed or stopped), so no session of it holds anything. A PostgreSQL
            // error at start-up or shut-down ("the database system is starting up") likewise means no client session.
            var refused = ex is PostgresException || ex.InnerException is System.Net.Sockets.SocketException { SocketErrorCode: System.Net.Sockets.SocketError.ConnectionRefused }
                          || ex is System.Net.Sockets.SocketException { SocketErrorCode: System.Net.Sockets.SocketError.ConnectionRefused };
            return ([], refused);
        }
        return (found, true);
    }

    /// <summary>Per database (every one ever seen holding a lock, plus <paramref name="databases"/>), from the samples.</summary>
    public IReadOnlyList<RelayLeaders> Leaders(long faultAtMs, IEnumerable<string> databases)
    {
        var samples = _samples.ToArray();
        var names = databases.Concat(samples.SelectMany(s => s.Holders.Keys)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
        return [.. names.Select(database =>
        {
            string Holder(RelaySample s) => s.Holders.TryGetValue(database, out var h) && h.Count > 0 ? string.Join('+', h.Order(StringComparer.Ordinal)) : "none";
            // A sample that saw no holder while a node did not answer tells nothing: left out.
            var known = samples.Where(s => !(s.Unsure && Holder(s) == "none")).ToArray();
            var before = known.LastOrDefault(s => s.AtMs < faultAtMs && Holder(s) != "none") is { } b ? Holder(b) : "none";
            var after = known.Length > 0 ? Holder(known[^1]) : "none";
            // The holders in the order they held the lock from the fault on, each with the second (after the fault) it
            // was first seen; "none" between two when nobody held it.
            var path = new List<(string Holder, string Label)> { (before, before) };
            double longest = 0;
            long? noneSince = null;
            foreach (var sample in known.Where(s => s.AtMs >= faultAtMs))
            {
                var holder = Holder(sample);
                if (holder == "none") noneSince ??= sample.AtMs;
                else
                {
                    if (noneSince is { } since) longest = Math.Max(longest, (sample.AtMs - since) / 1000.0);
                    noneSince = null;
                }
                if (path[^1].Holder != holder) path.Add((holder, $"{holder}@{(sample.AtMs - faultAtMs) / 1000.0:0}s"));
            }
            var held = path.Select(p => p.Holder).Where(p => p != "none").ToList();
            var changes = held.Zip(held.Skip(1)).Count(p => p.First != p.Second);
            var maxHolders = samples.Length == 0 ? 0 : samples.Max(s => s.Holders.TryGetValue(database, out var h) ? h.Count : 0);
            return new RelayLeaders(database, before, after, changes, maxHolders, Math.Round(longest, 1), string.Join(" > ", path.Select(p => p.Label)));
        })];
    }

    private static readonly string[] NodeNames = ["pg1", "pg2", "pg?"];

    /// <summary>"consent-svc2" reads as "svc2" in a table (and "svc2(pg1)" with the node its session is on).</summary>
    private static string Short(string applicationName) => applicationName.StartsWith("consent-", StringComparison.Ordinal) ? applicationName["consent-".Length..] : applicationName;

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_running is not null) await _running;
        _stop.Dispose();
    }
}

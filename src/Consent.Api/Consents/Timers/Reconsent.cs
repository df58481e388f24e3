using Consent.Api.Workflows;
using Consent.Workflows.Definitions;
using Consent.Workflows.Diffing;
using Consent.Workflows.Runtime;
using Marten;
using Consent.Api.Consents;
using Consent.Api.Auditing;

namespace Consent.Api.Consents.Timers;

/// <summary>
/// When a new workflow version is published (the service starts with it in workflows/), a granted consent on an
/// older version is superseded if, and only if, the new version no longer accepts the old one and the diff
/// between them is material. The patient must then consent again to the new text.
/// </summary>
public sealed class Reconsent(IDocumentStore store, Storage.ClinicDatabases databases, PublishedWorkflows workflows, ConsentWriter writer) : IHostedService
{
    private static readonly Actor System = Actor.Service("publish");

    public async Task<int> ApplyAsync(CancellationToken ct)
    {
        var superseded = 0;
        foreach (var latest in workflows.Catalog.All.GroupBy(d => d.Id).Select(g => g.MaxBy(d => d.Version)!))
        {
            foreach (var older in workflows.Catalog.All.Where(d => d.Id == latest.Id && d.Version < latest.Version))
            {
                if (latest.Settings.AcceptedEarlierVersions.Contains(older.Version)) continue;
                var diff = WorkflowDiff.Compare(older, latest);
                if (!diff.IsMaterial) continue;
                superseded += await SupersedeAsync(older, latest, diff, ct);
            }
        }
        return superseded;
    }

    private async Task<int> SupersedeAsync(WorkflowDefinition older, WorkflowDefinition latest, DiffReport diff, CancellationToken ct)
    {
        var granted = ConsentStatus.Granted.ToContract();
        // Which consents, not the consents: this runs before the service is ready, and a clinic where the newer version
        // is not approved keeps every granted consent on the older one, start after start. Loading those as whole
        // documents took the service to 862 MB and doubled its start-up at 100,000 consents (the growth suite).
        var affected = new List<(string Clinic, string Id)>();
        foreach (var database in databases.All)
        {
            await using var query = await databases.QuerySessionAsync(store, database);
            var rows = await query.Query<ConsentSummary>()
                .Where(s => s.AnyTenant() && s.WorkflowId == older.Id && s.WorkflowVersion == older.Version && s.Status == granted)
                .Select(s => new { s.Id, Clinic = s.Record.ClinicId })
                .ToListAsync(ct);
            affected.AddRange(rows.Select(r => (r.Clinic, r.Id)));
        }
        var count = 0;
        // A version approved for some clinics only supersedes nothing at the others: their new consents still start on the older one.
        foreach (var (clinic, id) in affected.Where(a => workflows.Catalog.IsPublishedFor(latest, a.Clinic)))
        {
            // Another instance may have superseded it, or it changed (e.g. was withdrawn) at the same moment.
            var write = new ConsentWrite(clinic, id, System, new RuntimeChange(new Supersede(latest.Version, diff.MaterialSections)));
            if ((await writer.WriteAsync(write, ct)).Changed) count++;
        }
        return count;
    }

    public Task StartAsync(CancellationToken cancellationToken) => ApplyAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

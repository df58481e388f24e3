using Consent.Api.Consents.Storage;
using Consent.Api.Workflows;
using Consent.Workflows.Runtime;

namespace Consent.Api.Gate;

/// <summary>The gate's inputs for one patient and procedure in one clinic, all consistent with every write already answered.</summary>
public sealed class GateReader(MartenTables tables, PublishedWorkflows workflows, GateCache cache)
{
    public sealed record Inputs(IReadOnlyList<GateCandidate> Candidates, long Sequence);

    public GateCandidate Candidate(string consentId, ConsentState state) =>
        new(consentId, state, workflows.Catalog.Find(state.WorkflowId, state.WorkflowVersion)?.Settings.Reaffirmation?.Window);

    /// <summary>
    /// The gate's hot path: from memory while <see cref="GateCache"/> hears every change, else one round trip for only
    /// the few fields the rules read from each consent row and the sequence of the last change that touched any of them.
    /// </summary>
    public async Task<Inputs> ReadAsync(string clinic, string patientId, string procedureCode, CancellationToken ct)
    {
        if (cache.TryGet(clinic, patientId, procedureCode, out var kept)) return kept;
        var generation = cache.Generation;
        var (consents, sequence) = await tables.ReadGateRowsAsync(clinic, patientId, procedureCode, GateRules.ChangingTypeNames, ct);
        var inputs = new Inputs([.. consents.Select(c => Candidate(c.ConsentId, c.State))], sequence);
        cache.Keep(clinic, patientId, procedureCode, inputs, generation);
        return inputs;
    }
}

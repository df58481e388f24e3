using System.Diagnostics.Metrics;
using Consent.Api.Consents.Integrity;
using Consent.Api.Consents.Storage;
using Consent.Api.Signing;
using Consent.Api.Workflows;
using Consent.Workflows.Runtime;

namespace Consent.Api.Gate;

/// <summary>The gate's inputs for one patient and procedure in one clinic, all consistent with every write already answered.</summary>
public sealed partial class GateReader(
    MartenTables tables, PublishedWorkflows workflows, GateCache cache, SigningKeyRing keys, HeadCheckpoints checkpoints, ILogger<GateReader> log, IMeterFactory meters)
{
    private readonly Counter<long> _integrityFailures = meters.Create("Consent").CreateCounter<long>("consent.gate.integrity_failures");
    private readonly Counter<long> _cacheLookups = meters.Create("Consent.Gate").CreateCounter<long>("consent.gate.cache", "{lookup}", "Gate reads answered from memory (hit) or from PostgreSQL (miss).");
    private static readonly KeyValuePair<string, object?> Hit = new("result", "hit");
    private static readonly KeyValuePair<string, object?> Miss = new("result", "miss");

    public sealed record Inputs(IReadOnlyList<GateCandidate> Candidates, long Sequence);

    public GateCandidate Candidate(string consentId, ConsentState state) =>
        new(consentId, state, workflows.Catalog.Find(state.WorkflowId, state.WorkflowVersion)?.Settings.Reaffirmation?.Window);

    /// <summary>
    /// The gate's hot path: from memory while <see cref="GateCache"/> hears every change, else one round trip for only
    /// the few fields the rules read from each consent row and the sequence of the last change that touched any of them.
    /// </summary>
    public async Task<Inputs> ReadAsync(string clinic, string patientId, string procedureCode, CancellationToken ct)
    {
        if (cache.TryGet(clinic, patientId, procedureCode, out var kept))
        {
            _cacheLookups.Add(1, Hit);
            return kept;
        }
        _cacheLookups.Add(1, Miss);
        var generation = cache.Generation;
        var (consents, sequence) = await tables.ReadGateRowsAsync(clinic, patientId, procedureCode, GateRules.ChangingTypeNames, ct);
        var inputs = new Inputs([.. consents.Select(c => Checked(clinic, patientId, procedureCode, c))], sequence);
        cache.Keep(clinic, patientId, procedureCode, inputs, generation);
        return inputs;
    }

    /// <summary>
    /// A row is believed only when the service's signature over the head it names covers what the gate reads from it:
    /// a row edited in the database (a withdrawn consent set to granted, another patient's id) fails closed, and so does a
    /// row of a consent whose stream is shorter than a signed checkpoint saw it (its newest events deleted).
    /// </summary>
    private GateCandidate Checked(string clinic, string patientId, string procedureCode, MartenTables.GateRow row)
    {
        var digest = SignedHeads.GateDigest(patientId, procedureCode, row.State);
        var shortened = checkpoints.CheckpointedVersion(clinic, row.ConsentId) is { } reached && reached > row.Version;
        if (!shortened && SignedHeads.Holds(row.HeadSignature, clinic, row.ConsentId, row.Version, row.LastHash, digest, keys.PublishedKeys)) return Candidate(row.ConsentId, row.State);
        _integrityFailures.Add(1);
        RowNotSigned(log, row.ConsentId, row.Version);
        return Candidate(row.ConsentId, row.State) with { Authentic = false };
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "ALERT: the stored row of consent {ConsentId} (version {Version}) does not match the service's signed head: the gate answers integrity_error for its patient and procedure")]
    private static partial void RowNotSigned(ILogger logger, string consentId, long version);
}

using Consent.Api.Consents;
using Consent.Api.Events;
using Consent.Api.Workflows;
using Consent.Workflows.Runtime;
using Marten;
using Npgsql;

namespace Consent.Api.Gate;

/// <summary>The gate's inputs for one patient and procedure in one clinic, all consistent with every write already answered.</summary>
public sealed class GateReader(IDocumentStore store, NpgsqlDataSource db, PublishedWorkflows workflows, EventLog log, GateCache cache)
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
        var schema = store.Options.DatabaseSchemaName;
        await using var command = db.CreateCommand(
            $"""
             with consents as (
               select id, data -> 'Record' -> 'Runtime' as r from {schema}.mt_doc_consentsummary
                where tenant_id = $1 and data ->> 'PatientId' = $2 and data ->> 'ProcedureCode' = $3)
             select id, jsonb_build_object('Started', true, 'Status', r -> 'Status', 'CreatedAt', r -> 'CreatedAt', 'ValidFrom', r -> 'ValidFrom',
                      'ValidUntil', r -> 'ValidUntil', 'Reaffirmations', r -> 'Reaffirmations', 'WorkflowId', r -> 'WorkflowId',
                      'WorkflowVersion', r -> 'WorkflowVersion')::text,
                    (select coalesce(max(seq_id), 0) from {schema}.mt_events
                      where tenant_id = $1 and stream_id in (select id from consents) and mt_dotnet_type = any($4))
               from consents
             """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = clinic });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = patientId });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = procedureCode });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = log.GateChangingTypeNames });
        var serializer = store.Options.Serializer();
        var candidates = new List<GateCandidate>();
        long sequence = 0;
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            candidates.Add(Candidate(reader.GetString(0), serializer.FromJson<ConsentState>(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(reader.GetString(1))))));
            sequence = reader.GetInt64(2);
        }
        var inputs = new Inputs(candidates, sequence);
        cache.Keep(clinic, patientId, procedureCode, inputs, generation);
        return inputs;
    }
}

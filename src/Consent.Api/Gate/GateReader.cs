using Consent.Api.Consents;
using Consent.Api.Events;
using Consent.Api.Workflows;
using Consent.Workflows.Runtime;
using Marten;

namespace Consent.Api.Gate;

/// <summary>The gate's inputs for one patient and procedure in one clinic: the consents' rows and the last change's sequence.</summary>
public sealed class GateReader(PublishedWorkflows workflows, EventLog log)
{
    public static Task<IReadOnlyList<ConsentSummary>> ConsentsAsync(IQuerySession session, string patientId, string procedureCode, CancellationToken ct) =>
        session.Query<ConsentSummary>().Where(s => s.PatientId == patientId && s.ProcedureCode == procedureCode).ToListAsync(ct);

    public GateCandidate Candidate(string consentId, ConsentState state) =>
        new(consentId, state, workflows.Catalog.Find(state.WorkflowId, state.WorkflowVersion)?.Settings.Reaffirmation?.Window);

    public GateAnswer Evaluate(IEnumerable<ConsentSummary> consents, DateTimeOffset at) =>
        GateRules.Evaluate(consents.Select(c => Candidate(c.Id, c.Record.Runtime)), at);

    public Task<long> SequenceAsync(string clinic, IEnumerable<ConsentSummary> consents, CancellationToken ct) =>
        log.GateSequenceAsync(clinic, [.. consents.Select(c => c.Id)], ct);
}

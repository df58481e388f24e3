using System.Text.Json;
using Consent.Api.Consents;
using Consent.Contracts.Records;
using Consent.Workflows.Definitions;
using Consent.Workflows.Runtime;

namespace Consent.Api.Records;

/// <summary>One stored event with what the chain hashed: its data as stored (JSON), its metadata and its hashes.</summary>
public sealed record StoredEvent(long Seq, string Type, ConsentEvent Data, string DataJson, IReadOnlyDictionary<string, string> Metadata, string PrevHash, string Hash);

/// <summary>
/// Builds the record from the stored events alone (plus the workflow text they point to and the drawn signature
/// images): no I/O, so the benchmark and the tests run it as the endpoint does.
/// </summary>
public static class RecordBuilder
{
    /// <summary>A record exists once someone signed, or once the consent ended without a signature.</summary>
    public static bool HasRecord(ConsentRecord consent)
    {
        ArgumentNullException.ThrowIfNull(consent);
        return !consent.Runtime.Signatures.IsEmpty || consent.Runtime.Status.IsFinal();
    }

    /// <summary>The consent folded from its events: the service's one fold, so the record says what the service knows.</summary>
    public static ConsentRecord Fold(IEnumerable<StoredEvent> events) => events.Aggregate(ConsentRecord.None, (record, e) => record.Apply(e.Data));

    public static SignedRecord Build(
        IReadOnlyList<StoredEvent> events, WorkflowDefinition definition, IReadOnlyDictionary<string, string> signatureImages, ClinicValues clinic, string keysUrl)
    {
        ArgumentNullException.ThrowIfNull(events);
        ArgumentNullException.ThrowIfNull(definition);
        ArgumentNullException.ThrowIfNull(signatureImages);
        var consent = Fold(events);
        var state = consent.Runtime;
        string Text(LocalizedText text) => RecordText.Render(text, state.Locale, definition.DefaultLocale, clinic);
        string? Label(string stepId, string optionId) =>
            definition.FindStep(stepId)?.Options.FirstOrDefault(o => o.Id == optionId) is { } option ? Text(option.Label) : null;

        var answers = new Dictionary<string, List<RecordAnswer>>(StringComparer.Ordinal);
        void Add(string stepId, RecordAnswer answer)
        {
            if (!answers.TryGetValue(stepId, out var list)) answers[stepId] = list = [];
            list.Add(answer);
        }
        var signatures = new List<RecordSignature>();
        RecordCountersignature? countersignature = null;
        var staffSignatures = new List<RecordStaffSignature>();
        RecordEnding? ending = null;
        foreach (var stored in events)
        {
            switch (stored.Data)
            {
                case SectionRead r: Add(r.StepId, new RecordAnswer("read", r.At)); break;
                case ExplanationReopened r: Add(r.StepId, new RecordAnswer("reopened", r.At, r.QuizStepId)); break;
                case RiskAcknowledged r: Add(r.StepId, new RecordAnswer("risk_acknowledged", r.At, r.Initials)); break;
                case QuizAnswered q: Add(q.StepId, new RecordAnswer("quiz_answered", q.At, q.OptionId, Label(q.StepId, q.OptionId), q.Correct, q.Attempt)); break;
                case QuizAttemptsExhausted x: Add(x.StepId, new RecordAnswer("quiz_attempts_exhausted", x.At, Attempt: x.Attempts)); break;
                case ChoiceMade c: Add(c.StepId, new RecordAnswer("choice_made", c.At, c.OptionId, Label(c.StepId, c.OptionId))); break;
                case ProvisionAnswered p: Add(p.StepId, new RecordAnswer("provision_answered", p.At, p.Accepted ? "yes" : "no")); break;
                case DecisionRequested d: Add(d.DecisionStepId, new RecordAnswer("decision_requested", d.At, d.FromStepId)); break;
                case DecisionRecorded d: Add(d.StepId, new RecordAnswer("decision_recorded", d.At, d.Consented ? "yes" : "no")); break;
                case ConsentSigned s:
                    Add(s.StepId, new RecordAnswer("signed", s.At, s.SignerRole));
                    signatures.Add(new RecordSignature(s.StepId, s.SignerRole, s.SignerName, s.Relationship, s.Statement, s.StatementSha256,
                        signatureImages.GetValueOrDefault(s.SignatureSha256, ""), s.SignatureSha256, s.At));
                    break;
                case ConsentCountersigned c: countersignature = new RecordCountersignature(c.ClinicianName, c.At); break;
                case StaffSigned s:
                    staffSignatures.Add(new RecordStaffSignature(s.Act, s.AccountId, s.SignerName, s.Meaning, s.AuthMethod, s.AuthenticatedAt, s.At, stored.Metadata.GetValueOrDefault("role")));
                    break;
                case ConsentDeclined d: ending = new RecordEnding("declined", d.At, null); break;
                case ConsentWithdrawn w: ending = new RecordEnding("withdrawn", w.At, w.ReasonCode); break;
                case ConsentExpired x: ending = new RecordEnding("expired", x.At, null); break;
                case ConsentSuperseded s: ending = new RecordEnding("superseded", s.At, $"version {s.ToVersion}"); break;
            }
        }

        // Steps in the workflow's order, only those the patient reached; quiz and choice options in the order shown.
        var steps = definition.Steps.Where(s => answers.ContainsKey(s.Id)).Select(s => new RecordStep(
            s.Id, s.Type.ToString().ToLowerInvariant(), Text(s.Title), Text(s.Body),
            s.Options.IsDefaultOrEmpty ? null : [.. s.Options.Select(o => new RecordOption(o.Id, Text(o.Label)))],
            answers[s.Id])).ToList();

        var chain = events.Select(e => new RecordEvent(e.Seq, e.Type, JsonDocument.Parse(e.DataJson).RootElement.Clone(), e.Metadata, e.PrevHash, e.Hash)).ToList();
        return new SignedRecord
        {
            ConsentId = consent.Id,
            ClinicId = consent.ClinicId,
            PatientId = consent.PatientId,
            ProcedureCode = consent.ProcedureCode,
            Workflow = new RecordWorkflow(state.WorkflowId, state.WorkflowVersion, state.ContentHash, Text(definition.Title)),
            Locale = state.Locale,
            Status = state.Status.ToContract(),
            StreamVersion = consent.Version,
            AsOf = consent.UpdatedAt,
            CreatedAt = state.CreatedAt,
            GrantedAt = state.GrantedAt,
            ValidFrom = state.ValidFrom,
            ValidUntil = state.ValidUntil,
            Representative = state.Representative is { } rep ? new RecordRepresentative(rep.Name, rep.Relationship) : null,
            Steps = steps,
            Signatures = signatures,
            Countersignature = countersignature,
            StaffSignatures = staffSignatures.Count == 0 ? null : staffSignatures,
            Ending = ending,
            Presentation = new RecordPresentation(clinic.TimeZone, clinic.Name, keysUrl, clinic.CareTeamPhone),
            Chain = new RecordChain(chain.Count == 0 ? ChainHash.Genesis : chain[^1].Hash, chain),
        };
    }
}

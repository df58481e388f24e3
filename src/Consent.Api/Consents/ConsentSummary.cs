using Consent.Workflows.Runtime;
using JasperFx.Events;
using Marten.Events.Aggregation;

namespace Consent.Api.Consents;

/// <summary>A row of the coordinators' list, kept by an inline projection in the same transaction as the events.</summary>
public sealed class ConsentSummary
{
    public string Id { get; set; } = "";
    public string PatientId { get; set; } = "";
    /// <summary>The patient's name as staff recorded it, for the dashboard's search (health data: never logged).</summary>
    public string? PatientName { get; set; }
    public string ProcedureCode { get; set; } = "";
    public string WorkflowId { get; set; } = "";
    public int WorkflowVersion { get; set; }
    public string Status { get; set; } = "";
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    /// <summary>When the timers next need to look at this consent.</summary>
    public DateTimeOffset? DueAt { get; set; }
    /// <summary>The full state, so a list row renders a ConsentView without reading the stream.</summary>
    public ConsentRecord Record { get; set; } = ConsentRecord.None;
}

public sealed class ConsentSummaryProjection : SingleStreamProjection<ConsentSummary, string>
{
    public override ConsentSummary Evolve(ConsentSummary? snapshot, string id, IEvent e)
    {
        var summary = snapshot ?? new ConsentSummary { Id = id };
        if (e.Data is not ConsentEvent consentEvent) return summary;
        var record = summary.Record.Apply(consentEvent, ConsentStreams.HashOf(e));
        summary.Record = record;
        summary.PatientId = record.PatientId;
        summary.PatientName = record.PatientName;
        summary.ProcedureCode = record.ProcedureCode;
        summary.WorkflowId = record.Runtime.WorkflowId;
        summary.WorkflowVersion = record.Runtime.WorkflowVersion;
        summary.Status = record.Runtime.Status.ToContract();
        summary.CreatedAt = record.Runtime.Started ? record.Runtime.CreatedAt : consentEvent.At;
        summary.UpdatedAt = consentEvent.At;
        summary.DueAt = record.NextDueAt;
        return summary;
    }
}

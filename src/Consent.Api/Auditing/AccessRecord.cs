namespace Consent.Api.Auditing;

/// <summary>One read of a consent by staff: who, when, what. Stored for every staff read (HIPAA access audit).</summary>
public sealed class AccessRecord
{
    public Guid Id { get; set; }
    public string ConsentId { get; set; } = "";
    public string Actor { get; set; } = "";
    public string Role { get; set; } = "";
    public string What { get; set; } = "";
    public DateTimeOffset At { get; set; }
}

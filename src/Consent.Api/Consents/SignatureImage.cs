namespace Consent.Api.Consents;

/// <summary>A drawn signature, kept beside the events; the ConsentSigned event holds its SHA-256.</summary>
public sealed class SignatureImage
{
    public string Id { get; set; } = "";
    public string ConsentId { get; set; } = "";
    public string PngBase64 { get; set; } = "";
}

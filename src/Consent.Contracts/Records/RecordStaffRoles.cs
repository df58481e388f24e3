using System.Text.Json;

namespace Consent.Contracts.Records;

/// <summary>The role a staff signer signed in, from the signature itself or, in older records, from its event in the signed chain.</summary>
public static class RecordStaffRoles
{
    public static string? RoleOf(SignedRecord record, RecordStaffSignature signature)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(signature);
        if (signature.Role is { Length: > 0 } role) return role;
        // The chain is part of what was signed, so its actor metadata is as good as a field of the signature.
        foreach (var stored in record.Chain.Events)
        {
            if (stored.Data.ValueKind != JsonValueKind.Object) continue;
            if (Text(stored.Data, "accountId") == signature.AccountId && Text(stored.Data, "act") == signature.Act
                && stored.Data.TryGetProperty("at", out var at) && at.ValueKind == JsonValueKind.String && at.TryGetDateTimeOffset(out var when) && when == signature.At
                && stored.Metadata.TryGetValue("role", out var recorded))
            {
                return recorded;
            }
        }
        return null;
    }

    private static string? Text(JsonElement data, string name) =>
        data.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}

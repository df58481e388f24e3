using Consent.Api.Consents;
using Consent.Workflows.Runtime;
using Marten;

namespace Consent.Api.Tablet;

public static class TabletLinks
{
    /// <summary>A finished consent's tablet link stops working in the same transaction that finishes it.</summary>
    public static async Task RevokeWhenFinishedAsync(IDocumentSession session, ConsentRecord after, DateTimeOffset now, CancellationToken ct)
    {
        if (!after.Runtime.Status.IsFinal() || after.TabletTokenSha256 is not { } tokenHash) return;
        if (await session.LoadAsync<TabletSession>(tokenHash, ct) is { RevokedAt: null } tablet)
        {
            tablet.RevokedAt = now;
            tablet.RevokedReason = after.Runtime.Status.ToContract();
            session.Store(tablet);
        }
    }
}

using System.Text.Json;

namespace Consent.Api.Consents.Integrity;

/// <summary>
/// The tamper-evident chain over a consent's events: each event's hash covers the previous hash, its position,
/// its type, its data and its metadata. Data is hashed in a canonical JSON form (keys sorted, no whitespace) so
/// that PostgreSQL's jsonb normalisation of the stored row does not change the hash, while any edit does.
/// </summary>
public static class EventChain
{
    public const string Genesis = Contracts.Records.ChainHash.Genesis;

    /// <summary>One stored event as a link of the chain; <see cref="HeadSignature"/> is the service's signature over the head right after it (not hashed).</summary>
    public sealed record Link(long Seq, string Type, string DataJson, IReadOnlyDictionary<string, string> Metadata, string PrevHash, string Hash)
    {
        public string? HeadSignature { get; init; }
    }

    /// <summary>One event's hash: computed by <see cref="Contracts.Records.ChainHash"/>, the same code an offline verifier runs.</summary>
    public static string Hash(string prevHash, long seq, string type, string dataJson, IReadOnlyDictionary<string, string> metadata)
    {
        using var data = JsonDocument.Parse(dataJson);
        return Contracts.Records.ChainHash.Of(prevHash, seq, type, data.RootElement, metadata);
    }

    /// <summary>
    /// The first position whose stored hashes do not follow from the stored rows, or null when the chain holds.
    /// <paramref name="expectedLength"/> is the stream's recorded version: without it a deleted last event would
    /// leave a shorter chain that still holds.
    /// </summary>
    public static long? FirstBroken(IEnumerable<Link> links, long expectedLength)
    {
        var expectedPrev = Genesis;
        long expectedSeq = 1;
        foreach (var link in links)
        {
            if (link.Seq != expectedSeq || link.PrevHash != expectedPrev
                || link.Hash != Hash(link.PrevHash, link.Seq, link.Type, link.DataJson, link.Metadata))
            {
                return Math.Min(link.Seq, expectedSeq);
            }
            expectedPrev = link.Hash;
            expectedSeq++;
        }
        return expectedSeq - 1 == expectedLength ? null : Math.Min(expectedSeq, expectedLength + 1);
    }
}

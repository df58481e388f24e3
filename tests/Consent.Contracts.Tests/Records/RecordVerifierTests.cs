using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Consent.Api.Consents.Integrity;
using Consent.Api.Signing;
using Consent.Contracts.Records;
using Consent.Contracts.Signatures;
using Microsoft.Extensions.Logging.Abstractions;

namespace Consent.Contracts.Tests.Records;

public sealed class RecordVerifierTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("consent-record-keys-").FullName;
    private readonly SigningKeyRing _ring;

    public RecordVerifierTests() => _ring = SigningKeyRing.Open(_directory, null, createIfMissing: true, NullLogger.Instance);

    public void Dispose()
    {
        _ring.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    private string Download(SignedRecord record)
    {
        var payload = RecordJson.ToUtf8(record);
        var jws = new ServiceSigner(_ring).Sign(payload, SignedRecord.JwsType);
        return $"{{\"record\":{Encoding.UTF8.GetString(payload)},\"jws\":\"{jws}\"}}";
    }

    [Fact]
    public void The_chain_inside_a_record_is_the_services_own_chain_byte_for_byte()
    {
        // Accents, a nested object, an array and numbers: what canonical JSON must treat as the service does.
        const string data = """{"z":1.50,"a":{"y":"Núñez ñ","b":[3,2e1,"x"]},"m":null,"t":true}""";
        var metadata = new Dictionary<string, string> { ["role"] = "tablet", ["actor"] = "José" };

        var contract = ChainHash.Of(EventChain.Genesis, 7, "consent_signed", JsonDocument.Parse(data).RootElement, metadata);

        contract.ShouldBe(EventChain.Hash(EventChain.Genesis, 7, "consent_signed", data, metadata));
        ChainHash.Genesis.ShouldBe(EventChain.Genesis);
    }

    [Fact]
    public void A_record_as_signed_verifies_and_names_its_key()
    {
        var verification = RecordVerifier.VerifyDownload(Download(SampleRecords.Record()), _ring.PublishedKeys);

        verification.Problems.ShouldBeEmpty();
        verification.Valid.ShouldBeTrue();
        verification.KeyId.ShouldBe(_ring.ActiveKid);
        verification.Record!.Signatures.ShouldHaveSingleItem().SignerName.ShouldBe("José Núñez");
    }

    [Fact]
    public void A_changed_answer_is_named_by_its_place_in_the_record()
    {
        var download = JsonNode.Parse(Download(SampleRecords.Record()))!;
        download["record"]!["steps"]![1]!["answers"]![0]!["value"] = "XX";

        var verification = RecordVerifier.VerifyDownload(download.ToJsonString(), _ring.PublishedKeys);

        verification.Valid.ShouldBeFalse();
        verification.Problems.ShouldBe([new RecordProblem("record", "the record differs from what was signed at /steps/1/answers/0/value")]);
    }

    [Fact]
    public void A_removed_event_breaks_the_chain_even_when_the_record_is_not_compared()
    {
        var record = SampleRecords.Record();
        var shortened = record with { Chain = record.Chain with { Events = [.. record.Chain.Events.Where(e => e.Seq != 3)] } };

        ChainHash.Problem(shortened.Chain, shortened.StreamVersion).ShouldBe("event 3 is missing (found 4 in its place)");
        ChainHash.Problem(record.Chain, record.StreamVersion).ShouldBeNull();
    }

    [Fact]
    public void A_signature_by_an_unknown_key_or_of_another_kind_of_document_does_not_verify()
    {
        var payload = RecordJson.ToUtf8(SampleRecords.Record());
        var otherDirectory = Directory.CreateTempSubdirectory("consent-other-keys-").FullName;
        try
        {
            using var other = SigningKeyRing.Open(otherDirectory, null, createIfMissing: true, NullLogger.Instance);
            var foreign = new ServiceSigner(other).Sign(payload, SignedRecord.JwsType);
            var eventSignature = new ServiceSigner(_ring).Sign(payload, Jws.EventMessageType);

            RecordVerifier.Verify(foreign, null, _ring.PublishedKeys).Problems.ShouldHaveSingleItem().Reason.ShouldContain(other.ActiveKid);
            RecordVerifier.Verify(eventSignature, null, _ring.PublishedKeys).Problems.ShouldHaveSingleItem().Check.ShouldBe("signature");
        }
        finally
        {
            Directory.Delete(otherDirectory, recursive: true);
        }
    }
}

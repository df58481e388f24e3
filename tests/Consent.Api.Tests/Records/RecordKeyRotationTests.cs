using Consent.Api.Signing;
using Consent.Api.Tests.Support;
using Consent.Contracts.Records;
using Microsoft.Extensions.DependencyInjection;

namespace Consent.Api.Tests.Records;

public sealed class RecordKeyRotationTests
{
    [Fact]
    public async Task A_record_signed_before_a_key_rotation_still_verifies_with_the_keys_published_after_it()
    {
        var directory = Directory.CreateTempSubdirectory("consent-rotation-").FullName;
        var settings = new Dictionary<string, string?> { ["Signing:KeyDirectory"] = directory, ["Signing:CreateIfMissing"] = "true" };
        string before;
        string oldKid;
        await using (var first = new ApiFactory(settings))
        {
            var (driver, id, _) = await RecordDriver.Granted(first);
            before = (await RecordDriver.Record(driver.Coordinator, id)).ToJsonString();
            oldKid = first.Services.GetRequiredService<ServiceSigner>().KeyId;
        }

        var newKid = SigningKeyFiles.Rotate(directory, DateTimeOffset.UtcNow);
        await using var second = new ApiFactory(settings);
        var (laterDriver, laterId, _) = await RecordDriver.Granted(second);
        var after = (await RecordDriver.Record(laterDriver.Coordinator, laterId)).ToJsonString();
        var published = await RecordDriver.Keys(second);

        var old = RecordVerifier.VerifyDownload(before, published);
        old.Problems.ShouldBeEmpty();
        old.KeyId.ShouldBe(oldKid);
        var current = RecordVerifier.VerifyDownload(after, published);
        current.Problems.ShouldBeEmpty();
        current.KeyId.ShouldBe(newKid);
        newKid.ShouldNotBe(oldKid);
        File.Exists(Path.Combine(directory, oldKid + SigningKeyFiles.PrivateSuffix)).ShouldBeFalse();
    }
}

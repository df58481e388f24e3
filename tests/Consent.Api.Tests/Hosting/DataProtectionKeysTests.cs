using Consent.Api.Tests.Support;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection;

namespace Consent.Api.Tests.Hosting;

[Trait("Category", "Infrastructure")]
public sealed class DataProtectionKeysTests
{
    [Fact]
    public async Task What_one_service_instance_protects_another_instance_on_the_same_database_can_read()
    {
        var settings = new Dictionary<string, string?> { ["Store:Schema"] = "keys_" + Guid.NewGuid().ToString("N")[..8] };
        string protectedText;
        await using (var first = new ApiFactory(settings))
        {
            protectedText = first.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("test").Protect("a cookie's contents");
        }
        await using var second = new ApiFactory(settings);
        second.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("test").Unprotect(protectedText).ShouldBe("a cookie's contents");
    }
}

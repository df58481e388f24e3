using System.Security.Cryptography;
using Consent.Api.Tests.Support;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection;

namespace Consent.Api.Tests.Hosting;

[Trait("Category", "Infrastructure")]
public sealed class DataProtectionKeysTests
{
    private readonly string _schema = "keys_" + Guid.NewGuid().ToString("N")[..8];

    private Dictionary<string, string?> Settings(string? keyFile = null) => new()
    {
        ["Store:Schema"] = _schema,
        ["DataProtection:KeyFile"] = keyFile,
    };

    private static string Protect(ApiFactory factory) =>
        factory.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("test").Protect("a cookie's contents");

    private static string Unprotect(ApiFactory factory, string text) =>
        factory.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("test").Unprotect(text);

    [Fact]
    public async Task What_one_service_instance_protects_another_instance_on_the_same_database_can_read()
    {
        string protectedText;
        await using (var first = new ApiFactory(Settings())) protectedText = Protect(first);
        await using var second = new ApiFactory(Settings());
        Unprotect(second, protectedText).ShouldBe("a cookie's contents");
    }

    [Fact]
    public async Task The_database_holds_the_key_ring_only_encrypted_and_without_the_key_file_a_reader_cannot_use_it()
    {
        var keyDirectory = Directory.CreateTempSubdirectory("consent-kek-");
        try
        {
            string protectedText;
            await using (var first = new ApiFactory(Settings(Path.Combine(keyDirectory.FullName, "a.key")))) protectedText = Protect(first);

            var stored = await StoredRows.ReadAllDocumentsAsync(_schema, "dataprotectionkey");
            stored.ShouldNotBeEmpty();
            foreach (var row in stored)
            {
                row.ShouldContain("keyFileEncrypted");
                row.ShouldNotContain("masterKey", Case.Insensitive, "the key's secret is never stored in the clear");
            }

            // Another key file (a stolen backup restored elsewhere, or an instance given the wrong file) reads nothing.
            await using var other = new ApiFactory(Settings(Path.Combine(keyDirectory.FullName, "b.key")));
            Should.Throw<CryptographicException>(() => Unprotect(other, protectedText));
        }
        finally
        {
            keyDirectory.Delete(recursive: true);
        }
    }
}

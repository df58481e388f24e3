using System.Xml.Linq;
using Marten;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;

namespace Consent.Api.Hosting;

/// <summary>A data-protection key ring entry, as ASP.NET writes it.</summary>
public sealed class DataProtectionKey
{
    public string Id { get; set; } = "";
    public string Xml { get; set; } = "";
}

/// <summary>
/// Keeps ASP.NET's data-protection keys (which sign cookies and anti-forgery tokens) in PostgreSQL, so every service
/// instance shares them and a restart does not sign everyone out; each key is stored encrypted under a key file kept
/// outside the database (<see cref="KeyRingKey"/>), so a database reader cannot forge a session with them.
/// </summary>
public sealed class MartenXmlRepository(IDocumentStore store) : IXmlRepository
{
    // ASP.NET calls these synchronously and rarely (start-up, key rotation); Marten is asynchronous only, so they
    // block on a pool thread for the one query.
    public IReadOnlyCollection<XElement> GetAllElements() => Task.Run(async () =>
    {
        await using var session = store.QuerySession();
        var keys = await session.Query<DataProtectionKey>().ToListAsync();
        return (IReadOnlyCollection<XElement>)[.. keys.Select(k => XElement.Parse(k.Xml))];
    }).GetAwaiter().GetResult();

    public void StoreElement(XElement element, string friendlyName) => Task.Run(async () =>
    {
        await using var session = store.LightweightSession();
        session.Store(new DataProtectionKey { Id = string.IsNullOrEmpty(friendlyName) ? Guid.NewGuid().ToString() : friendlyName, Xml = element.ToString(SaveOptions.DisableFormatting) });
        await session.SaveChangesAsync();
    }).GetAwaiter().GetResult();
}

public static class DataProtectionKeys
{
    public static IServiceCollection AddConsentDataProtection(this IServiceCollection services)
    {
        services.AddDataProtection().SetApplicationName("consent");
        // Keys that sign cookies and anti-forgery tokens belong to the service, not to a clinic.
        services.ConfigureMarten(options => options.Schema.For<DataProtectionKey>().SingleTenanted());
        services.AddSingleton(provider =>
        {
            var configuration = provider.GetRequiredService<IConfiguration>();
            var (directory, createIfMissing) = ServiceKeyDirectory.Resolve(
                configuration["Signing:KeyDirectory"], configuration.GetValue<bool?>("Signing:CreateIfMissing"), provider.GetRequiredService<IHostEnvironment>());
            return KeyRingKey.Open(configuration["DataProtection:KeyFile"] is { Length: > 0 } file
                ? Path.GetFullPath(file, provider.GetRequiredService<IHostEnvironment>().ContentRootPath)
                : Path.Combine(directory, KeyRingKey.FileName), createIfMissing);
        });
        // Read at start-up rather than at the first sign-in: a missing or broken key file stops the start.
        services.AddHostedService(provider => new KeyRingKeyCheck(provider.GetRequiredService<KeyRingKey>()));
        services.AddOptions<KeyManagementOptions>().Configure<IDocumentStore, KeyRingKey>((options, store, key) =>
        {
            options.XmlRepository = new MartenXmlRepository(store);
            options.XmlEncryptor = new KeyRingEncryptor(key);
        });
        return services;
    }
}

/// <summary>Holds the key file from start-up on; resolving it is the check.</summary>
internal sealed class KeyRingKeyCheck(KeyRingKey key) : IHostedService
{
    public KeyRingKey Key { get; } = key;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

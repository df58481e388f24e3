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
/// instance shares them and a restart does not sign everyone out. In production protect them at rest as well
/// (<c>ProtectKeysWith…</c>); the database is the service's own and holds patient data anyway.
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
        services.AddOptions<KeyManagementOptions>().Configure<IDocumentStore>((options, store) => options.XmlRepository = new MartenXmlRepository(store));
        return services;
    }
}

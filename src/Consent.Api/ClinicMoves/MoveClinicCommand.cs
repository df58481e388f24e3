using Consent.Api.Consents.Integrity;
using Consent.Api.Consents.Storage;
using Consent.Api.Signing;
using Marten;

namespace Consent.Api.ClinicMoves;

/// <summary>What <c>Consent.Api move-clinic</c> was asked to do, or why it cannot be done.</summary>
public sealed record MoveClinicRequest(string Clinic, string Source, string? Target, bool DeleteSource, bool Plan, string? Refusal);

/// <summary>
/// <c>Consent.Api move-clinic</c>, beside <c>migrate</c>: the service's own program, reading the service's own
/// configuration, so a database name means what it means to the running service (docs/adr/0003-clinic-databases.md).
/// <code>
/// Consent.Api move-clinic --clinic C --to T [--plan]            copy C from its configured database to T, then verify it there
/// Consent.Api move-clinic --clinic C --from S --delete-source [--plan]   once C is mapped to T: delete C's rows from S
/// </code>
/// Run with the schema owner's connection strings (it reads and writes rows the service's role may not delete, and
/// holds the target's relay lock), with the service's instances stopped. Exit code 0 when done, 1 when refused or
/// failed (nothing changed), 2 for a command line it does not understand.
/// </summary>
public static class MoveClinicCommand
{
    public const string Verb = "move-clinic";

    private const string Usage =
        "usage: Consent.Api move-clinic --clinic CLINIC --to DATABASE [--plan]\n" +
        "       Consent.Api move-clinic --clinic CLINIC --from DATABASE --delete-source [--plan]";

    /// <summary>Options of the host itself, which the command line may carry beside the command's.</summary>
    private static readonly string[] HostOptions = ["--contentRoot", "--environment", "--applicationName"];

    /// <summary>
    /// Whether this run is <c>move-clinic</c>. For a copy, the host is then configured as the service will be after the
    /// move (the clinic mapped to the target), so that the moved consents are verified exactly as the service will read
    /// them; and it never changes the schema (the owner's connection is used for rows, not DDL). Called once the
    /// service's configuration sources are all added (its <c>CONSENT_</c> variables included), so that it reads what the
    /// service reads.
    /// </summary>
    public static MoveClinicRequest? IsMoveClinicCommand(this WebApplicationBuilder builder, string[] args)
    {
        if (args is not [Verb, ..]) return null;
        var request = Parse(args[1..], builder.Configuration);
        var overrides = new Dictionary<string, string?> { [SchemaOwnership.ApplySchemaChangesKey] = "false" };
        if (request is { Refusal: null, DeleteSource: false, Target: { } target }) overrides[$"{ClinicDatabases.ClinicsSection}:{request.Clinic}"] = target;
        builder.Configuration.AddInMemoryCollection(overrides);
        return request;
    }

    /// <summary>Runs the move; the host is built but never started, so no listener, relay or timer runs.</summary>
    public static async Task<int> MoveClinicAsync(this WebApplication app, MoveClinicRequest request)
    {
        if (request.Refusal is { } refusal)
        {
            await Console.Error.WriteLineAsync($"move-clinic: {refusal}");
            return request.Clinic.Length == 0 || refusal.StartsWith("usage", StringComparison.Ordinal) ? 2 : 1;
        }
        var move = new ClinicMove(app.Services.GetRequiredService<IDocumentStore>(), app.Services.GetRequiredService<ClinicDatabases>(),
            app.Services.GetRequiredService<MartenTables>(), app.Services.GetRequiredService<SigningKeyRing>(), app.Services.GetRequiredService<HeadCheckpoints>(), Console.Out);
        try
        {
            if (request.DeleteSource) await move.DeleteSourceAsync(request.Clinic, request.Source, request.Plan, CancellationToken.None);
            else await move.CopyAsync(request.Clinic, request.Source, request.Target!, request.Plan, CancellationToken.None);
            return 0;
        }
        catch (MoveRefusedException refused)
        {
            await Console.Error.WriteLineAsync($"move-clinic refused: {refused.Message}");
            return 1;
        }
    }

    private static MoveClinicRequest Parse(string[] args, ConfigurationManager configuration)
    {
        string? clinic = null, from = null, to = null;
        bool deleteSource = false, plan = false;
        for (var i = 0; i < args.Length; i++)
        {
            string? Value() => i + 1 < args.Length ? args[++i] : null;
            switch (args[i])
            {
                case "--clinic": clinic = Value(); break;
                case "--from": from = Value(); break;
                case "--to": to = Value(); break;
                case "--delete-source": deleteSource = true; break;
                case "--plan" or "--dry-run": plan = true; break;
                case var option when HostOptions.Contains(option, StringComparer.OrdinalIgnoreCase): Value(); break;
                default: return new MoveClinicRequest("", "", null, false, false, $"unknown argument '{args[i]}'\n{Usage}");
            }
        }
        if (clinic is null || (deleteSource ? from is null || to is not null : to is null))
            return new MoveClinicRequest("", "", null, false, false, Usage);
        if (!ClinicMoveTables.ClinicPattern().IsMatch(clinic))
            return new MoveClinicRequest(clinic, "", null, deleteSource, plan, "unknown clinic: a clinic id is 1 to 64 letters, digits, - and _.");
        // The clinic's database as the running service sees it: its mapping, or the default database.
        var configured = configuration[$"{ClinicDatabases.ClinicsSection}:{clinic}"] is { Length: > 0 } mapped ? mapped : ClinicDatabases.DefaultName;
        var source = deleteSource ? from! : from ?? configured;
        if (!deleteSource && source != configured)
            return new MoveClinicRequest(clinic, source, to, false, plan, $"clinic {clinic} is in database {configured} (Store:ClinicDatabases), not {source}.");
        var known = new[] { ClinicDatabases.DefaultName }.Concat(configuration.GetSection(ClinicDatabases.DatabasesSection).GetChildren().Select(c => c.Key)).ToList();
        foreach (var name in new[] { source, to }.OfType<string>().Where(n => !known.Contains(n, StringComparer.Ordinal)))
            return new MoveClinicRequest(clinic, source, to, deleteSource, plan, $"no database '{name}': the databases are {string.Join(", ", known)} (ConnectionStrings:Postgres is 'default', others come from {ClinicDatabases.DatabasesSection}).");
        return new MoveClinicRequest(clinic, source, to, deleteSource, plan, null);
    }
}

using System.CommandLine;
using System.Globalization;
using Consent.Api.Signing;
using Consent.Contracts.Signatures;

namespace Consent.Cli.Keys;

/// <summary>
/// <c>consent keys list|rotate|jwks --dir DIR</c>: the service's signing-key directory, as an operator handles it
/// (docs/adr/0001-signing-keys.md). Reads and writes the same files as the service, through the same code.
/// </summary>
internal static class KeysCommand
{
    private const string DefaultDirectory = ".data/signing-keys";

    public static Command Create()
    {
        var command = new Command("keys", "List, rotate or publish the service's signing keys (the key directory)");
        command.Subcommands.Add(List());
        command.Subcommands.Add(Rotate());
        command.Subcommands.Add(Jwks());
        return command;
    }

    private static Option<string> DirectoryOption() => new("--dir")
    {
        Description = $"The key directory; CONSENT_Signing__KeyDirectory, else {DefaultDirectory}",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("CONSENT_Signing__KeyDirectory") is { Length: > 0 } configured ? configured : DefaultDirectory,
    };

    private static Command List()
    {
        var dir = DirectoryOption();
        var command = new Command("list", "One line per key: kid, created, and whether it signs (the newest private key), could sign, or is retired") { dir };
        command.SetAction(parse => WithKeys(parse.GetValue(dir)!, keys =>
        {
            if (keys.Count == 0)
            {
                Console.Error.WriteLine($"No keys in {parse.GetValue(dir)}.");
                return 1;
            }
            var newest = keys.LastOrDefault(k => !k.IsRetired);
            foreach (var key in keys)
            {
                var state = key.IsRetired ? "retired (public only)" : key == newest ? "active" : "private, not active unless Signing:ActiveKid names it";
                Console.WriteLine($"{key.Kid}  {key.Created.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}  {state}");
            }
            return 0;
        }));
        return command;
    }

    private static Command Rotate()
    {
        var dir = DirectoryOption();
        var command = new Command("rotate", "Create a new key (active from the service's next start) and retire every other key to its public half") { dir };
        command.SetAction(parse =>
        {
            var directory = parse.GetValue(dir)!;
            try
            {
                var kid = SigningKeyFiles.Rotate(directory, DateTimeOffset.UtcNow);
                Console.WriteLine(kid);
                Console.Error.WriteLine($"Created {kid} in {Path.GetFullPath(directory)}; restart the service to sign with it. Back the directory up.");
                return 0;
            }
            catch (Exception e) when (e is InvalidOperationException or IOException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine(e.Message);
                return 1;
            }
        });
        return command;
    }

    private static Command Jwks()
    {
        var dir = DirectoryOption();
        var command = new Command("jwks", "Print the public key set (JWKS), as the service publishes it, for offline verification") { dir };
        command.SetAction(parse => WithKeys(parse.GetValue(dir)!, keys =>
        {
            Console.WriteLine(ConsentKeys.Create(keys.Select(k => (k.Kid, k.PublicKey))).ToJson());
            return 0;
        }));
        return command;
    }

    private static int WithKeys(string directory, Func<IReadOnlyList<SigningKey>, int> use)
    {
        IReadOnlyList<SigningKey> keys;
        try
        {
            keys = SigningKeyFiles.Load(directory);
        }
        catch (InvalidOperationException e)
        {
            Console.Error.WriteLine(e.Message);
            return 1;
        }
        try
        {
            return use(keys);
        }
        finally
        {
            foreach (var key in keys) key.Dispose();
        }
    }
}

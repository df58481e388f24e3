using System.CommandLine;
using Consent.Cli.Keys;
using Consent.Cli.Records;
using Consent.Cli.Review;
using Consent.Cli.Tokens;
using Consent.Cli.Workflows;

var root = new RootCommand("Consent command-line tools")
{
    TokenCommand.Create(),
    DemoFileCommand.Create(),
    LintCommand.Create(),
    DiffCommand.Create(),
    KeysCommand.Create(),
    VerifyCommand.Create(),
    ReviewCommand.Create(),
};
return await root.Parse(args).InvokeAsync();

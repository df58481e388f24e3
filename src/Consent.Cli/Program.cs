using System.CommandLine;
using Consent.Cli.Tokens;

var root = new RootCommand("Consent command-line tools")
{
    TokenCommand.Create(),
    DemoFileCommand.Create(),
};
return await root.Parse(args).InvokeAsync();

using Consent.Api.UnitTests.Support;

namespace Consent.Api.UnitTests.Architecture;

/// <summary>Feature folders depend in one direction (README, "Architecture"): no two of them refer to each other.</summary>
public sealed class FeatureFolderTests
{
    private static readonly string Root = Path.Combine(RepoRoot.Path, "src", "Consent.Api");

    [Fact]
    public void No_two_feature_folders_of_the_service_import_each_other()
    {
        var folders = FeatureImports.Folders(Root);
        var edges = FeatureImports.Edges(folders, FeatureImports.Read(Root));

        // The scan sees the service as it is: its folders, and dependencies the README draws.
        folders.ShouldContain("Consents");
        folders.ShouldContain("Gate");
        edges.Keys.ShouldContain(("Gate", "Consents"));
        edges.Keys.ShouldContain(("Messaging", "Gate"));

        FeatureImports.Loops(edges).ShouldBeEmpty();
    }

    [Theory]
    [InlineData("using Consent.Api.Gate;")]
    [InlineData("var x = Consent.Api.Gate.GateRules.ChangingTypes;")]
    [InlineData("var x = Gate.GateRules.ChangingTypes;")]
    [InlineData("@using Consent.Api.Gate")]
    public void Each_way_of_referring_to_another_folder_counts(string reference)
    {
        FeatureImports.Source[] sources =
        [
            new("Consents", "Consents/A.cs", reference),
            new("Gate", "Gate/B.cs", "using Consent.Api.Consents;"),
        ];
        FeatureImports.Loops(FeatureImports.Edges(["Consents", "Gate"], sources)).ShouldHaveSingleItem().ShouldStartWith("Consents <-> Gate");
    }

    [Theory]
    [InlineData("using Consent.Api.GateExtras;")]
    [InlineData("var x = MyGate.Something;")]
    [InlineData("var x = Consent.Api.Consents.Gate.Thing;")]
    public void A_name_that_only_resembles_another_folder_does_not_count(string text)
    {
        FeatureImports.Source[] sources = [new("Consents", "Consents/A.cs", text), new("Gate", "Gate/B.cs", "using Consent.Api.Consents;")];
        FeatureImports.Edges(["Consents", "Gate"], sources).Keys.ShouldNotContain(("Consents", "Gate"));
    }
}

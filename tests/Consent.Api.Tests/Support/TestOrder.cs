using System.Globalization;
using Xunit.Abstractions;
using Xunit.Sdk;

[assembly: TestCaseOrderer("Consent.Api.Tests.Support.TestOrder", "Consent.Api.Tests")]
[assembly: TestCollectionOrderer("Consent.Api.Tests.Support.TestOrder", "Consent.Api.Tests")]

namespace Consent.Api.Tests.Support;

/// <summary>
/// xUnit's own order, or, with <c>CONSENT_TEST_ORDER=reverse</c> or <c>shuffle:SEED</c>, the same tests reversed or shuffled
/// (test classes and the tests within each): a test that only passes after another one has run shows up this way.
/// xUnit 2 has no such switch of its own.
/// </summary>
public sealed class TestOrder(IMessageSink diagnosticMessageSink) : ITestCaseOrderer, ITestCollectionOrderer
{
    private static readonly string Requested = Environment.GetEnvironmentVariable("CONSENT_TEST_ORDER") ?? "";

    public IEnumerable<TTestCase> OrderTestCases<TTestCase>(IEnumerable<TTestCase> testCases) where TTestCase : ITestCase =>
        Arrange(new DefaultTestCaseOrderer(diagnosticMessageSink).OrderTestCases(testCases));

    public IEnumerable<ITestCollection> OrderTestCollections(IEnumerable<ITestCollection> testCollections) =>
        Arrange(new DefaultTestCollectionOrderer().OrderTestCollections(testCollections));

    private static IEnumerable<T> Arrange<T>(IEnumerable<T> items) => Requested.Split(':') switch
    {
        [""] => items,
        ["reverse"] => items.Reverse().ToList(),
        ["shuffle", var seed] when int.TryParse(seed, NumberStyles.None, CultureInfo.InvariantCulture, out var value) => Shuffled(items, new Random(value)),
        _ => throw new InvalidOperationException($"CONSENT_TEST_ORDER is '{Requested}': use reverse or shuffle:SEED (a number)."),
    };

    private static List<T> Shuffled<T>(IEnumerable<T> items, Random random)
    {
        var list = items.ToList();
        random.Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(list));
        return list;
    }
}

using Consent.Api.Consents.Integrity;
using CsCheck;

namespace Consent.Api.UnitTests.Consents;

public sealed class EventChainTests
{
    private static readonly Gen<(string Type, string Data, Dictionary<string, string> Meta)> GenEvent =
        Gen.Select(
            Gen.OneOf("ConsentStarted", "SectionRead", "RiskAcknowledged", "ConsentSigned"),
            Gen.String[Gen.Char.AlphaNumeric, 0, 12],
            Gen.Int[0, 1000],
            Gen.OneOf("coordinator", "clinician", "tablet"),
            (type, text, number, actor) => (type, $"{{\"stepId\":\"{text}\",\"n\":{number},\"nested\":{{\"b\":1,\"a\":[1,2]}}}}",
                new Dictionary<string, string> { ["actor"] = actor, ["role"] = actor }));

    private static List<EventChain.Link> Chain(IEnumerable<(string Type, string Data, Dictionary<string, string> Meta)> events)
    {
        var links = new List<EventChain.Link>();
        var prev = EventChain.Genesis;
        foreach (var (type, data, meta) in events)
        {
            var seq = links.Count + 1;
            var hash = EventChain.Hash(prev, seq, type, data, meta);
            links.Add(new EventChain.Link(seq, type, data, meta, prev, hash));
            prev = hash;
        }
        return links;
    }

    [Fact]
    public void An_untouched_chain_verifies() =>
        GenEvent.List[0, 20].Sample(events => EventChain.FirstBroken(Chain(events), events.Count).ShouldBeNull());

    [Fact]
    public void Key_order_and_whitespace_of_the_stored_json_do_not_change_the_hash()
    {
        var meta = new Dictionary<string, string> { ["actor"] = "a" };
        EventChain.Hash(EventChain.Genesis, 1, "T", "{\"b\": 1, \"a\": {\"y\":2,\"x\":1}}", meta)
            .ShouldBe(EventChain.Hash(EventChain.Genesis, 1, "T", "{\"a\":{\"x\":1,\"y\":2},\"b\":1}", meta));
    }

    [Fact]
    public void Editing_the_data_of_any_event_is_reported_at_that_event() =>
        Gen.Select(GenEvent.List[1, 20], Gen.Int.Positive).Sample((events, pick) =>
        {
            var links = Chain(events);
            var at = pick % links.Count;
            links[at] = links[at] with { DataJson = links[at].DataJson.Replace("\"n\":", "\"n\":1", StringComparison.Ordinal) };
            EventChain.FirstBroken(links, links.Count).ShouldBe(at + 1);
        });

    [Fact]
    public void Editing_the_metadata_or_type_of_an_event_is_reported_at_that_event()
    {
        var links = Chain(GenEvent.List[3, 3].Single());
        EventChain.FirstBroken([links[0], links[1] with { Metadata = new Dictionary<string, string> { ["actor"] = "someone-else" } }, links[2]], 3).ShouldBe(2);
        EventChain.FirstBroken([links[0], links[1], links[2] with { Type = "ConsentGranted" }], 3).ShouldBe(3);
    }

    [Fact]
    public void Deleting_reordering_or_inserting_events_is_reported_at_the_first_position_affected() =>
        Gen.Select(GenEvent.List[3, 20], Gen.Int.Positive).Sample((events, pick) =>
        {
            var links = Chain(events);
            var at = 1 + pick % (links.Count - 1);

            var deleted = links.Where((_, i) => i != at).ToList();
            EventChain.FirstBroken(deleted, links.Count).ShouldBe(at + 1);
            EventChain.FirstBroken(links.Take(at).ToList(), links.Count).ShouldBe(at + 1, "a truncated tail");

            var swapped = links.ToList();
            (swapped[at - 1], swapped[at]) = (swapped[at], swapped[at - 1]);
            EventChain.FirstBroken(swapped, links.Count).ShouldBe(at);

            var inserted = links.ToList();
            inserted.Insert(at, links[at] with { });
            EventChain.FirstBroken(inserted, links.Count).ShouldNotBeNull().ShouldBeLessThanOrEqualTo(at + 1);
        });

    [Fact]
    public void Rehashing_an_edited_event_still_breaks_the_link_to_its_successor()
    {
        var links = Chain(GenEvent.List[3, 3].Single());
        var edited = links[1] with { DataJson = "{\"stepId\":\"forged\"}" };
        edited = edited with { Hash = EventChain.Hash(edited.PrevHash, edited.Seq, edited.Type, edited.DataJson, edited.Metadata) };

        EventChain.FirstBroken([links[0], edited, links[2]], 3).ShouldBe(3);
    }
}

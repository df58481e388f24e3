using System.Collections.Immutable;

namespace Consent.Workflows.Clinics;

/// <summary>
/// What a clinic profile may hold: the facts only a clinic can give (shared/disclosure-facts.md), each one a
/// placeholder <c>{clinic.KEY}</c> a workflow may use. A value is either the same in every language (a number, a
/// name) or a text per locale. The list is the schema: a placeholder not named here is a lint error.
/// </summary>
public static class ClinicFields
{
    public enum Kind { Value, Text }

    public sealed record Field(string Key, Kind Kind, string Meaning);

    public static readonly ImmutableArray<Field> All =
    [
        new("name", Kind.Value, "the clinic's name as patients know it"),
        new("contacts.main", Kind.Value, "the care team's phone number in working hours"),
        new("contacts.person", Kind.Value, "the named person who answers questions about this treatment"),
        new("contacts.urgent", Kind.Value, "a phone line for urgent problems, answered at any hour"),
        new("regulatory.status", Kind.Text, "whether the treatment is given under an IND or in a registered trial, or plainly that it is not"),
        new("regulatory.ind", Kind.Value, "the IND number, or 'none'"),
        new("regulatory.trial", Kind.Value, "the trial registration number (e.g. NCT...), or 'none'"),
        new("regulatory.irb", Kind.Text, "the reviewing IRB and how to reach it, or plainly that no IRB reviews it"),
        new("costs.treatment", Kind.Text, "the price of one treatment, with what it includes"),
        new("costs.repeat", Kind.Text, "the price of each repeat treatment"),
        new("costs.refund", Kind.Text, "what is refunded on withdrawal, at each stage"),
        new("injury.care", Kind.Text, "what care is given after an injury and who pays for it"),
        new("injury.compensation", Kind.Text, "whether any compensation is offered for an injury"),
        new("cells.source", Kind.Text, "where the cells come from (the person's own or a donor's) and how they are prepared"),
        new("cells.afterWithdrawal", Kind.Text, "what happens to collected cells when the person withdraws"),
        new("treatment.schedule", Kind.Text, "how long each part of the treatment takes and how many visits it needs"),
        new("trial.participants", Kind.Value, "the approximate number of people taking part, when it is research"),
    ];

    public static readonly ImmutableDictionary<string, Field> ByKey = All.ToImmutableDictionary(f => f.Key, StringComparer.Ordinal);
}

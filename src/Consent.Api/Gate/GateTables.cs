using Marten;
using Weasel.Postgresql;
using Weasel.Postgresql.Tables;

namespace Consent.Api.Gate;

/// <summary>Plain tables beside Marten's, created and migrated with them at start-up.</summary>
public static class GateTables
{
    public const string GateAcks = "gate_acks";
    public const string GateChanges = "gate_changes";

    public static void AddTo(StoreOptions options)
    {
        var schema = options.DatabaseSchemaName;
        // The last gate sequence each downstream subscriber confirmed it applied, per clinic, patient and procedure.
        var acks = new Table(new PostgresqlObjectName(schema, GateAcks, Weasel.Postgresql.SchemaUtils.IdentifierUsage.General));
        acks.AddColumn<string>("clinic").AsPrimaryKey();
        acks.AddColumn<string>("subscriber").AsPrimaryKey();
        acks.AddColumn<string>("patient_id").AsPrimaryKey();
        acks.AddColumn<string>("procedure_code").AsPrimaryKey();
        acks.AddColumn<long>("sequence").NotNull();
        acks.AddColumn<DateTimeOffset>("confirmed_at").NotNull();
        options.Storage.ExtendedSchemaObjects.Add(acks);

        // Every SchedulingGateChanged the relay published (or is about to), byte for byte as signed (text, not jsonb): what a subscriber that
        // missed messages reads back through GET /api/gate/changes.
        var changes = new Table(new PostgresqlObjectName(schema, GateChanges, Weasel.Postgresql.SchemaUtils.IdentifierUsage.General));
        changes.AddColumn<long>("sequence").AsPrimaryKey();
        changes.AddColumn<string>("clinic").NotNull();
        changes.AddColumn<Guid>("message_id").NotNull();
        changes.AddColumn<string>("message").NotNull();
        changes.AddColumn<string>("signature").NotNull();
        changes.AddColumn<DateTimeOffset>("recorded_at").NotNull().DefaultValueByExpression("now()");
        changes.Indexes.Add(new IndexDefinition("ix_gate_changes_clinic_sequence") { Columns = ["clinic", "sequence"], IsUnique = true });
        options.Storage.ExtendedSchemaObjects.Add(changes);
    }
}

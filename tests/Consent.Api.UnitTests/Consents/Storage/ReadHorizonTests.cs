using Consent.Api.Consents.Storage;
using CsCheck;

namespace Consent.Api.UnitTests.Consents.Storage;

/// <summary>
/// <see cref="ReadHorizon"/> against a model of PostgreSQL's sequence: transactions take numbers in order, hold the
/// sequence until they end, and commit (their rows become visible) or roll back in any order.
/// </summary>
public sealed class ReadHorizonTests
{
    private enum Op { Begin, Take, Commit, Abort, Observe }

    private sealed class Model
    {
        private long _counter;
        private int _nextTx;
        public Dictionary<string, List<long>> Running { get; } = [];
        public long HighestVisible { get; private set; }

        public void Apply(Op op, int pick)
        {
            var running = Running.Keys.Order(StringComparer.Ordinal).ToList();
            var tx = running.Count == 0 ? null : running[pick % running.Count];
            switch (op)
            {
                case Op.Begin: Running.Add("tx" + _nextTx++, []); break;
                case Op.Take when tx is not null: Running[tx].Add(++_counter); break;
                case Op.Commit when tx is not null: End(tx, committed: true); break;
                case Op.Abort when tx is not null: End(tx, committed: false); break;
                default: break;
            }
        }

        public void End(string tx, bool committed)
        {
            if (committed && Running[tx].Count > 0) HighestVisible = Math.Max(HighestVisible, Running[tx].Max());
            Running.Remove(tx);
        }

        /// <summary>What the relay reads: the highest visible number, and the transactions that hold the sequence (took a number, not ended).</summary>
        public (long Highest, IReadOnlySet<string> Holders) Observe() =>
            (HighestVisible, Running.Where(r => r.Value.Count > 0).Select(r => r.Key).ToHashSet(StringComparer.Ordinal));

        /// <summary>The lowest number a transaction still running may yet commit, if any.</summary>
        public long? LowestUncommitted => Running.Values.SelectMany(n => n).Cast<long?>().Min();
    }

    private static readonly Gen<List<(Op Op, int Pick)>> GenRun =
        Gen.Select(Gen.Enum<Op>(), Gen.Int[0, 1000]).List[0, 80];

    [Fact]
    public void Never_advances_past_a_position_a_still_running_holder_could_commit_below() =>
        GenRun.Sample(run =>
        {
            var model = new Model();
            var horizon = new ReadHorizon(0);
            foreach (var (op, pick) in run)
            {
                model.Apply(op, pick);
                if (op != Op.Observe) continue;
                var safe = horizon.Advance(model.Observe());
                if (model.LowestUncommitted is { } lowest) safe.ShouldBeLessThan(lowest, "a row at or below the safe position could still appear");
            }
        });

    [Fact]
    public void Is_monotonic_and_never_beyond_what_was_seen() =>
        Gen.Select(GenRun, Gen.Long[0, 50]).Sample((run, start) =>
        {
            var model = new Model();
            var horizon = new ReadHorizon(start);
            horizon.Safe.ShouldBe(start);
            var (previous, highestSeen) = (start, start);
            foreach (var (op, pick) in run)
            {
                model.Apply(op, pick);
                if (op != Op.Observe) continue;
                var observed = model.Observe();
                highestSeen = Math.Max(highestSeen, observed.Highest);
                var safe = horizon.Advance(observed);
                safe.ShouldBeGreaterThanOrEqualTo(previous);
                safe.ShouldBeLessThanOrEqualTo(highestSeen);
                horizon.Safe.ShouldBe(safe);
                previous = safe;
            }
        });

    [Fact]
    public void Eventually_advances_to_everything_committed_once_the_holders_end() =>
        GenRun.Sample(run =>
        {
            var model = new Model();
            var horizon = new ReadHorizon(0);
            foreach (var (op, pick) in run)
            {
                model.Apply(op, pick);
                if (op == Op.Observe) horizon.Advance(model.Observe());
            }
            foreach (var tx in model.Running.Keys.ToList()) model.End(tx, committed: true);
            horizon.Advance(model.Observe()).ShouldBe(model.HighestVisible);
        });

    [Fact]
    public void A_position_held_back_by_a_slow_holder_is_released_by_the_first_observation_without_it()
    {
        var horizon = new ReadHorizon(10);
        horizon.Advance((12, Set("slow", "fast"))).ShouldBe(10, "either holder may still commit a number at or below 12");
        horizon.Advance((15, Set("slow", "late"))).ShouldBe(10, "the slow holder is still running");
        horizon.Advance((15, Set("late"))).ShouldBe(12, "the holders of the first observation have ended; the second's have not");
        horizon.Advance((16, Set())).ShouldBe(16);
    }

    private static HashSet<string> Set(params string[] holders) => [.. holders];
}

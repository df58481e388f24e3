using Consent.Workflows.Definitions;

namespace Consent.Workflows.Linting;

/// <summary>
/// Possible moves between steps, by list position. Without a jump a step leads to the next position; a step
/// with a <c>when</c> may be skipped, so a move to it also reaches whatever follows it. Position
/// <c>Steps.Length</c> is the end.
/// </summary>
internal sealed class StepGraph
{
    private readonly WorkflowDefinition _d;
    private readonly List<int>[] _edges;

    public StepGraph(WorkflowDefinition d)
    {
        _d = d;
        _edges = new List<int>[d.Steps.Length];
        for (var i = 0; i < d.Steps.Length; i++)
        {
            var s = d.Steps[i];
            var targets = new List<int>();
            var plain = s.Next is null ? i + 1 : Index(s.Next);
            if (s.Type == StepType.Choice && s.Options.Any(o => o.Next is not null))
            {
                foreach (var o in s.Options) targets.AddRange(Landing(o.Next is null ? plain : Index(o.Next)));
            }
            else
            {
                targets.AddRange(Landing(plain));
            }
            // A decision may end the consent (declined): that is a way out of any loop.
            if (s.Type == StepType.Decision) targets.Add(d.Steps.Length);
            _edges[i] = targets;
        }
    }

    private int Index(string id) => _d.Steps.IndexOf(_d.FindStep(id)!);

    // Landing on a position may skip it and the conditional steps after it.
    private IEnumerable<int> Landing(int position)
    {
        for (var p = position; p <= _d.Steps.Length; p++)
        {
            yield return p;
            if (p == _d.Steps.Length || _d.Steps[p].When is null) yield break;
        }
    }

    public HashSet<int> ReachableFrom(int start, Func<int, bool>? stopAt)
    {
        var seen = new HashSet<int>();
        var queue = new Queue<int>(Landing(start));
        while (queue.TryDequeue(out var p))
        {
            if (p >= _d.Steps.Length || !seen.Add(p)) continue;
            if (stopAt?.Invoke(p) == true) continue;
            foreach (var t in _edges[p]) queue.Enqueue(t);
        }
        return seen;
    }

    public bool CanFinish(int from)
    {
        var seen = new HashSet<int>();
        var queue = new Queue<int>([from]);
        while (queue.TryDequeue(out var p))
        {
            if (p >= _d.Steps.Length) return true;
            if (!seen.Add(p)) continue;
            foreach (var t in _edges[p]) queue.Enqueue(t);
        }
        return false;
    }
}

using System.Diagnostics;

namespace EdgeSentinel.Monitor.Monitoring;

/// <summary>A bounded lock-free queue for exactly one producer thread and one consumer thread.</summary>
/// <remarks>
/// Allocation-free after construction. <see cref="TryEnqueue"/> fails when full (the caller
/// counts the drop); it never overwrites and never blocks.
/// </remarks>
internal sealed class SingleProducerSingleConsumerRing<T>
{
    private readonly T[] _items;
    private readonly int _mask;
    private long _head; // next slot to read; written by the consumer
    private long _tail; // next slot to write; written by the producer

    public SingleProducerSingleConsumerRing(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        var size = (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)capacity);
        _items = new T[size];
        _mask = size - 1;
    }

    public int Capacity => _items.Length;

    public int Count => (int)(Volatile.Read(ref _tail) - Volatile.Read(ref _head));

    public bool TryEnqueue(T item)
    {
        var tail = _tail;
        if (tail - Volatile.Read(ref _head) >= _items.Length)
        {
            return false;
        }

        _items[tail & _mask] = item;
        Volatile.Write(ref _tail, tail + 1);
        return true;
    }

    public bool TryDequeue(out T item)
    {
        var head = _head;
        if (head >= Volatile.Read(ref _tail))
        {
            item = default!;
            return false;
        }

        item = _items[head & _mask];
        _items[head & _mask] = default!;
        Debug.Assert(head + 1 <= Volatile.Read(ref _tail), "head never passes tail");
        Volatile.Write(ref _head, head + 1);
        return true;
    }
}

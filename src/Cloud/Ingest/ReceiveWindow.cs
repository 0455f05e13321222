using System.Collections.Concurrent;

namespace EdgeSentinel.Cloud.Ingest;

/// <summary>
/// How much the ingest holds that it has read from the broker's socket but not yet settled (stored and acknowledged,
/// or dropped): PUBLISH packets in bytes (as on the wire) and in messages. When either bound is reached, the
/// connection's reader (<see cref="WindowedChannel"/>) stops reading at the next packet boundary until the writer
/// settles messages, so the backlog stays in the broker and in the TCP buffers (back-pressure) instead of in this
/// process: MQTTnet v5 reads every packet the broker sends into an unbounded queue, whatever the handler does, and
/// Mosquitto 2.0.11 does not always hold to the MQTT 5 receive maximum.
/// </summary>
/// <remarks>Thread-safe. The sizes of a connection's PUBLISH packets are kept in arrival order, so that the message
/// handler, which MQTTnet calls once per PUBLISH in the same order, learns the size it has to settle.</remarks>
internal sealed class ReceiveWindow(long maxBytes, int maxMessages)
{
    private readonly Lock _lock = new();
    private long _bytes;
    private int _messages;
    private long _peakBytes;
    private int _peakMessages;
    private long _pauses;
    private TaskCompletionSource? _room;
    private ConcurrentQueue<int> _sizes = new();

    /// <summary>The byte bound.</summary>
    public long MaxBytes { get; } = maxBytes;

    /// <summary>The message bound.</summary>
    public int MaxMessages { get; } = maxMessages;

    /// <summary>Bytes held now.</summary>
    public long Bytes
    {
        get
        {
            lock (_lock)
            {
                return _bytes;
            }
        }
    }

    /// <summary>Messages held now.</summary>
    public int Messages
    {
        get
        {
            lock (_lock)
            {
                return _messages;
            }
        }
    }

    /// <summary>The most bytes held at once since the ingest started.</summary>
    public long PeakBytes
    {
        get
        {
            lock (_lock)
            {
                return _peakBytes;
            }
        }
    }

    /// <summary>The most messages held at once since the ingest started.</summary>
    public int PeakMessages
    {
        get
        {
            lock (_lock)
            {
                return _peakMessages;
            }
        }
    }

    /// <summary>How often the reader found the window full and stopped reading.</summary>
    public long Pauses => Interlocked.Read(ref _pauses);

    /// <summary>Counts one stop of the reader (however long it lasts).</summary>
    public void NotePause() => Interlocked.Increment(ref _pauses);

    /// <summary>Whether the reader must wait before it reads the next packet.</summary>
    public bool IsFull
    {
        get
        {
            lock (_lock)
            {
                return Full();
            }
        }
    }

    /// <summary>Counts a PUBLISH packet of <paramref name="wireBytes"/> the reader has begun to read for MQTTnet (its size is queued for the handler's <see cref="TakeSize"/>).</summary>
    public void Reserve(int wireBytes) => Reserve(wireBytes, queueSize: true);

    /// <summary>Counts a PUBLISH packet of <paramref name="wireBytes"/> the reader has read itself and hands over with its size (<see cref="IPublishReceiver"/>): not queued for <see cref="TakeSize"/>.</summary>
    public void ReserveRead(int wireBytes) => Reserve(wireBytes, queueSize: false);

    private void Reserve(int wireBytes, bool queueSize)
    {
        lock (_lock)
        {
            _bytes += wireBytes;
            _messages++;
            _peakBytes = Math.Max(_peakBytes, _bytes);
            _peakMessages = Math.Max(_peakMessages, _messages);
            if (queueSize)
            {
                _sizes.Enqueue(wireBytes);
            }
        }
    }

    /// <summary>The size of the next PUBLISH in arrival order (the handler's message); 0 if none is known.</summary>
    public int TakeSize() => _sizes.TryDequeue(out var size) ? size : 0;

    /// <summary>Settles a message of <paramref name="wireBytes"/> (from <see cref="TakeSize"/>; 0, a size not known, settles nothing); wakes the reader when there is room again.</summary>
    public void Release(int wireBytes)
    {
        if (wireBytes <= 0)
        {
            return; // a PUBLISH has at least 2 bytes: none was counted for it
        }

        TaskCompletionSource? room = null;
        lock (_lock)
        {
            _bytes -= wireBytes;
            _messages--;
            if (_room is not null && !Full())
            {
                (room, _room) = (_room, null);
            }
        }

        room?.TrySetResult();
    }

    /// <summary>
    /// Called when a new connection is made, after MQTTnet has finished with the previous one: the packets that
    /// connection read but never handed to the handler (left in MQTTnet's queue when it closed) are settled, and the
    /// new connection starts with its own arrival order.
    /// </summary>
    public void StartConnection()
    {
        var old = Interlocked.Exchange(ref _sizes, new ConcurrentQueue<int>());
        while (old.TryDequeue(out var size))
        {
            Release(size);
        }
    }

    /// <summary>Completes when the window has room (at once if it has), or fails when <paramref name="cancellationToken"/> is cancelled.</summary>
    public Task WaitForRoomAsync(CancellationToken cancellationToken)
    {
        Task room;
        lock (_lock)
        {
            if (!Full())
            {
                return Task.CompletedTask;
            }

            _room ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            room = _room.Task;
        }

        return room.WaitAsync(cancellationToken);
    }

    private bool Full() => _bytes >= MaxBytes || _messages >= MaxMessages;
}

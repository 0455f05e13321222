using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using MQTTnet.Channel;

namespace EdgeSentinel.Cloud.Ingest;

/// <summary>
/// The ingest's connection to the broker as MQTTnet reads it: a read buffer in front of the socket (MQTTnet asks
/// for 2 bytes, then single length bytes, then 4 KiB body chunks: a dozen receive calls for one 36 KB message
/// without it), and a reader that follows the MQTT packet framing, counts every PUBLISH in the
/// <see cref="ReceiveWindow"/> when its header has been read, and does not begin another packet while the window is
/// full. Writes pass straight through, or, between <see cref="BeginGathering"/> and <see cref="FlushGatheredAsync"/>, are
/// gathered in order and written in one go (see <see cref="WriteCoalescer"/>).
/// </summary>
/// <remarks>
/// While the reader waits, a PINGRESP sits unread behind the PUBLISHes the broker has already sent, so MQTTnet's own
/// keep-alive (a PINGREQ after a keep-alive period without sending, then at most half a period for the answer) would
/// take the link for dead whenever a store takes longer than the keep-alive: every <c>stallInterval</c> of waiting,
/// <c>onStalled</c> is called, which sends a PINGREQ without waiting for its answer (the broker sees the client alive,
/// and MQTTnet, having just sent something, does not ping). The link is checked again once reading resumes.
/// </remarks>
internal sealed class WindowedChannel : IMqttChannel
{
    /// <summary>Bytes taken from the socket per receive call at most.</summary>
    public const int ReadBufferSize = 64 * 1024;

    private const int PublishType = 3;

    private readonly IMqttChannel _inner;
    private readonly ReceiveWindow _window;
    private readonly Action _onStalled;
    private readonly Action<TimeSpan>? _onResumed;
    private readonly TimeSpan _stallInterval;
    private readonly TimeProvider _timeProvider;
    private readonly CancellationTokenSource _closed = new();
    private readonly int _readBufferSize;
    private readonly IPublishReceiver? _publishes;
    private readonly PublishPacket _publishReader = new();
    private byte[] _buffer; // _readBufferSize bytes, or larger while a PUBLISH larger than that is read
    private readonly SemaphoreSlim _writeLock = new(1, 1); // MQTTnet serializes its packets; this orders them against a flush
    private ArrayBufferWriter<byte> _gathered = new(GatherBufferSize);
    private bool _gathering; // under _writeLock, except that BeginGathering may set it at any time
    private int _start;
    private int _end;

    // Framing of the bytes handed to MQTTnet.
    private Part _part = Part.Boundary;
    private int _type;
    private int _headerBytes;
    private int _length;
    private int _multiplier;
    private int _bodyLeft;

    public WindowedChannel(IMqttChannel inner, ReceiveWindow window, Action onStalled, TimeSpan stallInterval, TimeProvider timeProvider, int readBufferSize = ReadBufferSize, Action<TimeSpan>? onResumed = null, IPublishReceiver? publishes = null)
    {
        _readBufferSize = readBufferSize;
        _publishes = publishes;
        _inner = inner;
        _window = window;
        _onStalled = onStalled;
        _onResumed = onResumed;
        _stallInterval = stallInterval;
        _timeProvider = timeProvider;
        _buffer = new byte[readBufferSize];
    }

    private enum Part
    {
        Boundary,
        Length,
        Body,
        Unframed, // a malformed length: MQTTnet drops the connection; nothing more is counted
    }

    public X509Certificate2 ClientCertificate => _inner.ClientCertificate;

    public EndPoint RemoteEndPoint => _inner.RemoteEndPoint;

    public EndPoint LocalEndPoint => _inner.LocalEndPoint;

    public bool IsSecureConnection => _inner.IsSecureConnection;

    public Task ConnectAsync(CancellationToken cancellationToken) => _inner.ConnectAsync(cancellationToken);

    public async Task DisconnectAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _closed.CancelAsync().ConfigureAwait(false); // a reader waiting for room must not hold up MQTTnet's disconnect
        }
        catch (ObjectDisposedException)
        {
            // disposed already: nothing waits any more
        }

        await _inner.DisconnectAsync(cancellationToken).ConfigureAwait(false);
    }

    public Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        if (_publishes is not null && _part == Part.Boundary)
        {
            return ReadPastPublishesAsync(buffer, offset, count, cancellationToken);
        }

        // MQTTnet reads every packet in three or four calls (header, length bytes, body); nearly all are answered from the
        // read buffer: then without an async method and, for the common counts, without a new task.
        if (_start != _end && !(_part == Part.Boundary && _window.IsFull))
        {
            return Completed(Take(buffer, offset, count));
        }

        return ReadSlowAsync(buffer, offset, count, cancellationToken);
    }

    private async Task<int> ReadSlowAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        if (_part == Part.Boundary && _window.IsFull)
        {
            if (!await WaitForRoomAsync(cancellationToken).ConfigureAwait(false))
            {
                return 0; // closed while waiting: as if the connection ended
            }
        }

        if (_start == _end)
        {
            var read = await _inner.ReadAsync(_buffer, 0, _buffer.Length, cancellationToken).ConfigureAwait(false);
            if (read <= 0)
            {
                return 0;
            }

            (_start, _end) = (0, read);
        }

        return Take(buffer, offset, count);
    }

    /// <summary>
    /// With a <see cref="IPublishReceiver"/>, MQTTnet asks for a packet's first bytes here: every PUBLISH that comes
    /// first is read whole and handed to the receiver (once the window has room for it, and counted in it) instead of
    /// to MQTTnet, until a packet of another kind — or a PUBLISH <see cref="PublishPacket"/> declines — begins, whose
    /// first bytes MQTTnet then gets as before. MQTTnet's reader just waits longer for its next packet meanwhile.
    /// </summary>
    private async Task<int> ReadPastPublishesAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        while (true)
        {
            if (_start == _end)
            {
                if (_buffer.Length != _readBufferSize)
                {
                    _buffer = new byte[_readBufferSize]; // a large PUBLISH is done: do not keep its buffer
                }

                if (!await FillAsync(cancellationToken).ConfigureAwait(false))
                {
                    return 0;
                }

                continue;
            }

            if (_buffer[_start] >> 4 != PublishType)
            {
                return Take(buffer, offset, count); // not a PUBLISH: MQTTnet's, whatever the window holds
            }

            if (_window.IsFull && !await WaitForRoomAsync(cancellationToken).ConfigureAwait(false))
            {
                return 0; // closed while waiting: as if the connection ended
            }

            var at = _start + 1;
            if (!PublishPacket.TryReadVariableInteger(_buffer.AsSpan(0, _end), ref at, out var length))
            {
                if (_end - _start > 4)
                {
                    return Take(buffer, offset, count); // more than four length bytes: malformed, MQTTnet drops the connection
                }

                if (!await FillAsync(cancellationToken).ConfigureAwait(false))
                {
                    return 0;
                }

                continue;
            }

            var headerBytes = at - _start;
            var total = headerBytes + length;
            if (_end - _start < total)
            {
                if (total > MaxPublishReadItself)
                {
                    return Take(buffer, offset, count); // MQTTnet reads it in pieces (and the ingest refuses it as oversized)
                }

                if (total > _buffer.Length)
                {
                    var larger = new byte[total];
                    Buffer.BlockCopy(_buffer, _start, larger, 0, _end - _start);
                    (_buffer, _end, _start) = (larger, _end - _start, 0);
                }

                if (!await FillAsync(cancellationToken).ConfigureAwait(false))
                {
                    return 0;
                }

                continue;
            }

            var owned = _buffer.Length != _readBufferSize && _start == 0 && total == _end; // the large packet's own array
            if (!_publishReader.TryRead(new ReadOnlyMemory<byte>(_buffer, _start, total), headerBytes, owned, this, out var publish))
            {
                return Take(buffer, offset, count); // declined: MQTTnet's, counted and handed over as before
            }

            _window.ReserveRead(total);
            _start += total;
            if (owned)
            {
                (_buffer, _start, _end) = (new byte[_readBufferSize], 0, 0); // the payload refers to the large array: not reused
            }

            _publishes!.OnPublish(publish);
        }
    }

    /// <summary>The largest PUBLISH read whole here (a 4 MiB binary message and its envelope); a larger one goes to MQTTnet.</summary>
    private const int MaxPublishReadItself = 5 * 1024 * 1024;

    /// <summary>Reads more from the socket behind what is buffered (moved to the front first); false when the connection ended.</summary>
    private async Task<bool> FillAsync(CancellationToken cancellationToken)
    {
        if (_start == _end)
        {
            (_start, _end) = (0, 0);
        }
        else if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            (_end, _start) = (_end - _start, 0);
        }

        var read = await _inner.ReadAsync(_buffer, _end, _buffer.Length - _end, cancellationToken).ConfigureAwait(false);
        if (read <= 0)
        {
            return false;
        }

        _end += read;
        return true;
    }

    /// <summary>Sends the PUBACK of a QoS 1 PUBLISH read here (reason Success, no properties: the 4 bytes of <see cref="TryGatherPubAck"/>), gathered or sent in order with MQTTnet's writes.</summary>
    public Task SendPubAckAsync(ushort packetIdentifier, CancellationToken cancellationToken)
    {
        var packet = new byte[PubAckLength];
        WritePubAck(packet, packetIdentifier);
        return WriteAsync(new ReadOnlySequence<byte>(packet), true, cancellationToken);
    }

    /// <summary>Hands out buffered bytes (at least one is buffered), never past the current packet: the next one must pass the window first.</summary>
    private int Take(byte[] buffer, int offset, int count)
    {
        // MQTTnet asks for exactly that anyway (2 header bytes, single length bytes, the body).
        var take = Math.Min(count, _end - _start);
        take = _part switch
        {
            Part.Boundary => Math.Min(take, 2),
            Part.Length => Math.Min(take, 1),
            Part.Body => Math.Min(take, _bodyLeft),
            _ => take,
        };
        Buffer.BlockCopy(_buffer, _start, buffer, offset, take);
        _start += take;
        Frame(buffer.AsSpan(offset, take));
        return take;
    }

    /// <summary>A completed task of <paramref name="count"/>, kept per count (a direct-mapped cache: the same few header and body sizes recur).</summary>
    private Task<int> Completed(int count)
    {
        ref var slot = ref _completed[count & (CompletedSlots - 1)];
        var task = slot;
        if (task is null || task.Result != count)
        {
            slot = task = Task.FromResult(count);
        }

        return task;
    }

    private const int CompletedSlots = 256;

    private readonly Task<int>?[] _completed = new Task<int>?[CompletedSlots];

    public Task WriteAsync(ReadOnlySequence<byte> buffer, bool isEndOfPacket, CancellationToken cancellationToken)
    {
        // A batch's PUBACKs, gathered: copied under the lock taken at once, without an async method.
        if (Volatile.Read(ref _gathering) && !cancellationToken.IsCancellationRequested && _writeLock.Wait(0, CancellationToken.None))
        {
            try
            {
                if (Volatile.Read(ref _gathering))
                {
                    foreach (var segment in buffer)
                    {
                        _gathered.Write(segment.Span);
                    }

                    return Task.CompletedTask;
                }
            }
            finally
            {
                _writeLock.Release();
            }
        }

        return WriteSlowAsync(buffer, isEndOfPacket, cancellationToken);
    }

    private async Task WriteSlowAsync(ReadOnlySequence<byte> buffer, bool isEndOfPacket, CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (Volatile.Read(ref _gathering))
            {
                foreach (var segment in buffer)
                {
                    _gathered.Write(segment.Span); // in order: the flush writes them before anything written after it
                }

                return;
            }

            await _inner.WriteAsync(buffer, isEndOfPacket, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>
    /// Gathers the PUBACK of a QoS 1 PUBLISH with reason Success and no properties, as MQTTnet's encoder writes it (4 bytes:
    /// MQTT 5 leaves out a Success reason without properties, and MQTT 3.1.1 has none), without MQTTnet building, encoding
    /// and sending a packet through its adapter; false when not gathering or when a write holds the lock (the caller then
    /// acknowledges through MQTTnet, whose write is gathered or sent in order as before).
    /// </summary>
    public bool TryGatherPubAck(ushort packetIdentifier)
    {
        if (!Volatile.Read(ref _gathering) || !_writeLock.Wait(0, CancellationToken.None))
        {
            return false;
        }

        try
        {
            if (!Volatile.Read(ref _gathering))
            {
                return false;
            }

            WritePubAck(_gathered.GetSpan(PubAckLength), packetIdentifier);
            _gathered.Advance(PubAckLength);
            return true;
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private const int PubAckType = 4;

    /// <summary>The PUBACK of a QoS 1 PUBLISH with reason Success and no properties, as MQTTnet's encoder writes it (MQTT 5 and 3.1.1 alike): type, remaining length 2, packet identifier.</summary>
    private static void WritePubAck(Span<byte> packet, ushort packetIdentifier)
    {
        packet[0] = PubAckType << 4;
        packet[1] = PubAckLength - 2;
        BinaryPrimitives.WriteUInt16BigEndian(packet[2..], packetIdentifier);
    }

    private const int PubAckLength = 4;

    /// <summary>From now until <see cref="FlushGatheredAsync"/>, writes are gathered instead of sent.</summary>
    public void BeginGathering() => Volatile.Write(ref _gathering, true);

    /// <summary>Sends what was gathered since <see cref="BeginGathering"/> in one write and lets writes through again (also when the write fails).</summary>
    public async Task FlushGatheredAsync(CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(CancellationToken.None).ConfigureAwait(false); // held only for single writes: never long
        try
        {
            Volatile.Write(ref _gathering, false);
            if (_gathered.WrittenCount > 0)
            {
                await _inner.WriteAsync(new ReadOnlySequence<byte>(_gathered.WrittenMemory), true, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            _gathered.ResetWrittenCount();
            if (_gathered.Capacity > 16 * GatherBufferSize)
            {
                _gathered = new ArrayBufferWriter<byte>(GatherBufferSize); // an unusual burst: do not keep its buffer
            }

            _writeLock.Release();
        }
    }

    /// <summary>Initial size of the gathering buffer: a batch of 500 PUBACKs (4 bytes each in MQTT 5) and its stored acknowledgements.</summary>
    private const int GatherBufferSize = 4096;

    public void Dispose()
    {
        _closed.Cancel();
        _inner.Dispose();
        _closed.Dispose();
    }

    /// <summary>Waits until the window has room; false when the channel was closed meanwhile.</summary>
    private async Task<bool> WaitForRoomAsync(CancellationToken cancellationToken)
    {
        _window.NotePause();
        var paused = _timeProvider.GetTimestamp();
        try
        {
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _closed.Token);
            while (true)
            {
                try
                {
                    await _window.WaitForRoomAsync(linked.Token).WaitAsync(_stallInterval, _timeProvider, linked.Token).ConfigureAwait(false);
                    return true;
                }
                catch (TimeoutException)
                {
                    _onStalled();
                }
                catch (OperationCanceledException) when (_closed.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
                {
                    return false;
                }
            }
        }
        finally
        {
            _onResumed?.Invoke(_timeProvider.GetElapsedTime(paused));
        }
    }

    /// <summary>Follows the MQTT framing over bytes handed to MQTTnet (fixed header: type byte, 1-4 length bytes; then the body).</summary>
    private void Frame(ReadOnlySpan<byte> bytes)
    {
        var i = 0;
        while (i < bytes.Length)
        {
            switch (_part)
            {
                case Part.Boundary:
                    _type = bytes[i++] >> 4;
                    (_headerBytes, _length, _multiplier, _part) = (1, 0, 1, Part.Length);
                    break;
                case Part.Length:
                    var b = bytes[i++];
                    _headerBytes++;
                    _length += (b & 0x7F) * _multiplier;
                    _multiplier *= 128;
                    if ((b & 0x80) != 0)
                    {
                        if (_headerBytes == 5)
                        {
                            _part = Part.Unframed; // more than 4 length bytes: malformed
                        }

                        break;
                    }

                    if (_type == PublishType)
                    {
                        _window.Reserve(_headerBytes + _length);
                    }

                    (_bodyLeft, _part) = (_length, _length == 0 ? Part.Boundary : Part.Body);
                    break;
                case Part.Body:
                    var n = Math.Min(_bodyLeft, bytes.Length - i);
                    i += n;
                    _bodyLeft -= n;
                    if (_bodyLeft == 0)
                    {
                        _part = Part.Boundary;
                    }

                    break;
                default:
                    return;
            }
        }
    }
}

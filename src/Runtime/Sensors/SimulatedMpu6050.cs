using System.Buffers.Binary;
using System.Device.I2c;

namespace EdgeSentinel.Runtime.Sensors;

/// <summary>A simulated MPU-6050 on a simulated I2C bus: the register map with pointer-then-data semantics, for tests and simulated devices.</summary>
/// <remarks>
/// A write sets the register pointer (first byte) and stores any further bytes from there on; a read returns
/// bytes from the pointer on; both auto-increment. Reset values: PWR_MGMT_1 = 0x40 (asleep), WHO_AM_I = 0x68.
/// While asleep the data registers read as zero. Faults can be injected. Thread-safe (one lock).
/// </remarks>
public sealed class SimulatedMpu6050 : I2cDevice
{
    private readonly byte[] _registers = new byte[128];
    private readonly Lock _gate = new();
    private int _pointer;
    private int _failuresLeft;

    /// <summary>Creates a chip at the given bus and address, in its power-on state.</summary>
    public SimulatedMpu6050(int busId = 1, int address = Mpu6050Registers.DefaultAddress)
    {
        ConnectionSettings = new I2cConnectionSettings(busId, address);
        _registers[Mpu6050Registers.PowerManagement1] = Mpu6050Registers.SleepBit;
        _registers[Mpu6050Registers.WhoAmI] = Mpu6050Registers.ExpectedIdentity;
    }

    /// <inheritdoc />
    public override I2cConnectionSettings ConnectionSettings { get; }

    /// <summary>The number of transfers (read, write or write-read) attempted.</summary>
    public int Transfers { get; private set; }

    /// <summary>Returns the current value of a register.</summary>
    public byte GetRegister(int register)
    {
        lock (_gate)
        {
            return _registers[register];
        }
    }

    /// <summary>Sets a register directly (e.g. WHO_AM_I to simulate another chip).</summary>
    public void SetRegister(int register, byte value)
    {
        lock (_gate)
        {
            _registers[register] = value;
        }
    }

    /// <summary>Sets the raw 16-bit sample values the data registers hold (big-endian, as the chip stores them).</summary>
    public void SetRawSample(short accelX, short accelY, short accelZ, short temperature, short gyroX, short gyroY, short gyroZ)
    {
        lock (_gate)
        {
            Span<byte> data = _registers.AsSpan(Mpu6050Registers.AccelXOutHigh, Mpu6050Registers.DataLength);
            BinaryPrimitives.WriteInt16BigEndian(data, accelX);
            BinaryPrimitives.WriteInt16BigEndian(data[2..], accelY);
            BinaryPrimitives.WriteInt16BigEndian(data[4..], accelZ);
            BinaryPrimitives.WriteInt16BigEndian(data[6..], temperature);
            BinaryPrimitives.WriteInt16BigEndian(data[8..], gyroX);
            BinaryPrimitives.WriteInt16BigEndian(data[10..], gyroY);
            BinaryPrimitives.WriteInt16BigEndian(data[12..], gyroZ);
        }
    }

    /// <summary>Makes the next <paramref name="count"/> transfers throw <see cref="IOException"/> (as a disconnected bus does).</summary>
    public void FailNextTransfers(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        lock (_gate)
        {
            _failuresLeft = count;
        }
    }

    /// <inheritdoc />
    public override byte ReadByte()
    {
        Span<byte> one = stackalloc byte[1];
        Read(one);
        return one[0];
    }

    /// <inheritdoc />
    public override void Read(Span<byte> buffer)
    {
        lock (_gate)
        {
            BeginTransfer();
            ReadLocked(buffer);
        }
    }

    /// <inheritdoc />
    public override void WriteByte(byte value) => Write([value]);

    /// <inheritdoc />
    public override void Write(ReadOnlySpan<byte> buffer)
    {
        lock (_gate)
        {
            BeginTransfer();
            WriteLocked(buffer);
        }
    }

    /// <inheritdoc />
    public override void WriteRead(ReadOnlySpan<byte> writeBuffer, Span<byte> readBuffer)
    {
        lock (_gate)
        {
            BeginTransfer();
            WriteLocked(writeBuffer);
            ReadLocked(readBuffer);
        }
    }

    private void BeginTransfer()
    {
        Transfers++;
        if (_failuresLeft > 0)
        {
            _failuresLeft--;
            throw new IOException($"Simulated I2C error: no acknowledge from device 0x{ConnectionSettings.DeviceAddress:x2}.");
        }
    }

    private void WriteLocked(ReadOnlySpan<byte> buffer)
    {
        if (buffer.IsEmpty)
        {
            return;
        }

        _pointer = buffer[0] & 0x7F;
        for (int i = 1; i < buffer.Length; i++)
        {
            if (_pointer != Mpu6050Registers.WhoAmI)
            {
                _registers[_pointer] = buffer[i];
            }

            _pointer = (_pointer + 1) & 0x7F;
        }
    }

    private void ReadLocked(Span<byte> buffer)
    {
        bool asleep = (_registers[Mpu6050Registers.PowerManagement1] & Mpu6050Registers.SleepBit) != 0;
        for (int i = 0; i < buffer.Length; i++)
        {
            bool isData = _pointer >= Mpu6050Registers.AccelXOutHigh && _pointer < Mpu6050Registers.AccelXOutHigh + Mpu6050Registers.DataLength;
            buffer[i] = asleep && isData ? (byte)0 : _registers[_pointer];
            _pointer = (_pointer + 1) & 0x7F;
        }
    }
}

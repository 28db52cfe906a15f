namespace Containerize.Core.Images.Transfer;

/// <summary>What a read-only stream over another one never changes: no writes, and disposing it disposes the inner one.</summary>
internal abstract class ReadOnlyStreamWrapper(Stream inner) : Stream
{
    protected Stream Inner { get; } = inner;

    public override bool CanRead => true;
    public override bool CanWrite => false;

    public override void Flush()
    {
    }

    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) Inner.Dispose();
        base.Dispose(disposing);
    }

    public override ValueTask DisposeAsync() => Inner.DisposeAsync();
}

using System.Text;
using Containerize.Cli;

namespace Containerize.Tests.Infrastructure;

public sealed record CliResult(int ExitCode, string StdOut, string StdErr, byte[] RawStdOut);

/// <summary>Runs the containerize CLI in-process, capturing its output exactly as a user would see it.</summary>
public static class CliRunner
{
    public static async Task<CliResult> RunAsync(string workingDirectory, params string[] args)
    {
        var stdout = new StringWriter { NewLine = "\n" };
        var stderr = new StringWriter { NewLine = "\n" };
        var raw = new MemoryStream();
        var exit = await CliApp.RunAsync(args, stdout, stderr, () => new NonClosingStream(raw), workingDirectory, CancellationToken.None);
        await stdout.FlushAsync();
        var rawBytes = raw.ToArray();
        var text = stdout.ToString();
        if (rawBytes.Length > 0 && text.Length == 0) text = Encoding.UTF8.GetString(rawBytes);
        return new CliResult(exit, text, stderr.ToString(), rawBytes);
    }

    private sealed class NonClosingStream(Stream inner) : Stream
    {
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => inner.Length;
        public override long Position { get => inner.Position; set => throw new NotSupportedException(); }
        public override void Flush() => inner.Flush();
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);
        public override void Write(ReadOnlySpan<byte> buffer) => inner.Write(buffer);
        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => inner.WriteAsync(buffer, cancellationToken);
    }
}

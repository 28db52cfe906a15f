namespace Containerize.Core.Images.Store;

/// <summary>CTZ4030-CTZ4039: layers the store knows only remotely (a base pulled without its layers). docs/errors.md lists each.</summary>
public static class RemoteBlobErrors
{
    /// <summary>A remote-only layer is needed, but this command has no way to reach a registry.</summary>
    public const string NotFetchable = "CTZ4030";

    /// <summary>A remote-only layer is needed in offline mode.</summary>
    public const string Offline = "CTZ4031";

    /// <summary>No source the store recorded could provide the layer.</summary>
    public const string Unavailable = "CTZ4032";
}

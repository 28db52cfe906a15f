namespace Containerize.Core.Images.Store;

/// <summary>CTZ3200-CTZ3399: the local store, exporters and importers. docs/errors.md lists each with its hint.</summary>
public static class StoreErrors
{
    public const string DigestMismatch = "CTZ3200";
    public const string SizeMismatch = "CTZ3201";
    public const string CorruptBlob = "CTZ3202";
    public const string BlobNotFound = "CTZ3203";
    public const string StoreLocked = "CTZ3204";
    public const string MalformedIndex = "CTZ3205";
    public const string TagRequired = "CTZ3206";
    public const string ImageNotFound = "CTZ3207";
    public const string CheckFailed = "CTZ3208";
    public const string NotAStore = "CTZ3209";

    public const string UnknownTransport = "CTZ3220";
    public const string LayoutNotFound = "CTZ3221";
    public const string LayoutTagNotFound = "CTZ3222";
    public const string MalformedArchive = "CTZ3223";
    public const string PlatformNotFound = "CTZ3224";
    public const string UnsupportedMediaType = "CTZ3225";
    public const string DiffIdMismatch = "CTZ3226";

    public const string EngineLoadFailed = "CTZ3230";
    public const string EngineNotFound = "CTZ3231";

    public const string ImageInUseByRepositories = "CTZ3260";
    public const string AmbiguousImageId = "CTZ3261";
    public const string BadFormat = "CTZ3262";

    /// <summary>rmi: a container made from the image still exists (remove it, or force the removal).</summary>
    public const string ImageInUseByContainer = "CTZ3263";

    public const string RootfsNotFound = "CTZ3240";
    public const string BadChange = "CTZ3241";
}

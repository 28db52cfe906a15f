namespace Containerize.Core.Images;

/// <summary>CTZ3xxx: images, layers and the store. docs/errors.md lists each with its hint.</summary>
public static class ImageErrors
{
    public const string MalformedDigest = "CTZ3001";
    public const string InvalidReference = "CTZ3002";
    public const string MalformedJson = "CTZ3003";
    public const string InvalidPlatform = "CTZ3004";
}

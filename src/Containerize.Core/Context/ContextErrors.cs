namespace Containerize.Core.Context;

/// <summary>
/// The build context's codes (CTZ2xxx). CTZ20xx are errors, CTZ2101-2149 are hygiene warnings, which are fatal only
/// when the caller asks for strict checking; CTZ2150-2169 are git URL contexts' errors (<see cref="Git.GitErrors"/>).
/// docs/errors.md lists each with its hint.
/// </summary>
public static class ContextErrors
{
    public const string InvalidPattern = "CTZ2001";
    public const string ContextNotFound = "CTZ2002";
    public const string Unreadable = "CTZ2003";
    public const string IgnoreFileUnreadable = "CTZ2004";
    public const string PathOutsideContext = "CTZ2005";
    public const string DockerfileNotFound = "CTZ2006";
    public const string FileChanged = "CTZ2007";
    public const string CaseVariantNames = "CTZ2008";
    public const string UnportableLink = "CTZ2009";

    public const string RootOrHome = "CTZ2101";
    public const string TooLarge = "CTZ2102";
    public const string GitFolder = "CTZ2103";
    public const string BuildOutput = "CTZ2104";
    public const string LikelySecret = "CTZ2105";
    public const string SourceExcluded = "CTZ2106";
    public const string SymlinkOutside = "CTZ2107";
    public const string SpecialFileSkipped = "CTZ2108";
    public const string UnsupportedName = "CTZ2109";
}

namespace Containerize.Core.Runtime.Bundles;

/// <summary>One entry of config.json's "hooks" lists, as the OCI runtime spec names its fields.</summary>
public sealed record OciHook(string Path, IReadOnlyList<string> Args, int? Timeout = null);

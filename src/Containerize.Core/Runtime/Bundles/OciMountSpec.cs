namespace Containerize.Core.Runtime.Bundles;

/// <summary>One entry of config.json's "mounts", as the OCI runtime spec names its fields.</summary>
public sealed record OciMountSpec(string Destination, string Type, string Source, IReadOnlyList<string> Options);

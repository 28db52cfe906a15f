using Containerize.Core.Os;
using Containerize.Core.Diagnostics;

namespace Containerize.Core.Runtime.Users;

/// <summary>The ids a RUN step's process gets.</summary>
public sealed record ExecUser(uint Uid, uint Gid, IReadOnlyList<uint> AdditionalGids)
{
    public static readonly ExecUser Root = new(0, 0, []);
}

/// <summary>
/// Resolves Docker's USER string against the rootfs's /etc/passwd and /etc/group, as Docker does
/// (moby/sys/user GetExecUser): a name must exist; a numeric uid need not (its gid is then 0); with "user:group"
/// the group is that group and there are no supplementary groups; with a user alone, its supplementary groups
/// are the groups of /etc/group that list the user's name.
/// </summary>
public static class UserResolver
{
    public static ExecUser Resolve(string? user, string? passwd, string? group)
    {
        if (string.IsNullOrWhiteSpace(user)) user = "root";
        var colon = user.IndexOf(':');
        var userPart = colon < 0 ? user : user[..colon];
        var groupPart = colon < 0 ? null : user[(colon + 1)..];
        if (userPart.Length == 0) userPart = "root";

        var users = Parse(passwd, minFields: 4);
        var groups = Parse(group, minFields: 3);

        uint uid;
        uint gid = 0;
        string? matchedName = null;
        var entry = users.FirstOrDefault(u => u[0] == userPart);
        if (entry is null && TryId(userPart, out var numeric))
        {
            entry = users.FirstOrDefault(u => TryId(u[2], out var id) && id == numeric);
            uid = numeric;
        }
        else if (entry is null)
        {
            throw new ContainerizeException(RuntimeErrors.UnknownUser,
                $"unable to find user {userPart}: no matching entries in passwd file",
                hint: "create the user in an earlier RUN (adduser/useradd) or use a numeric uid");
        }
        else
        {
            uid = ParseId(entry[2]);
        }

        if (entry is not null)
        {
            matchedName = entry[0];
            uid = ParseId(entry[2]);
            gid = ParseId(entry[3]);
        }

        if (!string.IsNullOrEmpty(groupPart))
        {
            var g = groups.FirstOrDefault(x => x[0] == groupPart);
            if (g is not null) return new ExecUser(uid, ParseId(g[2]), []);
            if (TryId(groupPart, out var numericGid)) return new ExecUser(uid, numericGid, []);
            throw new ContainerizeException(RuntimeErrors.UnknownGroup,
                $"unable to find group {groupPart}: no matching entries in group file",
                hint: "create the group in an earlier RUN (addgroup/groupadd) or use a numeric gid");
        }

        var additional = new List<uint>();
        if (matchedName is not null)
        {
            foreach (var g in groups)
            {
                var members = g.Length > 3 ? g[3].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) : [];
                if (members.Contains(matchedName, StringComparer.Ordinal) && TryId(g[2], out var id) && !additional.Contains(id))
                    additional.Add(id);
            }
        }

        return new ExecUser(uid, gid, additional);
    }

    /// <summary>Reads /etc/passwd and /etc/group of a rootfs folder (either may be missing) and resolves.</summary>
    public static ExecUser ResolveInRootfs(string? user, string rootfs) =>
        Resolve(user, ReadInside(rootfs, "etc/passwd"), ReadInside(rootfs, "etc/group"));

    private static string? ReadInside(string rootfs, string relative)
    {
        // /etc/passwd could be a symbolic link pointing out of the rootfs; follow it inside the rootfs only.
        var path = InRootPath.Resolve(rootfs, relative);
        return path is not null && File.Exists(path) ? File.ReadAllText(path) : null;
    }

    private static List<string[]> Parse(string? text, int minFields)
    {
        var result = new List<string[]>();
        if (text is null) return result;
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.Length == 0 || line.StartsWith('#')) continue;
            var fields = line.Split(':');
            if (fields.Length >= minFields) result.Add(fields);
        }

        return result;
    }

    private static bool TryId(string s, out uint id) =>
        uint.TryParse(s, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out id);

    private static uint ParseId(string s) => TryId(s, out var id) ? id : 0;
}

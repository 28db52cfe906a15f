using System.Runtime.InteropServices;
using System.Runtime.Loader;

namespace Containerize.Tasks;

/// <summary>
/// MSBuild loads task dependencies from the task folder only, not from deps.json's <c>runtimes/&lt;rid&gt;/lib</c>
/// folders, where RID-specific packages (Tmds.LibC) put their assembly: this resolves them from there.
/// </summary>
internal static class RuntimeAssets
{
    private static int _registered;

    public static void Register()
    {
        if (Interlocked.Exchange(ref _registered, 1) == 1) return;
        var context = AssemblyLoadContext.GetLoadContext(typeof(RuntimeAssets).Assembly) ?? AssemblyLoadContext.Default;
        var folder = Path.GetDirectoryName(typeof(RuntimeAssets).Assembly.Location)!;
        context.Resolving += (ctx, name) =>
        {
            var arch = RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant();
            var runtimes = Path.Combine(folder, "runtimes", "linux-" + arch, "lib");
            if (!Directory.Exists(runtimes)) return null;
            var file = Directory.EnumerateFiles(runtimes, name.Name + ".dll", SearchOption.AllDirectories).FirstOrDefault();
            return file is null ? null : ctx.LoadFromAssemblyPath(file);
        };
    }
}

namespace OrleansFabric.Charts.Tests;

/// <summary>Paths in the repository the tests run from (found by walking up to OrleansFabric.sln).</summary>
internal static class Repository
{
    private static readonly Lazy<string> s_root = new(FindRoot);

    public static string Root => s_root.Value;

    public static string ChartDirectory => PathOf("charts", "orleans-fabric");

    public static string PathOf(params string[] parts) => Path.Combine([Root, .. parts]);

    private static string FindRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        for (var depth = 0; depth < 16 && directory is not null; depth++, directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "OrleansFabric.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No OrleansFabric.sln above {AppContext.BaseDirectory}.");
    }
}

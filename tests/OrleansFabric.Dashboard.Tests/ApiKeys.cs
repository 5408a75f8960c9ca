namespace OrleansFabric.Dashboard.Tests;

/// <summary>Silo settings with an administrator key (<c>*</c>) and a key for tenant t1 only.</summary>
internal static class ApiKeys
{
    public const string Administrator = "admin-key-0123456789";
    public const string Tenant = "tenant-key-0123456789";

    public static Dictionary<string, string?> Settings() => new()
    {
        ["Fabric:Api:Keys:0:Key"] = Administrator,
        ["Fabric:Api:Keys:0:Tenants:0"] = "*",
        ["Fabric:Api:Keys:1:Key"] = Tenant,
        ["Fabric:Api:Keys:1:Tenants:0"] = "t1",
    };
}

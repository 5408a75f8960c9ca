namespace OrleansFabric.Runtime.Hosting;

/// <summary>
/// Work a provider must finish before the silo joins the cluster (for example creating or
/// migrating the database schema). Tasks run in registration order at the start of the
/// silo's start-up; a failure stops the silo.
/// </summary>
public interface ISiloStartupTask
{
    /// <summary>Runs the task.</summary>
    Task RunAsync(CancellationToken cancellationToken);
}

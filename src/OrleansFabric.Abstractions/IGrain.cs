namespace OrleansFabric;

/// <summary>
/// Marker for grain interfaces. Every interface that derives from it gets a generated
/// reference (proxy) and one request type per method from OrleansFabric.CodeGenerator.
/// </summary>
public interface IGrain;

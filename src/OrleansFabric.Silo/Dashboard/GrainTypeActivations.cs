namespace OrleansFabric.Silo.Dashboard;

/// <summary>Live activations of one grain type on the silo (<c>fabric_activations</c>).</summary>
/// <param name="GrainType">The grain type name (<c>session</c>, <c>essay-batch</c>).</param>
/// <param name="Activations">How many are live.</param>
public sealed record GrainTypeActivations(string GrainType, long Activations);

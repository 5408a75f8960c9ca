namespace OrleansFabric.Runtime.Activation;

/// <summary>A grain interface and the class that implements it on this silo.</summary>
internal sealed record GrainRegistration(Type InterfaceType, Type ImplementationType);

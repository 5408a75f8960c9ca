namespace OrleansFabric;

/// <summary>A grain addressed by a string key, as every grain in OrleansFabric is.</summary>
public interface IGrainWithStringKey : IGrain;

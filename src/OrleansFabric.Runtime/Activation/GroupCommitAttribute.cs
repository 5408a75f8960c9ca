namespace OrleansFabric.Runtime;

/// <summary>
/// Lets turns of this grain class start while an earlier turn awaits its state write; the
/// writes they ask for meanwhile are coalesced into one (group commit). Each caller is still
/// answered only after the write that covers its change is durable. Code after an awaited
/// <c>WriteStateAsync</c> may then see changes of later turns, so keep the write the last
/// step of a method.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class GroupCommitAttribute : Attribute;

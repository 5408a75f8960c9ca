namespace OrleansFabric;

/// <summary>
/// Marks a grain interface method as read-only. Such a call may interleave with a turn that
/// is suspended at an await (for example one waiting on a slow dependency), but never runs
/// while the activation writes its state. The method must not change grain state.
/// </summary>
[AttributeUsage(AttributeTargets.Method, Inherited = true)]
public sealed class ReadOnlyAttribute : Attribute;

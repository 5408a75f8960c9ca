namespace OrleansFabric.Silo.Dashboard;

/// <summary>Turns ended on the silo since it started (<c>fabric_turns_total</c>) and their latency.</summary>
/// <param name="Completed">Turns that committed a response.</param>
/// <param name="Cancelled">Turns superseded by a newer message.</param>
/// <param name="Failed">Turns whose brain failed every attempt.</param>
/// <param name="Duration">Time from a turn's start to its end (<c>fabric_turn_duration_seconds</c>).</param>
/// <param name="MessageResponse">Time from a message's acceptance to the commit of its answer (<c>fabric_message_response_seconds</c>).</param>
public sealed record TurnSummary(long Completed, long Cancelled, long Failed, LatencySummary Duration, LatencySummary MessageResponse);

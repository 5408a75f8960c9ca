namespace OrleansFabric.Sessions.Tests;

public sealed class SessionKeyTests
{
    [Fact]
    public void A_parsed_key_keeps_colons_in_the_interlocutor_and_prints_back_the_same()
    {
        Assert.True(SessionKey.TryParse("acme:support:sip:+4670:1:web", out var key));

        Assert.Equal(new SessionKey("acme", "support", "sip:+4670:1", "web"), key);
        Assert.Equal("acme:support:sip:+4670:1:web", key.ToString());
    }

    [Theory]
    [InlineData("acme:support:web")]
    [InlineData(":support:u1:web")]
    [InlineData("acme::u1:web")]
    [InlineData("acme:support::web")]
    [InlineData("acme:support:u1:")]
    public void A_key_without_four_non_empty_parts_is_refused(string value) =>
        Assert.False(SessionKey.TryParse(value, out _));

    [Fact]
    public void Keys_of_one_tenant_agent_and_channel_share_those_strings_and_not_the_interlocutor()
    {
        var tenant = "shared-" + Guid.NewGuid().ToString("N")[..8];

        Assert.True(SessionKey.TryParse($"{tenant}:agent:+46700000001:sms", out var first));
        Assert.True(SessionKey.TryParse($"{tenant}:agent:+46700000002:sms", out var second));

        Assert.Same(first.TenantId, second.TenantId);
        Assert.Same(first.AgentId, second.AgentId);
        Assert.Same(first.Channel, second.Channel);
        Assert.NotEqual(first.InterlocutorId, second.InterlocutorId);
    }
}

package io.chatgateway.router.store;

/** The result of {@link ChatStore#tryOffer} and {@link ChatStore#tryAssign}: only {@link #DONE} changed anything. */
public enum AssignOutcome {
    DONE,
    /** Someone else offered, assigned or closed the chat first. */
    CHAT_NOT_WAITING,
    /** The agent is not online and connected. */
    AGENT_UNAVAILABLE,
    /** The agent is at capacity. */
    AGENT_FULL
}

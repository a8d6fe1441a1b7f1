package io.chatgateway.router.store;

/** The result of {@link ChatStore#tryAssign}: only {@link #ASSIGNED} changed anything. */
public enum AssignOutcome {
    ASSIGNED,
    /** Someone else assigned or closed the chat first. */
    CHAT_NOT_WAITING,
    /** The agent is not online and connected. */
    AGENT_UNAVAILABLE,
    /** The agent is at capacity. */
    AGENT_FULL
}

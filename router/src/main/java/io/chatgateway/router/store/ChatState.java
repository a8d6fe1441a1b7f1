package io.chatgateway.router.store;

/**
 * Where a chat is in its life: {@code WAITING → OFFERED → ASSIGNED → CLOSED}. An offer that is
 * rejected or expires goes back to WAITING at the same place; so does an assigned chat whose agent
 * leaves.
 */
public enum ChatState {
    WAITING, OFFERED, ASSIGNED, CLOSED
}

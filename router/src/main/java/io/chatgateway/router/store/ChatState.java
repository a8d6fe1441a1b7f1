package io.chatgateway.router.store;

/** Where a chat is in its life: {@code WAITING → ASSIGNED → CLOSED}, back to WAITING when its agent leaves. */
public enum ChatState {
    WAITING, ASSIGNED, CLOSED
}

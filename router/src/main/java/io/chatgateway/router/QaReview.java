package io.chatgateway.router;

import io.chatgateway.router.store.ChatStore;

/** A closed chat sampled for quality review: its masked transcript and the shopper's rating, if any. */
public record QaReview(ChatStore.QaSample sample, ChatStore.Csat csat) {
}

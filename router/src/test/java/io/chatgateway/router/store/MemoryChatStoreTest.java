package io.chatgateway.router.store;

import org.junit.jupiter.api.BeforeEach;

class MemoryChatStoreTest extends ChatStoreContract {
    private ChatStore store;

    @BeforeEach
    void fresh() {
        store = new MemoryChatStore();
    }

    @Override
    ChatStore store() {
        return store;
    }
}

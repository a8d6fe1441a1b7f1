package io.chatgateway.router.guard;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class MaskingTest {
    @Test
    void cardsKeepTheirLastFourAndPhonesTheirEnds() {
        assertThat(Masking.mask("card 4111-1111-1111-1234 ok")).isEqualTo("card **** **** **** 1234 ok");
        assertThat(Masking.mask("call 13812345678")).isEqualTo("call 138****5678");
        assertThat(Masking.mask("+86 138 1234 5678")).isEqualTo("861******5678");
        assertThat(Masking.mask("order 12345 costs 99")).as("short numbers stay").isEqualTo("order 12345 costs 99");
        assertThat(Masking.mask(null)).isNull();
    }
}

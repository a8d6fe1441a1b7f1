package io.chatgateway.router.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class RankIndexTest {

    @Test
    void countsWhatComesBeforeExactlyAsASortedSetWould() {
        Random random = new Random(42);
        RankIndex<Integer> index = new RankIndex<>(Comparator.naturalOrder());
        TreeSet<Integer> reference = new TreeSet<>();
        List<Integer> present = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) {
            if (present.isEmpty() || random.nextInt(3) > 0) {
                int v = random.nextInt(1_000_000);
                if (reference.add(v)) {
                    index.add(v);
                    present.add(v);
                }
            } else {
                Integer v = present.remove(random.nextInt(present.size()));
                reference.remove(v);
                index.remove(v);
            }
            if (i % 97 == 0 && !present.isEmpty()) {
                Integer probe = present.get(random.nextInt(present.size()));
                assertThat(index.countBefore(probe)).isEqualTo(reference.headSet(probe).size());
            }
        }
        assertThat(index.size()).isEqualTo(reference.size());
    }
}

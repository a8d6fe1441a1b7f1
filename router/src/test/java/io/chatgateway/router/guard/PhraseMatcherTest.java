package io.chatgateway.router.guard;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PhraseMatcherTest {

    @Test
    void findsPhrasesInsideOthersAndAcrossFailureLinks() {
        PhraseMatcher m = PhraseMatcher.of(List.of("hers", "his", "she", "he"));
        assertThat(m.firstMatch("ushers")).as("'she' and 'he' end inside 'ushers'; 'hers' is listed first").isEqualTo(0);
        assertThat(m.firstMatch("ahishe")).isEqualTo(1);
        assertThat(m.firstMatch("xshex")).as("'she' before 'he' in the list").isEqualTo(2);
        assertThat(m.firstMatch("the")).isEqualTo(3);
        assertThat(m.firstMatch("nothing here? h-e")).as("'here' holds 'he'").isEqualTo(3);
        assertThat(m.firstMatch("abc")).isEqualTo(-1);
    }

    @Test
    void ignoresCaseAndKeepsChinese() {
        PhraseMatcher m = PhraseMatcher.of(List.of("I don't know", "我不知道"));
        assertThat(m.firstMatch("Well, I DON'T KNOW yet")).isZero();
        assertThat(m.firstMatch("这个我不知道呢")).isEqualTo(1);
        assertThat(m.firstMatch("I don't knew")).isEqualTo(-1);
        assertThat(PhraseMatcher.of(List.of()).firstMatch("anything")).isEqualTo(-1);
    }

    @Test
    void agreesWithAPlainScanOnRandomTexts() {
        Random r = new Random(7);
        String alphabet = "abcab ";
        for (int round = 0; round < 200; round++) {
            List<String> phrases = new ArrayList<>();
            for (int p = 0; p < 1 + r.nextInt(6); p++) {
                phrases.add(random(r, alphabet, 1 + r.nextInt(4)));
            }
            String text = random(r, alphabet, r.nextInt(30));
            int expected = -1;
            for (int p = 0; p < phrases.size(); p++) {
                if (text.toLowerCase(Locale.ROOT).contains(phrases.get(p).toLowerCase(Locale.ROOT))) {
                    expected = p;
                    break;
                }
            }
            assertThat(PhraseMatcher.of(phrases).firstMatch(text)).as(phrases + " in '" + text + "'").isEqualTo(expected);
        }
    }

    private static String random(Random r, String alphabet, int length) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < length; i++) {
            b.append(alphabet.charAt(r.nextInt(alphabet.length())));
        }
        return b.toString();
    }
}

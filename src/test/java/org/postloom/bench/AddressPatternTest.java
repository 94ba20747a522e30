package org.postloom.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AddressPatternTest {

    @Test
    void placeholdersExpand() {
        AddressPattern p = AddressPattern.parse("u{n}.{r}-s{s}@d{d}.bench.test");
        assertThat(p.expand(17, 3, 2, 999)).isEqualTo("u17.2-s3@d999.bench.test");
    }

    @Test
    void aPatternWithoutPlaceholdersIsItself() {
        assertThat(AddressPattern.parse("fixed@example.test").expand(1, 2, 3, 4)).isEqualTo("fixed@example.test");
    }

    @Test
    void unknownOrBrokenPlaceholdersAndBadAddressesAreRefused() {
        assertThatThrownBy(() -> AddressPattern.parse("u{x}@a.test")).hasMessageContaining("{x}");
        assertThatThrownBy(() -> AddressPattern.parse("u{n@a.test")).hasMessageContaining("unclosed");
        assertThatThrownBy(() -> AddressPattern.parse("no-at-sign")).hasMessageContaining("'@'");
        assertThatThrownBy(() -> AddressPattern.parse("a b@c.test")).hasMessageContaining("space");
        assertThatThrownBy(() -> AddressPattern.parse("a>@c.test")).hasMessageContaining("'>'");
    }

    @Test
    void recipientsWalkTheDomainsRoundRobinSoEachGetsTheSameShare() {
        Map<Integer, Integer> perDomain = new HashMap<>();
        for (long n = 0; n < 1000; n++) {
            for (int r = 0; r < 3; r++) perDomain.merge(AddressPattern.domainOf(n, r, 3, 7), 1, Integer::sum);
        }
        assertThat(perDomain.keySet()).containsExactlyInAnyOrder(1, 2, 3, 4, 5, 6, 7);
        assertThat(perDomain.values()).allSatisfy(count -> assertThat(count).isBetween(428, 429));
        assertThat(AddressPattern.domainOf(5, 0, 1, 1)).isEqualTo(1);
    }
}

package org.postloom.smtp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.postloom.mail.Mailbox;

class PathArgumentTest {

    @Test
    void parsesAddressAndParameters() throws SyntaxError {
        PathArgument p = PathArgument.parse("FROM", "FROM:<Alice.Smith+tag@Example.TEST> size=123 BODY=8BITMIME SMTPUTF8", true);
        assertThat(p.mailbox()).isEqualTo(new Mailbox("Alice.Smith+tag", "Example.TEST"));
        assertThat(p.mailbox().domainKey()).isEqualTo("example.test");
        assertThat(p.parameters()).containsEntry("SIZE", "123").containsEntry("BODY", "8BITMIME").containsEntry("SMTPUTF8", null);
    }

    @Test
    void acceptsASpaceAfterTheColonAndTheNullPath() throws SyntaxError {
        assertThat(PathArgument.parse("FROM", "FROM: <>", true).mailbox().isNull()).isTrue();
    }

    @Test
    void quotedLocalPartsMayHoldSpacesAndBrackets() throws SyntaxError {
        PathArgument p = PathArgument.parse("TO", "TO:<\"john >doe\"@example.test>", false);
        assertThat(p.mailbox().localPart()).isEqualTo("\"john >doe\"");
    }

    @Test
    void dropsASourceRoute() throws SyntaxError {
        assertThat(PathArgument.parse("TO", "TO:<@a.test,@b.test:u@c.test>", false).mailbox())
                .isEqualTo(new Mailbox("u", "c.test"));
    }

    @Test
    void addressLiteralsAndInternationalDomains() throws SyntaxError {
        assertThat(PathArgument.parse("TO", "TO:<u@[127.0.0.1]>", false).mailbox().domain()).isEqualTo("[127.0.0.1]");
        assertThat(PathArgument.parse("TO", "TO:<u@[IPv6:::1]>", false).mailbox().domain()).isEqualTo("[IPv6:::1]");
        Mailbox intl = PathArgument.parse("TO", "TO:<用户@例子.test>", false).mailbox();
        assertThat(intl.isInternationalized()).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"TO:u@x.test", "TO:<u@x.test", "TO:<u>", "TO:<@x.test>", "TO:<u@>", "TO:<.u@x.test>",
            "TO:<u..v@x.test>", "TO:<u@-x.test>", "TO:<u@x..test>", "TO:<u@[300.0.0.1]>", "TO:<u@x.test>junk",
            "TO:<u@x.test> =1", "TO:<u@x.test> A=1 A=2", "TO:<>", "FROM:<u@x.test>"})
    void refusesBadSyntax(String argument) {
        assertThatThrownBy(() -> PathArgument.parse("TO", argument, false))
                .isInstanceOf(SyntaxError.class)
                .satisfies(e -> assertThat(((SyntaxError) e).reply().code()).isEqualTo(501));
    }

    @Test
    void refusesALocalPartOver64Octets() {
        assertThatThrownBy(() -> PathArgument.parse("TO", "TO:<" + "a".repeat(65) + "@x.test>", false))
                .isInstanceOf(SyntaxError.class);
    }
}

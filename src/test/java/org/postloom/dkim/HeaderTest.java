package org.postloom.dkim;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Header fields, the From domain, and the split of streamed content into header and body. */
class HeaderTest {

    private static final String HEADER = "From: \"Doe, Jane\" <jane@Example.TEST>\r\n"
            + "Subject: a long\r\n\tfolded\r\n  subject\r\n"
            + "To: a@x.test\r\n"
            + "To: b@x.test\r\n";

    @Test
    void fieldsKeepTheirFoldingByteForByte() {
        byte[] block = HEADER.getBytes(StandardCharsets.US_ASCII);
        List<HeaderField> fields = HeaderField.parse(block, block.length);
        assertThat(fields).extracting(HeaderField::name).containsExactly("from", "subject", "to", "to");
        assertThat(new String(fields.get(1).raw(), StandardCharsets.US_ASCII))
                .isEqualTo("Subject: a long\r\n\tfolded\r\n  subject\r\n");
        assertThat(fields.get(1).value()).isEqualTo(" a long\tfolded  subject");
    }

    @Test
    void fromDomainOfCommonShapes() {
        assertThat(FromDomain.of(" \"Doe, Jane\" <jane@Example.TEST>")).contains("example.test");
        assertThat(FromDomain.of(" jane@example.test")).contains("example.test");
        assertThat(FromDomain.of(" jane@example.test (Jane <x@evil.test>)")).contains("example.test");
        assertThat(FromDomain.of(" \"a@b <c@evil.test>\" <jane@example.test>")).contains("example.test");
        assertThat(FromDomain.of(" Jane\t<jane@example.test.>")).contains("example.test");
        assertThat(FromDomain.of(" a@first.test, b@second.test")).contains("first.test");
        assertThat(FromDomain.of(" team: a@first.test, b@second.test;")).contains("first.test");
        assertThat(FromDomain.of(" Jörg <jörg@bücher.test>")).contains("xn--bcher-kva.test");
        assertThat(FromDomain.of(" undisclosed")).isEmpty();
        assertThat(FromDomain.of(" x@[127.0.0.1]")).isEmpty();
    }

    @Test
    void theTeeSplitsHeaderAndBodyAtAnyChunkBoundary() throws Exception {
        byte[] content = (HEADER + "\r\n\r\nbody line\r\n").getBytes(StandardCharsets.US_ASCII);
        byte[] bodyHash = Sha256.digest().digest("\r\nbody line\r\n".getBytes(StandardCharsets.US_ASCII));
        var random = new Random(5322);
        for (int round = 0; round < 500; round++) {
            var passed = new ByteArrayOutputStream();
            var tee = SigningTee.sha256(passed, 1024, Canonicalization.SIMPLE);
            for (int at = 0; at < content.length; ) {
                int n = Math.min(content.length - at, 1 + random.nextInt(round % 2 == 0 ? 3 : 60));
                tee.write(content, at, n);
                at += n;
            }
            assertThat(passed.toByteArray()).isEqualTo(content);
            assertThat(tee.withinCap()).isTrue();
            assertThat(tee.headerFields()).extracting(HeaderField::name).containsExactly("from", "subject", "to", "to");
            assertThat(tee.bodyHash()).isEqualTo(bodyHash);
        }
    }

    @Test
    void contentWithoutEmptyLineIsAllHeader() throws Exception {
        var tee = SigningTee.sha256(new ByteArrayOutputStream(), 1024, Canonicalization.RELAXED);
        tee.write(HEADER.getBytes(StandardCharsets.US_ASCII));
        assertThat(tee.headerFields()).hasSize(4);
        assertThat(tee.bodyHash()).isEqualTo(Sha256.digest().digest(new byte[0]));
    }

    @Test
    void aHeaderBeyondTheCapTurnsSigningOffButPassesEverything() throws Exception {
        var passed = new ByteArrayOutputStream();
        var tee = SigningTee.sha256(passed, 64, Canonicalization.RELAXED);
        byte[] content = (HEADER + HEADER + "\r\nbody\r\n").getBytes(StandardCharsets.US_ASCII);
        tee.write(content);
        assertThat(tee.withinCap()).isFalse();
        assertThat(passed.toByteArray()).isEqualTo(content);
    }

    @Test
    void selectionSignsEachPresentFieldBottomUpAndFromOnceMore() {
        byte[] block = HEADER.getBytes(StandardCharsets.US_ASCII);
        var selection = HeaderSelection.of(HeaderField.parse(block, block.length),
                DkimSettings.defaults().signedHeaders(), Canonicalization.RELAXED);
        assertThat(selection.names()).containsExactly("From", "From", "To", "To", "Subject");
        assertThat(new String(selection.canonical(), StandardCharsets.US_ASCII)).isEqualTo(
                "from:\"Doe, Jane\" <jane@Example.TEST>\r\nto:b@x.test\r\nto:a@x.test\r\nsubject:a long folded subject\r\n");
    }
}

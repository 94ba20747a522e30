package org.postloom.inject;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postloom.delivery.schedule.Rate;

/** Every refusal names its field, carries the contract's status, and queues nothing. */
class RefusalsTest {

    private static final String GOOD_CONTENT = "\"content\": {\"from\": \"app@acme.test\", \"subject\": \"s\", \"text_body\": \"t\"}";

    @TempDir
    Path dir;
    InjectionFixture fixture;
    final AtomicLong nanos = new AtomicLong();

    @BeforeEach
    void open() throws Exception {
        var acme = new Tenant("acme", Optional.of("acme-token"),
                Optional.of(Rate.parse("5/min")), Set.of("acme.test"), TenantRates.local(nanos::get));
        fixture = new InjectionFixture(dir, List.of(acme), Optional.of("admin-token"), 4096);
    }

    @AfterEach
    void close() {
        fixture.close();
    }

    @Test
    void badRequestsNameTheField() {
        assertRefused(400, "body: not valid JSON", "{\"recipients\": [");
        assertRefused(400, "body: must be a JSON object", "[1]");
        assertRefused(400, "recipients: required", "{" + GOOD_CONTENT + "}");
        assertRefused(400, "recipients[1].email: \"not-an-address\" is not of the form",
                "{\"recipients\": [{\"email\": \"a@x.test\"}, {\"email\": \"not-an-address\"}], " + GOOD_CONTENT + "}");
        assertRefused(400, "envelope_sender: \"a b@acme.test\" must be printable ASCII",
                "{\"envelope_sender\": \"a b@acme.test\", \"recipients\": [{\"email\": \"a@x.test\"}], " + GOOD_CONTENT + "}");
        assertRefused(400, "content: required", "{\"recipients\": [{\"email\": \"a@x.test\"}]}");
        assertRefused(400, "content.from: required", "{\"recipients\": [{\"email\": \"a@x.test\"}], \"content\": {\"text_body\": \"x\"}}");
        assertRefused(400, "content.attachments[0].base64: not valid base64", "{\"recipients\": [{\"email\": \"a@x.test\"}],"
                + " \"content\": {\"from\": \"app@acme.test\", \"attachments\": [{\"file_name\": \"a\", \"base64\": \"@@@\"}]}}");
        assertRefused(400, "content.subject: template error:", "{\"recipients\": [{\"email\": \"a@x.test\"}],"
                + " \"content\": {\"from\": \"app@acme.test\", \"subject\": \"{{#open}}\", \"text_body\": \"x\"}}");
        assertRefused(400, "content.text_body: template error for recipients[1]", "{\"recipients\": [{\"email\": \"a@x.test\","
                + " \"substitutions\": {\"first\": \"A\"}}, {\"email\": \"b@x.test\"}],"
                + " \"content\": {\"from\": \"app@acme.test\", \"text_body\": \"Hi {{first}}\"}}");
        assertRefused(400, "content.subject: for recipients[0], a value put CR or LF", "{\"recipients\": [{\"email\": \"a@x.test\","
                + " \"substitutions\": {\"x\": \"a\\r\\nBcc: evil@x.test\"}}], \"content\": {\"from\": \"app@acme.test\","
                + " \"subject\": \"{{x}}\", \"text_body\": \"x\"}}");
        assertRefused(400, "content.headers.Content-Type: set by the builder", "{\"recipients\": [{\"email\": \"a@x.test\"}],"
                + " \"content\": {\"from\": \"app@acme.test\", \"text_body\": \"x\", \"headers\": {\"Content-Type\": \"x/y\"}}}");
        var key = catchThrowableOfType(Refusal.class, () -> fixture.injection.handle(InjectionFixture.request(
                "{}", "Authorization", "Bearer acme-token", "Idempotency-Key", "with space")));
        assertThat(key.getMessage()).startsWith("Idempotency-Key:");
        assertThat(fixture.queued()).isZero();
    }

    @Test
    void tokensSenderDomainsSizeAndRate() throws Exception {
        String good = "{\"recipients\": [{\"email\": \"a@x.test\"}], " + GOOD_CONTENT + "}";
        assertThat(refusal(good).status()).as("no token").isEqualTo(401);
        assertThat(refusal(good, "Authorization", "Bearer wrong").status()).isEqualTo(401);
        assertThat(refusal(good, "Authorization", "Bearer wrong").getMessage()).startsWith("Authorization:");

        Refusal domain = refusal("{\"envelope_sender\": \"b@other.test\", \"recipients\": [{\"email\": \"a@x.test\"}], "
                + GOOD_CONTENT + "}", "Authorization", "Bearer acme-token");
        assertThat(domain.status()).isEqualTo(403);
        assertThat(domain.getMessage()).startsWith("envelope_sender: domain other.test");
        assertThat(fixture.inject(good.replace("acme.test", "other.test"), "Authorization", "Bearer admin-token")
                .get("messages")).as("the admin token is tenant default, without acme's restriction").hasSize(1);

        Refusal big = refusal("{\"recipients\": [{\"email\": \"a@x.test\"}], \"content\": {\"from\": \"app@acme.test\","
                + " \"text_body\": \"" + "x".repeat(5000) + "\"}}", "Authorization", "Bearer acme-token");
        assertThat(big.status()).isEqualTo(413);
        assertThat(big.getMessage()).startsWith("body: over postloom.limits.message-size (4096");
        Refusal bigMessage = refusal("{\"recipients\": [{\"email\": \"a@x.test\", \"substitutions\": {\"x\": \"" + "y".repeat(3500)
                + "\"}}], \"content\": {\"from\": \"app@acme.test\", \"text_body\": \"{{x}} {{x}}\"}}", "Authorization", "Bearer acme-token");
        assertThat(bigMessage.status()).as("a message made over the limit").isEqualTo(413);
        assertThat(bigMessage.getMessage()).startsWith("content: the message for a@x.test is over");

        String four = "{\"recipients\": [{\"email\": \"a@x.test\"}, {\"email\": \"b@x.test\"}, {\"email\": \"c@x.test\"},"
                + " {\"email\": \"d@x.test\"}], " + GOOD_CONTENT + "}";
        assertThat(fixture.inject(four, "Authorization", "Bearer acme-token").get("messages")).hasSize(4);
        Refusal rate = refusal("{\"recipients\": [{\"email\": \"a@x.test\"}, {\"email\": \"b@x.test\"}], " + GOOD_CONTENT + "}",
                "Authorization", "Bearer acme-token");
        assertThat(rate.status()).isEqualTo(429);
        assertThat(rate.retryAfterSeconds()).as("one token left of 5/min, a second one in 12 s").isEqualTo(12);
        assertThat(fixture.queued()).as("only the two requests that succeeded").isEqualTo(5);

        nanos.addAndGet(12_000_000_000L);
        assertThat(fixture.inject("{\"recipients\": [{\"email\": \"a@x.test\"}, {\"email\": \"b@x.test\"}], " + GOOD_CONTENT + "}",
                "Authorization", "Bearer acme-token").get("messages")).hasSize(2);
    }

    private void assertRefused(int status, String start, String body) {
        Refusal r = refusal(body, "Authorization", "Bearer acme-token");
        assertThat(r.status()).as(r.getMessage()).isEqualTo(status);
        assertThat(r.getMessage()).startsWith(start);
    }

    private Refusal refusal(String body, String... headers) {
        Refusal r = catchThrowableOfType(Refusal.class, () -> fixture.injection.handle(InjectionFixture.request(body, headers)));
        assertThat(r).as("refused: " + (body.length() > 200 ? body.substring(0, 200) + "..." : body)).isNotNull();
        return r;
    }
}

package org.postloom.inject;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postloom.inject.IdempotencyStore.Answer;
import org.postloom.inject.IdempotencyStore.Response;

/** Kept answers: across a reopen, a torn last record, concurrent repeats, the end of their day. */
class IdempotencyStoreTest {

    @TempDir
    Path dir;

    private static Response ok(String body) {
        return new Response(200, body.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void aKeptAnswerSurvivesAReopenAndATornRecordAfterItIsDropped() throws Exception {
        Path file = dir.resolve("idempotency.log");
        try (var store = IdempotencyStore.open(file, Duration.ofHours(24), Clock.systemUTC())) {
            assertThat(store.once("t\0k1", () -> ok("first")).repeated()).isFalse();
            store.once("t\0k2", () -> ok("second"));
        }
        byte[] whole = Files.readAllBytes(file);
        Files.write(file, new byte[] {0, 0, 0, 40, 1, 2}, StandardOpenOption.APPEND); // a crash mid-append

        try (var store = IdempotencyStore.open(file, Duration.ofHours(24), Clock.systemUTC())) {
            Answer again = store.once("t\0k1", () -> ok("must not run"));
            assertThat(again.repeated()).isTrue();
            assertThat(new String(again.response().body(), StandardCharsets.UTF_8)).isEqualTo("first");
            assertThat(new String(store.once("t\0k2", () -> ok("x")).response().body(), StandardCharsets.UTF_8)).isEqualTo("second");
            assertThat(store.once("t\0k3", () -> ok("third")).repeated()).isFalse();
        }
        assertThat(Files.size(file)).as("the torn bytes are gone, a third record is there").isGreaterThan(whole.length);
    }

    @Test
    void concurrentRepeatsRunTheWorkOnce() throws Exception {
        try (var store = IdempotencyStore.open(dir.resolve("idempotency.log"), Duration.ofHours(24), Clock.systemUTC())) {
            AtomicInteger runs = new AtomicInteger();
            CountDownLatch arrived = new CountDownLatch(20);
            List<Thread> threads = new ArrayList<>();
            List<Answer> answers = java.util.Collections.synchronizedList(new ArrayList<>());
            for (int i = 0; i < 20; i++) {
                threads.add(Thread.ofVirtual().start(() -> {
                    try {
                        arrived.countDown();
                        answers.add(store.once("t\0same", () -> {
                            runs.incrementAndGet();
                            awaitQuietly(arrived); // the work lasts until every caller has come
                            return ok("once");
                        }));
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }));
            }
            for (Thread t : threads) t.join(10_000);
            assertThat(runs).hasValue(1);
            assertThat(answers).hasSize(20);
            assertThat(answers.stream().filter(a -> !a.repeated())).hasSize(1);
            assertThat(answers).allSatisfy(a -> assertThat(a.response().body()).asString(StandardCharsets.UTF_8).isEqualTo("once"));
        }
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void aRefusalIsNotKeptAndAnAnswerEndsWithItsDay() throws Exception {
        var clock = new Clock() {
            Instant now = Instant.parse("2026-12-01T10:00:00Z");

            @Override
            public Instant instant() {
                return now;
            }

            @Override
            public java.time.ZoneId getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(java.time.ZoneId zone) {
                return this;
            }
        };
        Path file = dir.resolve("idempotency.log");
        try (var store = IdempotencyStore.open(file, Duration.ofHours(24), clock)) {
            assertThatThrownBy(() -> store.once("t\0k", () -> {
                throw Refusal.unavailable("spool: full", 30);
            })).isInstanceOf(Refusal.class);
            assertThat(store.once("t\0k", () -> ok("after the refusal")).repeated()).as("the refusal was not kept").isFalse();
            clock.now = clock.now.plus(Duration.ofHours(23));
            assertThat(store.once("t\0k", () -> ok("x")).repeated()).isTrue();
        }
        clock.now = clock.now.plus(Duration.ofHours(2));
        try (var store = IdempotencyStore.open(file, Duration.ofHours(24), clock)) {
            assertThat(store.once("t\0k", () -> ok("a new day")).repeated()).as("24 h are over").isFalse();
        }
    }
}

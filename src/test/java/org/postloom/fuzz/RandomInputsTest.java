package org.postloom.fuzz;

import java.time.Duration;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The bounded fuzzing run of CI: every fuzz target above on random inputs for a few seconds each,
 * with a fresh seed per run (printed, so a failure can be replayed with -Dfuzz.seed=N). Jazzer
 * 0.24.0 cannot instrument Java 25 class files, so its own fuzzing is blind too; this costs a
 * fraction of its start-up. {@code bench/campaign} runs Jazzer proper, far longer.
 */
@Tag("long")
class RandomInputsTest {

    private static final Duration EACH = Duration.ofSeconds(Long.getLong("fuzz.seconds", 4));

    interface Target {
        void check(byte[] input) throws Exception;
    }

    @Test
    void smtpSession() throws Exception {
        run("SmtpSession", SmtpSessionFuzzTest::check, 600);
    }

    @Test
    void pathArgument() throws Exception {
        run("PathArgument", PathArgumentFuzzTest::check, 120);
    }

    @Test
    void dotDecoder() throws Exception {
        run("DotDecoder", RandomInputsTest::dotDecoderInput, 400);
    }

    @Test
    void chunkDecoder() throws Exception {
        run("ChunkDecoder", ChunkDecoderFuzzTest::check, 600);
    }

    @Test
    void bouncer() throws Exception {
        run("Bouncer", BouncerFuzzTest::check, 600);
    }

    /** Random bytes alone seldom make CRLF.CRLF: bias them towards the bytes DATA cares about. */
    private static void dotDecoderInput(byte[] input) {
        byte[] biased = input.clone();
        byte[] alphabet = {'\r', '\n', '.', 'a', '\r', '\n', '.', 0};
        for (int i = 1; i < biased.length; i++) if ((biased[i] & 0x80) == 0) biased[i] = alphabet[biased[i] & 7];
        DotDecoderFuzzTest.check(biased);
    }

    private static void run(String name, Target target, int maxLength) throws Exception {
        long seed = Long.getLong("fuzz.seed", System.nanoTime());
        SplittableRandom random = new SplittableRandom(seed);
        long deadline = System.nanoTime() + EACH.toNanos();
        long executions = 0;
        while (System.nanoTime() < deadline) {
            byte[] input = new byte[random.nextInt(maxLength + 1)];
            random.nextBytes(input);
            try {
                target.check(input);
            } catch (Throwable t) {
                throw new AssertionError(name + " failed on seed " + seed + " after " + executions
                        + " executions; input (hex): " + java.util.HexFormat.of().formatHex(input), t);
            }
            executions++;
        }
        System.out.println("fuzz target=" + name + " executions=" + executions + " seed=" + seed + " findings=0");
    }
}

package org.postloom.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The generator against the bench sink, in one JVM on loopback: counts on both sides must agree. */
class BlastAgainstSinkTest {

    private static BlastPlan plan(InetSocketAddress server, long messages, boolean pipelining) {
        return new BlastPlan(server, 5, messages, null, 2048, 2, 3, false, pipelining,
                AddressPattern.parse("s{s}@src.test"), AddressPattern.parse("u{n}.{r}@d{d}.bench.test"), "t.test",
                7, 0, Duration.ofSeconds(10));
    }

    private static String run(Blaster blaster) throws InterruptedException {
        return blaster.run().toString();
    }

    @Test
    void everyMessageTheGeneratorCountsTheSinkCountsToo() throws Exception {
        try (Sink sink = new Sink(new InetSocketAddress("127.0.0.1", 0), 0)) {
            sink.start();
            PrintStream quiet = new PrintStream(new ByteArrayOutputStream());
            String pipelined = run(new Blaster(plan(sink.address(), 300, true), quiet));
            String lockstep = run(new Blaster(plan(sink.address(), 200, false), quiet));
            assertThat(pipelined).contains("\"accepted\":300,").contains("\"io_errors\":0,").contains("\"pipelining\":true");
            assertThat(lockstep).contains("\"accepted\":200,").contains("\"io_errors\":0,");
            assertThat(sink.messages.sum()).isEqualTo(500);
            // 7 messages per connection: 300 messages need at least ceil(300/7) connections.
            assertThat(sink.sessions.sum()).isGreaterThanOrEqualTo(43 + 29);
        }
    }

    @Test
    void deferralsAreCountedAsTemporaryFailures() throws Exception {
        try (Sink sink = new Sink(new InetSocketAddress("127.0.0.1", 0), 100)) {
            sink.start();
            String result = run(new Blaster(plan(sink.address(), 50, true), new PrintStream(new ByteArrayOutputStream())));
            assertThat(result).contains("\"accepted\":0,").contains("\"tempfail\":50,");
            assertThat(sink.deferred.sum()).isEqualTo(50);
        }
    }

    @Test
    void aRetriedMessageIsNotAFirstAttemptAndItsTimeToDeliveryIsCounted() throws Exception {
        var dice = new ArrayDeque<>(List.of(0.0, 99.0, 99.0)); // defer, then accept twice
        try (Sink sink = new Sink(new InetSocketAddress("127.0.0.1", 0), 10, dice::poll)) {
            sink.start();
            long sent = System.currentTimeMillis() - 2_000;
            try (var s = new Socket("127.0.0.1", sink.address().getPort())) {
                var out = s.getOutputStream();
                var in = new BufferedReader(new InputStreamReader(s.getInputStream()));
                in.readLine();
                for (String id : new String[] {"<retried@bench.test>", "<retried@bench.test>", "<first@bench.test>"}) {
                    out.write(("MAIL FROM:<a@b.test>\r\nRCPT TO:<c@d.test>\r\nDATA\r\n").getBytes());
                    out.flush();
                    in.readLine();
                    in.readLine();
                    in.readLine();
                    out.write(("Message-ID: " + id + "\r\nX-Bench-Sent: " + sent + "\r\n\r\nbody\r\n.\r\n").getBytes());
                    out.flush();
                    in.readLine();
                }
            }
            assertThat(sink.deferred.sum()).isEqualTo(1);
            assertThat(sink.messages.sum()).isEqualTo(2);
            assertThat(sink.firstAttempt.sum()).as("the retried message is not a first attempt").isEqualTo(1);
            assertThat(sink.counters()).containsPattern("first=1 p50ms=(19|2[0-9])\\d\\d ");
        }
    }

    @Test
    void idleSessionsAreGreetedAndHeld() throws Exception {
        try (Sink sink = new Sink(new InetSocketAddress("127.0.0.1", 0), 0)) {
            sink.start();
            String result = new Idler(sink.address(), 200, 50, Duration.ofMillis(100), Duration.ofSeconds(10),
                    new PrintStream(new ByteArrayOutputStream())).run().toString();
            assertThat(result).contains("\"greeted\":200,").contains("\"failed\":0,");
        }
    }
}

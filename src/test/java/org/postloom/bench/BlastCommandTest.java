package org.postloom.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class BlastCommandTest {

    private static BlastPlan plan(String... args) {
        BlastCommand command = new BlastCommand();
        new CommandLine(command).parseArgs(args);
        return command.plan();
    }

    @Test
    void defaultsAreTheHeadlineScenario() {
        BlastPlan p = plan();
        assertThat(p.server().getHostString()).isEqualTo("127.0.0.1");
        assertThat(p.server().getPort()).isEqualTo(2525);
        assertThat(p.sessions()).isEqualTo(50);
        assertThat(p.messages()).isEqualTo(10_000);
        assertThat(p.duration()).isNull();
        assertThat(p.size()).isEqualTo(1024);
        assertThat(p.pipelining()).isTrue();
        assertThat(p.starttls()).isFalse();
        assertThat(p.timeout()).isEqualTo(Duration.ofSeconds(60));
    }

    @Test
    void everyOptionReachesThePlan() {
        BlastPlan p = plan("--server", "127.0.0.4:2600", "--sessions", "7", "--messages", "123", "--size", "10240",
                "--recipients", "3", "--domains", "1000", "--starttls", "--no-pipelining", "--from", "f{s}@x.test",
                "--to", "t{n}@d{d}.bench.test", "--messages-per-connection", "10", "--rate", "250.5", "--timeout", "PT5S");
        assertThat(p.server().getHostString()).isEqualTo("127.0.0.4");
        assertThat(p.server().getPort()).isEqualTo(2600);
        assertThat(p.sessions()).isEqualTo(7);
        assertThat(p.messages()).isEqualTo(123);
        assertThat(p.size()).isEqualTo(10240);
        assertThat(p.recipients()).isEqualTo(3);
        assertThat(p.domains()).isEqualTo(1000);
        assertThat(p.starttls()).isTrue();
        assertThat(p.pipelining()).isFalse();
        assertThat(p.from().expand(0, 4, 0, 0)).isEqualTo("f4@x.test");
        assertThat(p.to().expand(9, 0, 0, 12)).isEqualTo("t9@d12.bench.test");
        assertThat(p.messagesPerConnection()).isEqualTo(10);
        assertThat(p.rate()).isEqualTo(250.5);
        assertThat(p.timeout()).isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void durationReplacesTheMessageCount() {
        BlastPlan p = plan("--duration", "30s");
        assertThat(p.messages()).isZero();
        assertThat(p.duration()).isEqualTo(Duration.ofSeconds(30));
        assertThatThrownBy(() -> plan("--duration", "30", "--messages", "5")).hasMessageContaining("not both");
    }

    @Test
    void durationsInSeveralSpellings() {
        assertThat(BlastCommand.parseDuration("30")).isEqualTo(Duration.ofSeconds(30));
        assertThat(BlastCommand.parseDuration("1.5s")).isEqualTo(Duration.ofMillis(1500));
        assertThat(BlastCommand.parseDuration("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(BlastCommand.parseDuration("2m")).isEqualTo(Duration.ofMinutes(2));
        assertThat(BlastCommand.parseDuration("PT1M30S")).isEqualTo(Duration.ofSeconds(90));
        assertThatThrownBy(() -> BlastCommand.parseDuration("soon")).hasMessageContaining("not a duration");
    }

    @Test
    void badValuesAreRefusedWithTheOptionName() {
        assertThatThrownBy(() -> plan("--sessions", "0")).hasMessageContaining("--sessions");
        assertThatThrownBy(() -> plan("--domains", "0")).hasMessageContaining("--domains");
        assertThatThrownBy(() -> plan("--recipients", "0")).hasMessageContaining("--recipients");
        assertThatThrownBy(() -> plan("--server", "localhost")).hasMessageContaining("host:port");
        assertThatThrownBy(() -> plan("--server", "127.0.0.1:70000")).hasMessageContaining("port");
    }

    @Test
    void ipv6ServersInBrackets() {
        assertThat(BlastCommand.hostPort("[::1]:25").getPort()).isEqualTo(25);
        assertThat(BlastCommand.hostPort("[::1]:25").getAddress().isLoopbackAddress()).isTrue();
    }
}

package org.postloom.events;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The configured sinks, each with its pump and cursor; once a cursor is stored, journal files
 * that every sink has passed are deleted.
 */
final class EventSinks implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger("org.postloom.events");

    private final EventJournal journal;
    private final List<SinkPump> pumps = new ArrayList<>();

    private EventSinks(EventJournal journal) {
        this.journal = journal;
    }

    static EventSinks start(EventSettings settings, EventJournal journal, Path dir) throws IOException {
        var sinks = new EventSinks(journal);
        List<EventSink> configured = new ArrayList<>();
        settings.file().ifPresent(f -> configured.add(new FileSink(f, settings.fileMaxSize(), settings.fileKeep())));
        settings.webhookUrl().ifPresent(url -> configured.add(new WebhookSink(url, settings.webhookSecret(),
                settings.webhookBatchSize(), settings.webhookTimeout())));
        settings.kafkaServers().ifPresent(servers -> configured.add(new KafkaSink(servers, settings.kafkaTopic())));
        for (EventSink sink : configured) {
            Cursor cursor = new Cursor(dir, sink.name());
            JournalPosition from = cursor.load(journal.start());
            sinks.pumps.add(new SinkPump(sink, journal, cursor, from, settings.maxBackoff(), p -> sinks.release()));
            LOG.log(Level.INFO, "events sink=" + sink.name() + " from=" + from.number() + " backlog=" + (journal.end().number() - from.number()));
        }
        sinks.pumps.forEach(SinkPump::start);
        return sinks;
    }

    Map<String, Long> backlogs() {
        Map<String, Long> out = new LinkedHashMap<>();
        pumps.forEach(p -> out.put(p.name(), p.backlog()));
        return out;
    }

    /** Deletes the journal files behind the slowest sink's stored cursor. */
    private void release() {
        pumps.stream().map(p -> p.cursor().stored()).min(Comparator.comparingLong(JournalPosition::number))
                .ifPresent(journal::release);
    }

    @Override
    public void close() {
        pumps.forEach(SinkPump::close);
    }
}

package org.postloom.spool;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;

/**
 * Reads a segment's records back in order, checking both checksums of each. It stops at the
 * first record that is cut short or damaged: {@link #validEnd()} is then where the intact records
 * end. In the active segment everything after it is a torn write that was never acknowledged; in
 * an older segment it is damage, and {@link #resync()} finds the next intact record after it.
 */
final class SegmentScanner implements AutoCloseable {

    /** A record read back whole, and where its payload starts in the segment. */
    record Scanned(LogEntry entry, long payloadOffset) { }

    /** The parts of a payload kept in memory: a copy's states, and the envelope or state record. */
    private record Head(byte[] states, byte[] bytes, int consumed) { }

    private static final int RESYNC_WINDOW = 1 << 20;

    private final Path file;
    private final FileChannel channel;
    private final long size;
    private final byte[] scratch = new byte[64 << 10];
    private InputStream in;
    private long position;

    SegmentScanner(Path file) throws IOException {
        this.file = file;
        this.channel = FileChannel.open(file, StandardOpenOption.READ);
        this.size = channel.size();
        seek(0);
    }

    long size() {
        return size;
    }

    Path file() {
        return file;
    }

    /** The end of the last intact record read so far. */
    long validEnd() {
        return position;
    }

    /** The next intact record, or null at the end of the segment or at a torn or damaged record. */
    Scanned next() throws IOException {
        long start = position;
        byte[] header = read(Frame.HEADER);
        if (header == null || !plausibleHeader(header, 0, start)) return null;
        byte type = header[0];
        int length = ByteBuffer.wrap(header, 1, 4).getInt();
        var crc = new CRC32C();
        Head head = readHead(type, length, crc);
        if (head == null || !skipBody(length - head.consumed(), crc)) return null;
        byte[] trailer = read(Frame.TRAILER);
        if (trailer == null || ByteBuffer.wrap(trailer).getInt() != (int) crc.getValue()) return null;
        long payloadOffset = start + Frame.HEADER;
        position = payloadOffset + length + Frame.TRAILER;
        return new Scanned(decode(type, head, length, payloadOffset), payloadOffset);
    }

    /**
     * After {@link #next()} met a damaged record: moves to the next intact record after it and
     * returns its offset, or -1 if none follows. Each offset is tried as a record header (its own
     * checksum makes a false match one in four billion), then the record behind it is read whole.
     */
    long resync() throws IOException {
        long damaged = position;
        var window = ByteBuffer.allocate(RESYNC_WINDOW);
        for (long base = damaged + 1; base + Frame.HEADER <= size; base += RESYNC_WINDOW - Frame.HEADER) {
            window.clear();
            while (window.hasRemaining() && channel.read(window, base + window.position()) > 0) { }
            byte[] bytes = window.array();
            for (int i = 0; i + Frame.HEADER <= window.position(); i++) {
                if (!plausibleHeader(bytes, i, base + i)) continue;
                seek(base + i);
                if (next() != null) {
                    seek(base + i);
                    return base + i;
                }
            }
        }
        seek(damaged);
        return -1;
    }

    private boolean plausibleHeader(byte[] bytes, int at, long offset) {
        var fields = ByteBuffer.wrap(bytes, at, Frame.HEADER);
        byte type = fields.get();
        int length = fields.getInt();
        return fields.getInt() == Frame.headerChecksum(bytes, at) && Frame.isKnownType(type)
                && length >= 0 && (long) length + Frame.TRAILER <= size - offset - Frame.HEADER;
    }

    /** Reads what is kept in memory; the body that follows is only checksummed. */
    private Head readHead(byte type, int length, CRC32C crc) throws IOException {
        if (type == Frame.RECIPIENT_STATE || type == Frame.RIDER) {
            byte[] all = read(length);
            if (all != null) crc.update(all);
            return all == null ? null : new Head(null, all, length);
        }
        byte[] states = null;
        int consumed = 0;
        if (type == Frame.COPY) {
            states = lengthPrefixed(length, crc);
            if (states == null) return null;
            consumed = 4 + states.length;
        }
        byte[] envelope = lengthPrefixed(length - consumed, crc);
        return envelope == null ? null : new Head(states, envelope, consumed + 4 + envelope.length);
    }

    /** A u32 length and that many bytes, within {@code room}. */
    private byte[] lengthPrefixed(int room, CRC32C crc) throws IOException {
        byte[] prefix = read(4);
        if (prefix == null) return null;
        int n = ByteBuffer.wrap(prefix).getInt();
        if (n < 0 || n > room - 4) return null;
        crc.update(prefix);
        byte[] bytes = read(n);
        if (bytes != null) crc.update(bytes);
        return bytes;
    }

    /** Reads and checksums the body without keeping it. */
    private boolean skipBody(long remaining, CRC32C crc) throws IOException {
        while (remaining > 0) {
            int n = in.read(scratch, 0, (int) Math.min(scratch.length, remaining));
            if (n < 0) return false;
            crc.update(scratch, 0, n);
            remaining -= n;
        }
        return true;
    }

    private LogEntry decode(byte type, Head head, int length, long payloadOffset) throws IOException {
        try {
            if (type == Frame.RECIPIENT_STATE) return EntryCodec.decodeState(head.bytes());
            if (type == Frame.RIDER) return new LogEntry.Ridden(head.bytes());
            var envelope = EntryCodec.decodeEnvelope(head.bytes());
            long bodySize = length - head.consumed();
            if (type == Frame.MESSAGE) return new LogEntry.MessageQueued(envelope, head.consumed(), bodySize);
            int messageStart = 4 + head.states().length;
            return new LogEntry.MessageCopied(envelope.queueId(), EntryCodec.decodeStates(head.states()),
                    messageStart, head.bytes().length, bodySize, envelope);
        } catch (IOException | RuntimeException e) {
            // The checksum matched, so this is not a torn write: refuse rather than drop mail.
            throw new IOException("unreadable record in " + file + " at " + (payloadOffset - Frame.HEADER), e);
        }
    }

    private void seek(long offset) throws IOException {
        channel.position(offset);
        in = new BufferedInputStream(Channels.newInputStream(channel), 1 << 20);
        position = offset;
    }

    private byte[] read(int n) throws IOException {
        byte[] bytes = in.readNBytes(n);
        return bytes.length == n ? bytes : null;
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}

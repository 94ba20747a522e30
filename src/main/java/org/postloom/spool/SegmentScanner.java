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
 * Reads a segment's records back in order at start-up, checking both checksums of each. It stops
 * at the first record that is cut short or damaged: {@link #validEnd()} is then where the intact
 * records end, and everything after it is a torn write that was never acknowledged.
 */
final class SegmentScanner implements AutoCloseable {

    /** A record read back whole, and where its payload starts in the segment. */
    record Scanned(LogEntry entry, long payloadOffset) { }

    private final Path file;
    private final FileChannel channel;
    private final InputStream in;
    private final long size;
    private final byte[] scratch = new byte[64 << 10];
    private long position;

    SegmentScanner(Path file) throws IOException {
        this.file = file;
        this.channel = FileChannel.open(file, StandardOpenOption.READ);
        this.size = channel.size();
        this.in = new BufferedInputStream(Channels.newInputStream(channel), 1 << 20);
    }

    long size() {
        return size;
    }

    /** The end of the last intact record read so far. */
    long validEnd() {
        return position;
    }

    /** The next intact record, or null at the end of the segment or at a torn or damaged record. */
    Scanned next() throws IOException {
        long start = position;
        byte[] header = read(Frame.HEADER);
        if (header == null) return null;
        var fields = ByteBuffer.wrap(header);
        byte type = fields.get();
        int length = fields.getInt();
        if (fields.getInt() != Frame.headerChecksum(header) || !Frame.isKnownType(type)
                || length < 0 || (long) length + Frame.TRAILER > size - start - Frame.HEADER) {
            return null;
        }
        var crc = new CRC32C();
        int prefix = type == Frame.MESSAGE ? 4 : 0;
        byte[] head = readHead(type, length, crc);
        if (head == null || !skipBody(length - prefix - head.length, crc)) return null;
        byte[] trailer = read(Frame.TRAILER);
        if (trailer == null || ByteBuffer.wrap(trailer).getInt() != (int) crc.getValue()) return null;
        long payloadOffset = start + Frame.HEADER;
        position = payloadOffset + length + Frame.TRAILER;
        return new Scanned(decode(type, head, length, payloadOffset), payloadOffset);
    }

    /** The part of the payload kept in memory: all of a state record, the envelope of a message. */
    private byte[] readHead(byte type, int length, CRC32C crc) throws IOException {
        int headLength = length;
        if (type == Frame.MESSAGE) {
            byte[] envelopeLength = read(4);
            if (envelopeLength == null) return null;
            headLength = ByteBuffer.wrap(envelopeLength).getInt();
            if (headLength < 0 || headLength > length - 4) return null;
            crc.update(envelopeLength);
        }
        byte[] head = read(headLength);
        if (head != null) crc.update(head);
        return head;
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

    private LogEntry decode(byte type, byte[] head, int length, long payloadOffset) throws IOException {
        try {
            if (type == Frame.RECIPIENT_STATE) return EntryCodec.decodeState(head);
            int bodyStart = 4 + head.length;
            return new LogEntry.MessageQueued(EntryCodec.decodeEnvelope(head), bodyStart, length - bodyStart);
        } catch (IOException | RuntimeException e) {
            // The checksum matched, so this is not a torn write: refuse rather than drop mail.
            throw new IOException("unreadable record in " + file + " at " + (payloadOffset - Frame.HEADER), e);
        }
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

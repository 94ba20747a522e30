package org.postloom.spool;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * The framing of one record in a segment, after Postfix's rule that a queue file must show
 * whether it is whole (its END record): here every record carries two CRC32C checksums.
 *
 * <pre>
 *   u8  type            1 = message, 2 = recipient state, 3 = compaction copy, 4 = rider
 *   u32 payload length
 *   u32 CRC32C of the 5 bytes above   (a torn or zero-filled length is caught before it is used)
 *   ... payload
 *   u32 CRC32C of the payload         (a record cut short or damaged anywhere is caught)
 * </pre>
 *
 * A message's payload is {@code u32 n, n bytes of envelope, body}; the body is last so that it
 * can be streamed while its checksum is computed. A compaction copy's payload is
 * {@code u32 m, m bytes of recipient states}, then a message's payload exactly as it was stored
 * (the copier never decodes the envelope, so fields added to it later travel unchanged). A
 * rider's payload is another part's bytes, opaque to the spool ({@link CommitRider}).
 */
final class Frame {

    static final byte MESSAGE = 1;
    static final byte RECIPIENT_STATE = 2;
    static final byte COPY = 3;
    static final byte RIDER = 4;
    static final int HEADER = 9;
    static final int TRAILER = 4;

    private Frame() { }

    static boolean isKnownType(byte type) {
        return type == MESSAGE || type == RECIPIENT_STATE || type == COPY || type == RIDER;
    }

    static ByteBuffer header(byte type, int payloadLength) {
        var header = ByteBuffer.allocate(HEADER).put(type).putInt(payloadLength);
        header.putInt(headerChecksum(header.array()));
        return header.flip();
    }

    /** The checksum of a header's first five bytes (type and length). */
    static int headerChecksum(byte[] header) {
        return headerChecksum(header, 0);
    }

    /** The checksum of the five bytes of type and length at {@code offset}. */
    static int headerChecksum(byte[] bytes, int offset) {
        var crc = new CRC32C();
        crc.update(bytes, offset, 5);
        return (int) crc.getValue();
    }

    static int checksum(byte[] bytes) {
        var crc = new CRC32C();
        crc.update(bytes);
        return (int) crc.getValue();
    }

    /** The checksum of the bytes {@code buffer} has left, leaving its position where it was. */
    static int checksum(ByteBuffer buffer) {
        var crc = new CRC32C();
        crc.update(buffer.duplicate());
        return (int) crc.getValue();
    }
}

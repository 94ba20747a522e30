package org.postloom.spool;

/**
 * The CRC32C of two byte strings one after the other, from the CRC32C of each and the length of
 * the second (zlib's {@code crc32_combine}, with the Castagnoli polynomial). It lets a reception
 * put header lines in front of a body whose checksum was computed as it streamed by, without
 * reading the body again.
 */
final class Crc32cConcat {

    /** CRC32C's polynomial, bit-reversed (as java.util.zip.CRC32C uses it). */
    private static final int POLY = 0x82F63B78;
    /** x^(2^k) modulo the polynomial, for k = 0..31. */
    private static final int[] X2N = new int[32];

    static {
        int p = 1 << 30; // x^1
        X2N[0] = p;
        for (int k = 1; k < 32; k++) X2N[k] = p = multiply(p, p);
    }

    private Crc32cConcat() { }

    /** CRC32C(a || b), given CRC32C(a), CRC32C(b) and the length of b. */
    static int of(int crcA, int crcB, long lengthB) {
        return multiply(powerOfX(lengthB), crcA) ^ crcB;
    }

    /** x^(8 * bytes) modulo the polynomial: shifting a CRC over that many zero bytes. */
    private static int powerOfX(long bytes) {
        int p = 1 << 31; // x^0
        int k = 3;       // 8 bits per byte = x^(2^3) per step of one byte
        for (long n = bytes; n != 0; n >>>= 1, k++) {
            if ((n & 1) != 0) p = multiply(X2N[k & 31], p);
        }
        return p;
    }

    /** a * b modulo the polynomial, in the reflected bit order. */
    private static int multiply(int a, int b) {
        int m = 1 << 31;
        int p = 0;
        while (true) {
            if ((a & m) != 0) {
                p ^= b;
                if ((a & (m - 1)) == 0) break;
            }
            m >>>= 1;
            b = (b & 1) != 0 ? (b >>> 1) ^ POLY : b >>> 1;
        }
        return p;
    }
}

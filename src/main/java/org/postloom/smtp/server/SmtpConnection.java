package org.postloom.smtp.server;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import org.postloom.intake.IntakeException;
import org.postloom.intake.MessageSigner;
import org.postloom.intake.MessageStore;
import org.postloom.intake.MessageStore.Reception;
import org.postloom.smtp.BodyDecoder;
import org.postloom.smtp.BodyOutcome;
import org.postloom.smtp.BodySink;
import org.postloom.smtp.ChunkDecoder;
import org.postloom.smtp.DotDecoder;
import org.postloom.smtp.Reply;
import org.postloom.smtp.SmtpSession;
import org.postloom.smtp.Step;

/**
 * One client connection, on its own virtual thread: plain blocking reads and writes. It feeds
 * lines to the {@link SmtpSession}, carries out the {@link Step}s it returns, and streams message
 * bodies into the {@link MessageStore}. Replies are buffered and go out when the client has no
 * more commands in flight (RFC 2920).
 */
final class SmtpConnection {

    private static final System.Logger LOG = System.getLogger("org.postloom.smtp");

    private final Socket plain;
    private final SmtpSession session;
    private final MessageStore store;
    private final MessageSigner signer;
    private final TlsUpgrade tls;
    private final ConnectionSettings settings;
    private final SmtpMetrics metrics;
    private final String client;
    /** Set by another thread when the relay stops; read by this connection between transactions. */
    private volatile boolean draining;
    /**
     * Whether the connection may be interrupted for a drain: only while it waits for a command
     * outside any transaction. Both threads change it by compare-and-set, so a drain never cuts
     * into a transaction that has just begun.
     */
    private final AtomicReference<Wait> wait = new AtomicReference<>(Wait.BUSY);

    private enum Wait { BUSY, IDLE, INTERRUPTED }
    private Socket socket;
    private SmtpInput input;
    private OutputStream output;
    /** An open BDAT transfer: storage and decoder live across chunks. */
    private Reception chunkReception;
    private BodySink chunkSink;
    private ChunkDecoder chunkDecoder;

    SmtpConnection(Socket plain, SmtpSession session, MessageStore store, MessageSigner signer,
                   TlsUpgrade tls, ConnectionSettings settings, SmtpMetrics metrics) throws IOException {
        this.plain = plain;
        this.socket = plain;
        this.session = session;
        this.store = store;
        this.signer = signer;
        this.tls = tls;
        this.settings = settings;
        this.metrics = metrics;
        this.client = plain.getInetAddress().getHostAddress() + ":" + plain.getPort();
        attachStreams(plain);
    }

    /**
     * Serves the client until QUIT, an error or a timeout. Never throws. With {@code implicitTls}
     * (RFC 8314) the handshake comes first and the greeting is the first thing said inside TLS.
     */
    void serve(boolean implicitTls) {
        try {
            if (implicitTls) secure();
            write(session.greeting());
            loop();
        } catch (InputTimeout e) {
            sayGoodbye(session.timedOut());
        } catch (IOException | UncheckedIOException e) {
            LOG.log(System.Logger.Level.DEBUG, () -> "connection client=" + client + " error=" + e);
        } catch (RuntimeException e) {
            // A bug must not take a stack trace onto the wire; the client hears 421 and goes.
            LOG.log(System.Logger.Level.ERROR, "connection client=" + client + " internal error", e);
            sayGoodbye(new Step.Close(Reply.of(421, "4.3.0", "Internal error; closing connection")));
        } finally {
            closeChunkReception();
            closeQuietly();
        }
    }

    private void loop() throws IOException {
        while (true) {
            if (draining && !session.inTransaction()) {
                sayGoodbye(session.shuttingDown());
                return;
            }
            if (!session.inTransaction()) wait.set(Wait.IDLE);
            CommandLine line = input.readLine(ConnectionSettings.MAX_COMMAND_LINE, settings.commandTimeout());
            if (!wait.compareAndSet(Wait.IDLE, Wait.BUSY) && wait.get() == Wait.INTERRUPTED) {
                // A drain ended our wait; whatever arrived meanwhile began no transaction.
                sayGoodbye(session.shuttingDown());
                return;
            }
            if (line == null) return;
            Step step = switch (line) {
                case CommandLine.Text t -> session.handle(t.text());
                case CommandLine.TooLong ignored -> session.lineTooLong();
                case CommandLine.Malformed m -> session.malformedLine(m.why());
            };
            boolean goOn = carryOut(step);
            if (!session.inChunkedTransfer()) closeChunkReception();
            if (!goOn) return;
        }
    }

    /**
     * The relay is stopping: a client between transactions hears 421 4.3.2 now (its blocked read
     * is ended by shutting down our side's input); one inside a transaction finishes it first.
     */
    void drain() {
        draining = true;
        if (wait.compareAndSet(Wait.IDLE, Wait.INTERRUPTED)) {
            try {
                plain.shutdownInput();
            } catch (IOException e) {
                closeQuietly();
            }
        }
    }

    /** After the grace time: whatever is left is cut off; nothing of it was acknowledged. */
    void abort() {
        closeQuietly();
    }

    private boolean carryOut(Step step) throws IOException {
        return switch (step) {
            case Step.Continue c -> {
                write(c.reply());
                yield true;
            }
            case Step.Close c -> {
                write(c.reply());
                output.flush();
                yield false;
            }
            case Step.Pause pause -> {
                output.flush();
                try {
                    Thread.sleep(pause.delay());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    yield false;
                }
                write(pause.reply());
                yield true;
            }
            case Step.StartTls s -> startTls(s.reply());
            case Step.ReadData d -> receiveData(d);
            case Step.ReadChunk c -> receiveChunk(c);
            case Step.DiscardChunk d -> {
                if (!input.skip(d.size(), settings.dataTimeout())) yield false;
                write(d.reply());
                yield true;
            }
        };
    }

    private boolean startTls(Reply ready) throws IOException {
        write(ready);
        output.flush();
        secure();
        return true;
    }

    /**
     * Layers TLS over the raw socket, for STARTTLS and implicit TLS alike. Bytes the client sent
     * after STARTTLS were read in clear text: they are dropped, never executed (CVE-2011-0411),
     * because the TLS layer wraps the socket, not our buffer.
     */
    private void secure() throws IOException {
        SSLSocket secure = tls.upgrade(plain, settings.handshakeTimeout());
        socket = secure;
        attachStreams(secure);
        SSLSession tlsSession = secure.getSession();
        session.tlsStarted("version=" + tlsSession.getProtocol() + " cipher=" + tlsSession.getCipherSuite());
        metrics.tlsStarted(tlsSession.getProtocol());
    }

    private boolean receiveData(Step.ReadData d) throws IOException {
        Reception reception;
        try {
            reception = store.receive(d.envelope());
        } catch (IntakeException e) {
            return carryOut(session.bodyEnded(storageOutcome(e), 0));
        }
        try (reception) {
            write(d.reply());
            writeHeader(reception, session.receivedHeader(d.envelope()));
            Reception signed = signer.sign(d.envelope(), reception); // the client's content, after our trace header
            BodySink sink = new BodySink(signed.body(), d.sizeLimit(), settings.maxLineLength());
            if (!input.feed(new DotDecoder(sink), settings.dataTimeout())) return false;
            BodyOutcome outcome = finish(sink, signed);
            metrics.body(outcome, sink.octets());
            return carryOut(session.bodyEnded(outcome, sink.octets()));
        }
    }

    private boolean receiveChunk(Step.ReadChunk c) throws IOException {
        if (c.first()) {
            try {
                chunkReception = store.receive(c.envelope());
            } catch (IntakeException e) {
                if (!input.skip(c.size(), settings.dataTimeout())) return false;
                return carryOut(session.bodyEnded(storageOutcome(e), 0));
            }
            writeHeader(chunkReception, session.receivedHeader(c.envelope()));
            chunkReception = signer.sign(c.envelope(), chunkReception);
            chunkSink = new BodySink(chunkReception.body(), c.sizeLimit(), settings.maxLineLength());
            chunkDecoder = new ChunkDecoder(chunkSink);
        }
        long before = chunkSink.octets();
        chunkDecoder.expect(c.size());
        if (!input.feed(chunkDecoder, settings.dataTimeout())) return false;
        if (c.last()) chunkDecoder.finish();
        BodyOutcome outcome = !c.last() && chunkSink.problem() == null
                ? BodyOutcome.CHUNK_STORED
                : finish(chunkSink, chunkReception);
        metrics.body(outcome, chunkSink.octets() - before);
        return carryOut(session.bodyEnded(outcome, chunkSink.octets() - before));
    }

    /** A body read to its end is committed, unless something was wrong with it. */
    private static BodyOutcome finish(BodySink sink, Reception reception) {
        sink.flush();
        if (sink.problem() != null) {
            return sink.writeFailure() instanceof IntakeException e ? storageOutcome(e) : sink.problem();
        }
        try {
            reception.commit();
            return BodyOutcome.STORED;
        } catch (IntakeException e) {
            return storageOutcome(e);
        }
    }

    private static BodyOutcome storageOutcome(IntakeException e) {
        LOG.log(System.Logger.Level.WARNING, "storage refused message: " + e.getMessage());
        return e.kind() == IntakeException.Kind.FULL ? BodyOutcome.STORAGE_FULL : BodyOutcome.STORAGE_FAILED;
    }

    private static void writeHeader(Reception reception, String header) {
        try {
            reception.body().write(header.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            // The same failure shows again when the body is written; the sink reports it there.
            LOG.log(System.Logger.Level.DEBUG, () -> "spool write failed: " + e);
        }
    }

    private void write(Reply reply) throws IOException {
        metrics.refusal(reply);
        output.write(reply.toBytes());
    }

    /** Pending replies leave only when the client has no more commands buffered (RFC 2920 3.2). */
    private void flushQuietly() {
        try {
            output.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void sayGoodbye(Step.Close close) {
        try {
            write(close.reply());
            output.flush();
        } catch (IOException | UncheckedIOException ignored) {
            // the client is gone already
        }
    }

    private void attachStreams(Socket s) throws IOException {
        output = new BufferedOutputStream(s.getOutputStream(), 1024);
        if (input == null) {
            input = new SmtpInput(plain, s.getInputStream(), this::flushQuietly);
        } else {
            input.switchTo(s.getInputStream());
        }
    }

    private void closeChunkReception() {
        if (chunkReception != null) {
            chunkReception.close();
            chunkReception = null;
            chunkSink = null;
            chunkDecoder = null;
        }
    }

    private void closeQuietly() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // nothing left to tell anyone
        }
    }
}
